import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { readCredentials } from '../../src/engine/verify-logins.js';
import { verify } from '../../src/engine/verify.js';
import { FakeTarget } from './fake-target.js';
import { makeFixture, memorySource, tempDir } from './fixtures.js';
import { runMigrate, statePath } from './harness.js';

const { dir, cleanup } = tempDir();
after(cleanup);

async function migrated(users = 20) {
  const f = makeFixture({ users, organizations: 3, md5Every: 10, disabledEvery: 20 });
  const target = new FakeTarget();
  const s = await runMigrate(target, memorySource(f), statePath(dir, `v-${Math.random()}.db`));
  assert.equal(s.complete, true);
  return { f, target };
}

describe('verify', () => {
  test('a clean migration verifies: every user, field, membership and social link found through the target API', async () => {
    const { f, target } = await migrated();
    const r = await verify({ source: memorySource(f), target, plan: { missingPassword: 'jit' } });
    assert.equal(r.ok, true, JSON.stringify(r.counts));
    assert.equal(r.users.expected, 19);
    assert.equal(r.users.matched, 19);
    assert.equal(r.users.skippedByPlan, 1);
    assert.equal(r.organizations.found, 3);
    // It read the target, not a ledger: listing users is what it did.
    assert.ok((target.state.received.listUsers ?? 0) >= 1);
  });

  test('finds an injected missing user, extra user, field mismatch, missing membership and missing social link', async () => {
    const { f, target } = await migrated();
    const byExt = (id: string) => [...target.state.users.values()].find((u) => u.externalId === id)!;
    target.state.users.delete(byExt(f.users[1]!.sourceId).id); // missing
    target.state.signup('stranger@example.com'); // extra
    byExt(f.users[2]!.sourceId).lastName = 'Wrong'; // mismatch
    byExt(f.users[6]!.sourceId).metadata.plan = 'enterprise'; // metadata mismatch
    const m = byExt(f.users[3]!.sourceId);
    const key = [...target.state.memberships.keys()].find((k) => k.startsWith(`${m.id} `))!;
    target.state.memberships.delete(key); // missing membership
    byExt(f.users[4]!.sourceId).identities = []; // missing social link (the fake stores them)

    const r = await verify({ source: memorySource(f), target, plan: { missingPassword: 'jit' } });
    assert.equal(r.ok, false);
    assert.deepEqual(r.missing, [{ sourceId: f.users[1]!.sourceId, email: f.users[1]!.emails[0]!.address }]);
    assert.deepEqual(r.extra.map((e) => e.email), ['stranger@example.com']);
    assert.deepEqual(
      r.mismatches.map((x) => [x.sourceId, x.field, x.expected, x.actual]),
      [
        [f.users[2]!.sourceId, 'lastName', f.users[2]!.lastName, 'Wrong'],
        [f.users[6]!.sourceId, 'metadata.plan', undefined, undefined],
      ],
    );
    assert.equal(r.missingMemberships.length, 1);
    assert.equal(r.missingMemberships[0]!.sourceId, f.users[3]!.sourceId);
    assert.equal(r.missingMemberships[0]!.reason, 'not a member');
    assert.deepEqual(r.missingSocialLinks, [{ sourceId: f.users[4]!.sourceId, provider: 'google', providerUserId: 'g-4' }]);
    assert.deepEqual(r.counts, { missing: 1, extra: 1, duplicates: 0, mismatches: 2, missingOrganizations: 0, missingMemberships: 1, missingSocialLinks: 1 });
  });

  test('social links are not checked where the target does not store them', async () => {
    const { f, target } = await migrated();
    for (const u of target.state.users.values()) u.identities = [];
    const noSocial = new FakeTarget({ capabilities: { socialLinks: false }, state: target.state });
    const r = await verify({ source: memorySource(f), target: noSocial, plan: { missingPassword: 'jit' } });
    assert.equal(r.counts.missingSocialLinks, 0);
    assert.equal(r.ok, true);
  });

  test('--logins signs in through the target and reports each failure without the password', async () => {
    const { f, target } = await migrated();
    const rows = ['identifier,password'];
    const withHash = f.users.filter((u) => u.password?.algorithm === 'bcrypt' && !u.disabled).slice(0, 8);
    for (const u of withHash) rows.push(`${u.emails[0]!.address},${f.passwords.get(u.emails[0]!.address)}`);
    rows.push(`${withHash[0]!.emails[0]!.address},not-the-password-S3cret`);
    rows.push(`nobody@example.com,whatever-P4ss`);
    rows.push(`,`);
    rows.push(`${f.users[3]!.emails[0]!.address},md5-user-pw`); // moved without a hash (md5): JIT
    rows.push(`${f.users[5]!.emails[0]!.address},correct horse 1`); // disabled: not moved
    const path = join(dir, 'creds.csv');
    writeFileSync(path, rows.join('\n') + '\n');
    const before = target.state.received.login ?? 0;
    const r = await verify({ source: memorySource(f), target, plan: { missingPassword: 'jit' }, credentials: readCredentials(path) });
    assert.equal((target.state.received.login ?? 0) - before, 12);
    assert.equal(r.logins!.total, 13);
    assert.equal(r.logins!.succeeded, 8);
    assert.equal(r.logins!.failedCount, 3);
    assert.deepEqual(
      [...r.logins!.expectedFailures].sort((a, b) => a.identifier.localeCompare(b.identifier)),
      [
        { identifier: f.users[3]!.emails[0]!.address, reason: 'no password set: no hash was imported for this user (the plan moves the password by JIT)' },
        { identifier: f.users[5]!.emails[0]!.address, reason: 'unknown user: the user is not moved: the user is disabled and Fake cannot disable users; moving it would re-enable the account' },
      ].sort((a, b) => a.identifier.localeCompare(b.identifier)),
    );
    const byId = (a: { identifier: string }, b: { identifier: string }) => a.identifier.localeCompare(b.identifier);
    assert.deepEqual(
      [...r.logins!.failed].sort(byId),
      [
        { identifier: 'line 12', reason: 'missing identifier or password' },
        { identifier: withHash[0]!.emails[0]!.address, reason: 'wrong password' },
        { identifier: 'nobody@example.com', reason: 'unknown user' },
      ].sort(byId),
    );
    assert.equal(r.ok, false);
    assert.doesNotMatch(JSON.stringify(r), /S3cret|P4ss|correct horse/);
  });

  test('a logins file without the header is unreadable input', async () => {
    const path = join(dir, 'bad.csv');
    writeFileSync(path, 'email,pw\na@b.c,x\n');
    const { f, target } = await migrated(3);
    await assert.rejects(verify({ source: memorySource(f), target, plan: { missingPassword: 'jit' }, credentials: readCredentials(path) }), { code: 'E_INPUT_UNREADABLE' });
  });
});
