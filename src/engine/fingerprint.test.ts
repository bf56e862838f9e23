import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { secret, Secret } from '../model/secret.js';
import { emptyUser } from '../model/user.js';
import { digest, membershipFingerprint, organizationFingerprint, stableJson, userFingerprint } from './fingerprint.js';

/** The text every ledger's fingerprints were made from: JSON.stringify of a sorted copy (fingerprint.ts before stableJson). */
function sortedCopy(value: unknown): unknown {
  if (value instanceof Secret) return { secretDigest: createHash('sha256').update(value.reveal()).digest('hex') };
  if (Array.isArray(value)) return value.map(sortedCopy);
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(value as Record<string, unknown>).sort()) {
      const v = (value as Record<string, unknown>)[k];
      if (v !== undefined) out[k] = sortedCopy(v);
    }
    return out;
  }
  return value;
}

describe('fingerprints', () => {
  it('stableJson writes the very text JSON.stringify makes of the sorted copy', () => {
    const values: unknown[] = [
      null, 0, -0, 1.5, NaN, Infinity, 'a"b\\c\u2028é', true, [], {}, [undefined, () => 1, Symbol('s'), null],
      { b: 1, a: [2, { d: undefined, c: 'x' }], f: () => 1, s: Symbol('t') },
      { 10: 'ten', 9: 'nine', a: 1, '01': 'not an index', '-1': 'neg', 4294967295: 'max', 4294967294: 'last index', '': 'empty', Z: 2 },
      { date: new Date(0), map: new Map([[1, 2]]), nested: { deeper: { x: [1, [2, [3]]] } } },
      { password: secret('$2b$10$abcdefghijklmnopqrstuv'), list: [secret('x')] },
      { unicode: { 'é': 1, e: 2, 'E': 3, '\u{1F600}': 4 } },
    ];
    for (const v of values) assert.equal(stableJson(v), JSON.stringify(sortedCopy(v)), String(JSON.stringify(sortedCopy(v))));
  });

  it('stableJson keeps each shape apart: same keys in another order, other keys of the same count, more shapes than it keeps', () => {
    const values: unknown[] = [{ a: 1, b: 2 }, { b: 3, a: 4 }, { a: 5, c: 6 }, { c: 7, b: 8 }, { 1: 'x', a: 9 }, { a: 10, 1: 'y' }];
    for (let i = 0; i < 200; i++) values.push({ [`k${i}`]: i, [`j${i % 7}`]: { a: i, b: undefined } });
    for (const v of [...values, ...values]) assert.equal(stableJson(v), JSON.stringify(sortedCopy(v)));
  });

  it('digests what earlier versions digested (a re-run after an upgrade sends nothing)', () => {
    const u = emptyUser('user_1');
    u.emails = [{ address: 'A@Example.com', normalized: 'a@example.com', verified: true, primary: true }];
    u.firstName = 'Ada';
    u.password = { algorithm: 'bcrypt', phc: secret('$2b$10$abcdefghijklmnopqrstuuABCDEFGHIJKLMNOPQRSTUVWXYZ01234'), params: { cost: 10 } } as unknown as typeof u.password;
    u.passwordPlan = 'import';
    u.metadata.public = { 2: 'two', tier: 'gold', 10: 'ten' };
    u.memberships = [{ organizationId: 'org_1', roles: ['org:member'] }];
    u.lastSignInAt = '2024-01-01T00:00:00.000Z';
    const extra = { includePasswordHash: true, missingPassword: 'jit' };
    // Computed by the previous implementation (a sorted copy through JSON.stringify and createHash).
    const old = (value: unknown) => createHash('sha256').update(JSON.stringify(sortedCopy(value))).digest('base64url').slice(0, 27);
    const copy: Record<string, unknown> = { ...u };
    for (const k of ['lastSignInAt', 'updatedAt', 'memberships', 'lossy', 'sourceStatus']) delete copy[k];
    assert.equal(userFingerprint(u, extra), old({ user: copy, extra }));
    assert.equal(userFingerprint(u, extra), 'TCT4uuIQp_FexxeFRXbtQtS2y1M');
    assert.equal(userFingerprint(u, undefined), old({ user: copy }), 'no extra: the member is left out, as JSON.stringify leaves it');
    const reordered = Object.fromEntries(Object.entries(u).reverse()) as unknown as typeof u;
    assert.equal(userFingerprint(reordered, extra), 'TCT4uuIQp_FexxeFRXbtQtS2y1M', 'key order does not matter');
    const org = { sourceId: 'org_1', name: 'Org', slug: 'org', metadata: { plan: 'pro' }, createdAt: '2024-01-01T00:00:00.000Z' };
    assert.equal(organizationFingerprint(org), old(org));
    assert.equal(membershipFingerprint(['b', 'a']), old(['a', 'b']));
    assert.equal(digest('bench'), old('bench'));
  });
});
