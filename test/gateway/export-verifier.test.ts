/**
 * The export-backed legacy verifier on a Clerk export WITH its traps (duplicate emails that
 * differ in case, unsupported hashers, banned users), in memory and in the private SQLite index.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { normalizeIdentifier } from '../../src/gateway/identifier.js';
import type { ExportIndex } from '../../src/gateway/legacy/export-index.js';
import { ChainVerifier, ExportVerifier } from '../../src/gateway/legacy/export-verifier.js';
import type { LegacyVerdict, LegacyVerifier } from '../../src/protocol/legacy.js';
import { clerkExport, clerkIndex, tempDir, type ClerkExport } from './helpers.js';

const reason = (v: LegacyVerdict) => (v.ok ? 'ok' : v.reason);

for (const storage of ['memory', 'sqlite-temp'] as const) {
  describe(`export verifier (${storage} index)`, { timeout: 120_000 }, () => {
    const tmp = tempDir();
    let exp: ClerkExport;
    let index: ExportIndex;
    let v: ExportVerifier;

    before(async () => {
      exp = await clerkExport(tmp.dir, 120, { clean: false, seed: 'traps' });
      index = await clerkIndex(exp, storage);
      v = new ExportVerifier(index);
    });
    after(async () => {
      await index.close();
      tmp.remove();
    });

    it('indexes every user by each email and username, and counts the traps', () => {
      assert.ok(index.stats.users >= 120);
      assert.ok(index.stats.ambiguousIdentifiers >= 1, 'the duplicate-email trap is visible');
      assert.ok(index.stats.organizations >= 1);
    });

    it('verifies the real hashes (bcrypt, argon2id) of the export and hands back the whole record', async () => {
      let checked = 0;
      for (const l of exp.logins) {
        const ids = index.sourceIdsFor(l.identifier);
        const u = ids.length === 1 ? index.user(ids[0]!) : undefined;
        if (!u || u.disabled || u.passwordPlan !== 'import') continue;
        const r = await v.verify(l.identifier, l.password);
        assert.ok(r.ok, `${l.identifier}: ${reason(r)}`);
        assert.equal(r.sourceId, u.sourceId);
        assert.equal(r.user?.password?.algorithm, u.password?.algorithm);
        assert.equal(reason(await v.verify(`  ${l.identifier.toUpperCase()} `, l.password)), 'ok', 'identifiers are case-folded and trimmed');
        assert.equal(reason(await v.verify(l.identifier, `${l.password}x`)), 'invalid_credentials');
        if (++checked >= 12) break;
      }
      assert.ok(checked >= 12);
    });

    it('a banned user is `disabled` with the right password and `invalid_credentials` without it', async () => {
      const banned = exp.logins.find((l) => {
        const ids = index.sourceIdsFor(l.identifier);
        return ids.length === 1 && index.user(ids[0]!)?.disabled && index.user(ids[0]!)?.passwordPlan === 'import';
      });
      assert.ok(banned, 'the export has a banned user with a password');
      assert.equal(reason(await v.verify(banned.identifier, banned.password)), 'disabled');
      assert.equal(reason(await v.verify(banned.identifier, 'nope')), 'invalid_credentials');
    });

    it('a user whose hash flagless cannot verify is `no_password`; an unknown identifier is `unknown_user`', async () => {
      const anyNoHash = await findNoHashIdentifier(index, exp);
      assert.ok(anyNoHash, 'the export has a user without a usable hash');
      assert.equal(reason(await v.verify(anyNoHash, 'whatever')), 'no_password');
      assert.equal(reason(await v.verify('nobody@nowhere.example', 'whatever')), 'unknown_user');
    });

    it('an identifier two users share is never resolved by guessing', async () => {
      const shared = await findSharedIdentifier(index, exp);
      assert.ok(shared, 'the export has the duplicate-email trap');
      assert.equal(await v.lookup(shared), undefined, 'a lookup never picks one of several');
      assert.equal(reason(await v.verify(shared, 'not-anyones-password')), 'invalid_credentials');
      const known = exp.logins.find((l) => normalizeIdentifier(l.identifier) === normalizeIdentifier(shared));
      if (known) {
        const r = await v.verify(known.identifier, known.password);
        assert.ok(!r.ok || index.sourceIdsFor(shared).includes(r.sourceId), 'only a user whose own hash matched');
      }
    });

    it('a chain asks the next verifier only when the export cannot tell', async () => {
      const calls: string[] = [];
      const api: LegacyVerifier = {
        name: 'api',
        async verify(identifier) {
          calls.push(normalizeIdentifier(identifier));
          return { ok: true, sourceId: 'from-api' };
        },
        async close() {},
      };
      const chain = new ChainVerifier([v, api]);
      const known = exp.logins.find((l) => index.sourceIdsFor(l.identifier).length === 1 && index.user(index.sourceIdsFor(l.identifier)[0]!)?.passwordPlan === 'import' && !index.user(index.sourceIdsFor(l.identifier)[0]!)?.disabled)!;
      assert.equal(reason(await chain.verify(known.identifier, 'wrong')), 'invalid_credentials');
      assert.equal(calls.length, 0, 'a definite "wrong password" from the export ends the chain');
      const r = await chain.verify('only-at-the-api@example.com', 'pw');
      assert.ok(r.ok && r.sourceId === 'from-api');
      assert.deepEqual(calls, ['only-at-the-api@example.com']);
    });
  });
}

async function findNoHashIdentifier(index: ExportIndex, exp: ClerkExport): Promise<string | undefined> {
  // Users without a known plaintext are not in logins.csv: walk the CSV's emails instead.
  const fs = await import('node:fs');
  const { parse } = await import('csv-parse/sync');
  const rows = parse(fs.readFileSync(exp.csv, 'utf8'), { columns: true, relax_column_count: true }) as Record<string, string>[];
  for (const r of rows) {
    const email = r.primary_email_address;
    if (!email) continue;
    const ids = index.sourceIdsFor(email);
    const u = ids.length === 1 ? index.user(ids[0]!) : undefined;
    if (u && u.passwordPlan !== 'import' && u.emails.length > 0) return email;
  }
  return undefined;
}

async function findSharedIdentifier(index: ExportIndex, exp: ClerkExport): Promise<string | undefined> {
  const fs = await import('node:fs');
  const { parse } = await import('csv-parse/sync');
  const rows = parse(fs.readFileSync(exp.csv, 'utf8'), { columns: true, relax_column_count: true }) as Record<string, string>[];
  return rows.map((r) => r.primary_email_address ?? '').find((e) => e && index.sourceIdsFor(e).length > 1);
}
