import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compareClaims, jwtPayload } from '../../src/engine/claims-compare.js';
import { compareSocialConnections } from '../../src/engine/social-compare.js';

describe('compareClaims', () => {
  const ignore = new Set(['iss', 'sub', 'exp']);
  it('same name and JSON type is the same; another type, a renamed value and a missing claim are each reported', () => {
    const legacy = { iss: 'a', sub: 'u1', email: 'ada@example.com', first_name: 'Ada', org_count: 2, roles: ['admin'], plan: 'pro' };
    const target = { iss: 'b', sub: 'k1', email: 'ada@example.com', given_name: 'Ada', org_count: '2', roles: ['admin', 'offline_access'] };
    assert.deepEqual(compareClaims(legacy, target, ignore), [
      { claim: 'email', kind: 'same', type: 'string' },
      { claim: 'first_name', kind: 'renamed', type: 'string', targetClaim: 'given_name' },
      { claim: 'org_count', kind: 'type', type: 'number', targetType: 'string' },
      { claim: 'roles', kind: 'same', type: 'array<string>' },
      { claim: 'plan', kind: 'missing', type: 'string' },
    ]);
  });
  it('reads a JWT payload without trusting anything else; garbage is undefined', () => {
    const t = `${Buffer.from('{}').toString('base64url')}.${Buffer.from('{"a":1}').toString('base64url')}.x`;
    assert.deepEqual(jwtPayload(t), { a: 1 });
    assert.equal(jwtPayload('not a token'), undefined);
    assert.equal(jwtPayload('a.!!!.c'), undefined);
  });
});

describe('compareSocialConnections', () => {
  it('ok for the same client id; warns for a missing provider, another client id, or an unknown id', () => {
    const r = compareSocialConnections(
      [{ provider: 'google', clientId: 'g1' }, { provider: 'github', clientId: 'h1' }, { provider: 'apple', clientId: 'a1' }, { provider: 'microsoft', clientId: undefined }],
      [{ provider: 'google', clientId: 'g1' }, { provider: 'github', clientId: 'h2' }, { provider: 'microsoft', clientId: 'm1' }],
    );
    assert.deepEqual(r.map((c) => `${c.id}:${c.status}`), ['social.google:ok', 'social.github:warn', 'social.apple:warn', 'social.microsoft:warn']);
    assert.match(r[1]!.message, /h1 at the legacy provider and h2 at the target/);
  });
});
