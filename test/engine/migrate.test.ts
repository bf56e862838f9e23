import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { after, describe, test } from 'node:test';
import { parse } from 'csv-parse/sync';
import { dryRun } from '../../src/engine/dry-run.js';
import { exportIds } from '../../src/engine/ids.js';
import { formatSummary } from '../../src/engine/summary.js';
import { openStateStore } from '../../src/state/ledger/open.js';
import { normalizeEmail } from '../../src/model/email.js';
import { FlaglessError } from '../../src/protocol/errors.js';
import { FakeTarget } from './fake-target.js';
import { makeFixture, memorySource, tempDir } from './fixtures.js';
import { runMigrate, statePath } from './harness.js';

const dirs: (() => void)[] = [];
after(() => dirs.forEach((c) => c()));
function newState(): string {
  const { dir, cleanup } = tempDir();
  dirs.push(cleanup);
  return statePath(dir);
}

function expectedMemberships(f: ReturnType<typeof makeFixture>): number {
  return f.users.filter((u) => !u.disabled).reduce((n, u) => n + u.memberships.length, 0);
}

describe('migrate', () => {
  test('moves every record; a re-run sends nothing and still reports the counts', async () => {
    const f = makeFixture({ users: 60, organizations: 3, md5Every: 10, disabledEvery: 20 });
    const target = new FakeTarget();
    const state = newState();
    const s1 = await runMigrate(target, memorySource(f, { interleave: true }), state);
    const disabled = f.users.filter((u) => u.disabled).length;
    const lossy = f.users.filter((u) => u.password?.algorithm === 'md5' || u.mfa.length > 0).length;
    assert.equal(disabled, 3);
    assert.deepEqual(s1.users, { total: 60, created: 57, linked: 0, updated: 0, skipped: 3, recovered: 0, lossy, quarantined: 0, pending: 0 });
    assert.deepEqual(s1.organizations, { total: 3, created: 3, linked: 0, updated: 0, skipped: 0, recovered: 0, lossy: 0, quarantined: 0, pending: 0 });
    assert.equal(s1.memberships.created, expectedMemberships(f));
    assert.equal(s1.memberships.skipped, f.users.filter((u) => u.disabled).reduce((n, u) => n + u.memberships.length, 0));
    assert.equal(s1.complete, true);
    assert.equal(s1.writes, target.stats.writes);
    assert.equal(s1.writes, 57 + 3 + expectedMemberships(f));
    assert.equal(target.state.received.createUser, 57);

    // The target holds exactly the source's movable users, once each, with their memberships.
    assert.equal(target.state.users.size, 57);
    assert.deepEqual(target.state.duplicates(), []);
    assert.equal(target.state.memberships.size, expectedMemberships(f));
    for (const u of f.users.filter((x) => !x.disabled)) {
      const t = [...target.state.users.values()].find((x) => x.externalId === u.sourceId);
      assert.ok(t, u.sourceId);
      assert.equal(normalizeEmail(t.email), u.emails[0]!.normalized);
      // Hashes the target does not accept are not sent (the user moves by JIT).
      assert.equal(t.passwordHash !== undefined, u.password?.algorithm === 'bcrypt');
    }
    // The plan's reasons name what is lost.
    assert.ok(s1.plan?.reasons.some((r) => r.field === 'password' && /md5 hashes are not accepted by Fake; the password moves at the next sign-in/.test(r.reason)));
    assert.ok(s1.plan?.reasons.some((r) => r.field === 'mfa.totp'));

    const writes = target.stats.writes;
    const reads = target.stats.reads;
    const s2 = await runMigrate(target, memorySource(f), state);
    assert.equal(s2.writes, 0);
    assert.equal(target.stats.writes, writes);
    assert.equal(target.stats.reads, reads, 'a finished run needs no lookups either');
    assert.deepEqual(s2.users, s1.users);
    assert.deepEqual(s2.memberships, s1.memberships);
    assert.deepEqual(s2.processed, { user: 0, organization: 0, membership: 0 });
  });

  test('side effects the target counts (Target.events) are reported for this run only, and printed', async () => {
    const f = makeFixture({ users: 12, organizations: 1 });
    const target = new FakeTarget();
    // A target that counts one event per user it creates (as Keycloak counts reset emails).
    const events = { welcomeMails: 5 };
    const counting = new Proxy(target, {
      get(t, prop, receiver) {
        if (prop === 'events') return events;
        if (prop === 'createUser')
          return async (...args: Parameters<FakeTarget['createUser']>) => {
            const ref = await t.createUser(...args);
            events.welcomeMails++;
            return ref;
          };
        const v = Reflect.get(t, prop, receiver);
        return typeof v === 'function' ? v.bind(t) : v;
      },
    });
    const state = newState();
    const s1 = await runMigrate(counting, memorySource(f), state);
    assert.deepEqual(s1.targetEvents, { welcomeMails: s1.users.created });
    assert.match(formatSummary(s1), new RegExp(`at the target: welcomeMails ${s1.users.created}`));
    const s2 = await runMigrate(counting, memorySource(f), state);
    assert.deepEqual(s2.targetEvents, { welcomeMails: 0 });
    // A target without events: no such field.
    assert.equal((await runMigrate(new FakeTarget(), memorySource(f), newState())).targetEvents, undefined);
  });

  test('a record changed in the source is updated; new memberships are added; nothing else is sent', async () => {
    const f = makeFixture({ users: 20, organizations: 2 });
    const target = new FakeTarget();
    const state = newState();
    await runMigrate(target, memorySource(f), state);
    const before = target.stats.writes;
    f.users[4]!.firstName = 'Renamed';
    assert.deepEqual(f.users[7]!.memberships.map((m) => m.organizationId), ['org_1']);
    f.users[7]!.memberships.push({ organizationId: 'org_0', roles: ['billing'] });
    f.users[9]!.lastSignInAt = new Date().toISOString(); // volatile: not a change
    const s = await runMigrate(target, memorySource(f), state);
    assert.equal(s.users.updated, 1);
    assert.equal(s.memberships.created, f.users.reduce((n, u) => n + u.memberships.length, 0));
    assert.equal(target.stats.writes - before, 2);
    assert.deepEqual(target.state.memberships.get(`${[...target.state.users.values()].find((u) => u.externalId === f.users[7]!.sourceId)!.id} ${[...target.state.orgs.values()].find((o) => o.externalId === 'org_0')!.id}`), ['billing']);
    assert.equal([...target.state.users.values()].find((u) => u.externalId === f.users[4]!.sourceId)!.firstName, 'Renamed');

    // An update cut short (here by a fatal error after the ledger said 'writing') is sent again
    // on the next run, not mistaken for an applied create.
    f.users[5]!.lastName = 'Changed';
    const update = target.updateUser.bind(target);
    target.updateUser = async () => {
      throw new FlaglessError('E_TARGET_AUTH', 'key revoked');
    };
    const stopped = await runMigrate(target, memorySource(f), state);
    assert.equal(stopped.fatal?.code, 'E_TARGET_AUTH');
    target.updateUser = update;
    const resumed = await runMigrate(target, memorySource(f), state);
    assert.equal(resumed.complete, true);
    assert.equal([...target.state.users.values()].find((u) => u.externalId === f.users[5]!.sourceId)!.lastName, 'Changed');
  });

  for (const mode of ['link', 'skip', 'fail'] as const) {
    test(`--on-conflict ${mode}: a user who signed up at the target during the transition`, async () => {
      const f = makeFixture({ users: 10, organizations: 2 });
      const target = new FakeTarget();
      const signup = target.state.signup(f.users[3]!.emails[0]!.address.toUpperCase(), { firstName: 'Signed', metadata: { own: 'x' } });
      const s = await runMigrate(target, memorySource(f), newState(), { onConflict: mode });
      const members = [...target.state.memberships.keys()].filter((k) => k.startsWith(`${signup.id} `));
      assert.equal(target.state.users.size, 10, 'no second account for the same person');
      if (mode === 'link') {
        assert.equal(s.users.linked, 1);
        assert.equal(signup.externalId, f.users[3]!.sourceId, 'linked: brought in line with the source');
        assert.equal(signup.firstName, f.users[3]!.firstName);
        assert.equal(members.length, f.users[3]!.memberships.length, 'memberships repaired for the linked account');
        assert.equal(s.complete, true);
      } else if (mode === 'skip') {
        assert.equal(s.users.skipped, 1);
        assert.equal(signup.externalId, undefined, 'skipped: left as it is');
        assert.equal(signup.firstName, 'Signed');
        assert.equal(members.length, 0);
        assert.equal(s.complete, true);
      } else {
        assert.equal(s.users.quarantined, 1);
        assert.equal(s.quarantine.find((q) => q.kind === 'user')!.code, 'E_TARGET_CONFLICT');
        assert.match(s.quarantine.find((q) => q.kind === 'user')!.message, /already exists in the target \(--on-conflict fail\)/);
        assert.equal(s.memberships.quarantined, f.users[3]!.memberships.length);
        assert.equal(s.complete, false);
      }
    });
  }

  test('two users of the export with one email are never merged', async () => {
    const f = makeFixture({ users: 6, organizations: 0 });
    f.users[5]!.emails = [{ ...f.users[2]!.emails[0]!, address: f.users[2]!.emails[0]!.address.toLowerCase() }];
    const target = new FakeTarget();
    const s = await runMigrate(target, memorySource(f), newState());
    assert.equal(s.users.created, 5);
    assert.equal(s.users.quarantined, 1);
    assert.equal(s.quarantine[0]!.code, 'E_DUPLICATE_EMAIL');
    assert.equal(s.quarantine[0]!.sourceId, f.users[5]!.sourceId);
    assert.equal([...target.state.users.values()].find((u) => u.externalId === f.users[2]!.sourceId)!.firstName, f.users[2]!.firstName);
  });

  test('--retry-failed runs only the quarantined records', async () => {
    const f = makeFixture({ users: 12, organizations: 2 });
    const target = new FakeTarget();
    const state = newState();
    target.state.script.push({ method: 'createUser', fault: 'skippable' });
    const s1 = await runMigrate(target, memorySource(f), state);
    assert.equal(s1.users.quarantined, 1);
    const failed = s1.quarantine.find((q) => q.kind === 'user')!;
    assert.equal(failed.code, 'E_TARGET_VALIDATION');
    const failedUser = f.users.find((u) => u.sourceId === failed.sourceId)!;
    assert.equal(s1.memberships.quarantined, failedUser.memberships.length, 'its memberships wait for it');

    const plain = await runMigrate(target, memorySource(f), state);
    assert.equal(plain.writes, 0, 'a plain re-run leaves quarantined records alone');
    assert.equal(plain.users.quarantined, 1);

    const retried = await runMigrate(target, memorySource(f), state, { retryFailed: true });
    assert.equal(retried.writes, 1 + failedUser.memberships.length);
    assert.deepEqual(retried.processed, { user: 1, organization: 0, membership: failedUser.memberships.length });
    assert.equal(retried.users.quarantined, 0);
    assert.equal(retried.complete, true);
    assert.deepEqual(target.state.duplicates(), []);
  });

  test('--dry-run plans without creating a state file or calling the target', async () => {
    const f = makeFixture({ users: 30, organizations: 2, md5Every: 10, disabledEvery: 20 });
    const state = newState();
    const p = await dryRun({ source: memorySource(f), capabilities: new FakeTarget().capabilities, missingPassword: 'reset' });
    assert.equal(existsSync(state), false);
    assert.equal(p.users.total, 30);
    assert.equal(p.users.skip, 2);
    assert.equal(p.users.create, 28);
    assert.equal(p.users.password.reset, 3);
    assert.equal(p.organizations.create, 2);
    assert.equal(p.socialLinks.import, f.users.filter((u) => u.identities.length).length);
    assert.equal(p.mfaFactors.lossy, f.users.filter((u) => u.mfa.length).length);
    assert.ok(p.reasons.some((r) => /the user must reset the password/.test(r.reason)));

    // With a ledger, it tells what is already done and what changed.
    const target = new FakeTarget();
    await runMigrate(target, memorySource(f), state, { missingPassword: 'reset' });
    f.users[0]!.firstName = 'Changed';
    const store = await openStateStore(state, { readonly: true });
    const p2 = await dryRun({ source: memorySource(f), capabilities: target.capabilities, missingPassword: 'reset', store, runKey: 'clerk→fake' });
    await store.close();
    assert.equal(p2.users.done, 27);
    assert.equal(p2.users.update, 1);
    assert.equal(p2.users.create, 0);
  });

  test('no secret reaches the ledger, the summary or the quarantine', async () => {
    const f = makeFixture({ users: 30, organizations: 2, md5Every: 10 });
    const target = new FakeTarget();
    target.state.faults = { rate5xx: 0.2 };
    target.state.script.push({ method: 'createUser', fault: 'skippable' });
    const state = newState();
    const summary = await runMigrate(target, memorySource(f), state);
    const secrets = new Set<string>();
    for (const u of f.users) {
      if (u.password) secrets.add(u.password.phc.reveal());
      for (const m of u.mfa) if (m.secret) secrets.add(m.secret.reveal());
    }
    for (const p of f.passwords.values()) secrets.add(p);
    const { readFileSync } = await import('node:fs');
    const ledger = readFileSync(state).toString('latin1') + (existsSync(`${state}-wal`) ? readFileSync(`${state}-wal`).toString('latin1') : '');
    const report = JSON.stringify(summary);
    assert.ok(summary.quarantine.length > 0 && report.includes('[redacted]') === false);
    for (const sec of secrets) {
      assert.ok(!ledger.includes(sec), 'a secret is in the ledger');
      assert.ok(!report.includes(sec), 'a secret is in the summary');
    }
  });

  test('ids export: source id → target id for users and organizations, CSV and JSON', async () => {
    const f = makeFixture({ users: 8, organizations: 2 });
    const target = new FakeTarget();
    const state = newState();
    await runMigrate(target, memorySource(f), state);
    const store = await openStateStore(state, { readonly: true });
    let csv = '';
    const n = await exportIds(store, 'csv', (c) => (csv += c));
    let json = '';
    await exportIds(store, 'json', (c) => (json += c));
    await store.close();
    assert.equal(n, 10);
    const rows = parse(csv, { columns: true }) as Record<string, string>[];
    const parsed = JSON.parse(json) as { kind: string; sourceId: string; targetId: string }[];
    assert.equal(rows.length, 10);
    assert.equal(parsed.length, 10);
    for (const r of rows) {
      if (r.kind === 'user') assert.equal(target.state.users.get(r.target_id!)!.externalId, r.source_id);
      else assert.equal(target.state.orgs.get(r.target_id!)!.externalId, r.source_id);
    }
    assert.deepEqual(
      parsed.map((p) => [p.kind, p.sourceId, p.targetId]),
      rows.map((r) => [r.kind, r.source_id, r.target_id]),
    );
  });
});
