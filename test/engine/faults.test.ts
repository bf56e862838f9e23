import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { openStateStore } from '../../src/state/ledger/open.js';
import type { Progress } from '../../src/engine/progress.js';
import type { CanonicalUser } from '../../src/model/user.js';
import { FlaglessError } from '../../src/protocol/errors.js';
import type { CreateUserOptions } from '../../src/protocol/target.js';
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

/** Every source user that the plan moves is in the target exactly once, with its memberships. */
function assertExactlyTheSource(target: FakeTarget, f: ReturnType<typeof makeFixture>): void {
  assert.deepEqual(target.state.duplicates(), []);
  const moved = f.users.filter((u) => !u.disabled);
  assert.equal(target.state.users.size, moved.length);
  assert.equal(target.state.orgs.size, f.organizations.length);
  assert.equal(target.state.memberships.size, moved.reduce((n, u) => n + u.memberships.length, 0));
  for (const u of moved) assert.ok([...target.state.users.values()].some((t) => t.externalId === u.sourceId), u.sourceId);
  assert.equal(target.state.appliedBy.createUser, moved.length, 'no user was created twice');
  assert.equal(target.state.appliedBy.createOrganization, f.organizations.length, 'no organization was created twice');
}

describe('faults', () => {
  test('10% 5xx, 429s and replies lost after the write was applied: every record done or quarantined, nothing lost or doubled', async () => {
    const f = makeFixture({ users: 300, organizations: 5 });
    const target = new FakeTarget({ seed: 7 });
    target.state.faults = { rate5xx: 0.1, rate429: 0.05, retryAfterSeconds: 0, rateResetAfterApply: 0.05 };
    const state = newState();
    const s = await runMigrate(target, memorySource(f), state, { concurrency: 8 });
    for (const e of [s.users, s.organizations, s.memberships]) assert.equal(e.pending, 0);
    const store = await openStateStore(state, { readonly: true });
    for (const q of await store.failures(s.runId, 1000)) assert.ok(q.errorCode && q.errorMessage, `${q.sourceId} quarantined without a reason`);
    await store.close();
    assert.equal(s.fatal, undefined);
    assert.ok(s.users.recovered > 0, 'some creates were applied but unacknowledged, and recovered by lookup');
    assert.equal(s.users.linked, 0, 'our own writes are never mistaken for pre-existing accounts');
    assert.ok(s.rateLimited > 0);
    // With 5 attempts per record, about 0.15^5 of the ~700 records (a run in twenty) meet five
    // faults in a row: the draws follow the order of concurrent calls, so which ones is not
    // reproducible. Such a record is quarantined as a transient failure, never lost, and the
    // operator's `--retry-failed` once the outage is over moves it, without doubling anything.
    const quarantined = s.users.quarantined + s.organizations.quarantined + s.memberships.quarantined;
    assert.ok(quarantined <= 3, `too many quarantined for a 10% fault rate: ${JSON.stringify(s.quarantine)}`);
    // Each one gave up on transient faults, or waits for a user (or organization) that did.
    for (const q of s.quarantine) assert.match(`${q.code} ${q.message}`, /^E_TARGET_UNAVAILABLE .*(gave up after 5 attempts|was not moved \(quarantined\))/);
    if (!s.complete) {
      target.state.faults = {};
      const again = await runMigrate(target, memorySource(f), state, { concurrency: 8, retryFailed: true });
      assert.equal(again.complete, true, `not complete after --retry-failed: ${JSON.stringify(again.quarantine)}`);
    }
    assertExactlyTheSource(target, f);
  });

  test('a 429 storm slows the run but loses nothing', async () => {
    const f = makeFixture({ users: 80, organizations: 2 });
    const target = new FakeTarget({ seed: 3 });
    target.state.faults = { rate429: 0.5, retryAfterSeconds: 0 };
    const s = await runMigrate(target, memorySource(f), newState());
    assert.equal(s.complete, true);
    assert.ok(s.rateLimited > 50, `only ${s.rateLimited} 429s`);
    assertExactlyTheSource(target, f);
  });

  test('a create applied whose reply is lost is looked up, not sent again', async () => {
    const f = makeFixture({ users: 5, organizations: 1 });
    const target = new FakeTarget();
    target.state.script.push({ method: 'createUser', fault: 'reset-after-apply' });
    target.state.script.push({ method: 'createOrganization', fault: 'reset-after-apply' });
    const s = await runMigrate(target, memorySource(f), newState(), { concurrency: 1 });
    assert.equal(s.users.recovered, 1);
    assert.equal(s.organizations.recovered, 1);
    assert.equal(target.state.received.createUser, 5);
    assert.equal(target.state.received.createOrganization, 1);
    assertExactlyTheSource(target, f);
  });

  test('a fatal error stops the run cleanly; the next run finishes the job', async () => {
    const f = makeFixture({ users: 40, organizations: 2 });
    const target = new FakeTarget();
    const state = newState();
    const create = target.createUser.bind(target);
    let n = 0;
    target.createUser = async (u: CanonicalUser, o: CreateUserOptions) => {
      if (++n === 10) throw new FlaglessError('E_TARGET_AUTH', 'the API key was revoked');
      return create(u, o);
    };
    const s1 = await runMigrate(target, memorySource(f), state);
    assert.deepEqual(s1.fatal, { code: 'E_TARGET_AUTH', message: 'the API key was revoked' });
    assert.equal(s1.complete, false);
    assert.ok(s1.users.pending > 0);
    target.createUser = create;
    const s2 = await runMigrate(target, memorySource(f), state);
    assert.equal(s2.complete, true);
    assertExactlyTheSource(target, f);
  });

  test('an interrupt (SIGINT) stops taking work, finishes what is in flight, and leaves a consistent ledger', async () => {
    const f = makeFixture({ users: 200, organizations: 3 });
    const target = new FakeTarget();
    target.state.latencyMs = 3;
    const state = newState();
    const ac = new AbortController();
    const create = target.createUser.bind(target);
    let n = 0;
    target.createUser = (u, o) => {
      if (++n === 50) ac.abort('SIGINT');
      return create(u, o);
    };
    const s1 = await runMigrate(target, memorySource(f), state, { signal: ac.signal, concurrency: 6 });
    assert.equal(s1.interrupted, 'SIGINT');
    assert.equal(s1.complete, false);
    const store = await openStateStore(state, { readonly: true });
    const t = await store.tally(s1.runId);
    await store.close();
    assert.equal(t.user.writing, 0, 'requests in flight were awaited and recorded');
    assert.equal(t.user.done, target.state.users.size, 'the ledger knows every user the target has');
    assert.ok(target.state.users.size >= 50 && target.state.users.size < 60, `${target.state.users.size} users after the stop`);
    target.createUser = create;
    const s2 = await runMigrate(target, memorySource(f), state);
    assert.equal(s2.complete, true);
    assert.equal(target.state.received.createUser, 200);
    assertExactlyTheSource(target, f);
  });

  test('the source is streamed: the users phase reads only a batch or two ahead of the writes', async () => {
    const f = makeFixture({ users: 3000, organizations: 0 });
    const target = new FakeTarget();
    let yielded = 0;
    let reading = 0;
    let maxAhead = 0;
    const source = memorySource(f, {
      onYield: (item) => {
        if (item.type !== 'user') return;
        yielded++;
        if (reading === 2) maxAhead = Math.max(maxAhead, yielded - 3000 - (target.state.received.createUser ?? 0));
      },
    });
    const read = source.read.bind(source);
    source.read = () => {
      reading++;
      return read();
    };
    const s = await runMigrate(target, source, newState(), { batchSize: 100, concurrency: 4 });
    assert.equal(s.users.created, 3000);
    assert.ok(maxAhead <= 100 * 2 + 4 * 2 + 1, `read ${maxAhead} users ahead of the writes`);
  });

  test('rate limit and concurrency through a whole run: at the limit, never above, bounded in flight', async () => {
    const f = makeFixture({ users: 300, organizations: 0 });
    const target = new FakeTarget();
    target.state.latencyMs = 8;
    const progress: Progress[] = [];
    const s = await runMigrate(target, memorySource(f), newState(), { rate: 150, concurrency: 3, onProgress: (p) => progress.push(p), progressIntervalMs: 300 });
    const t = target.state.accepted;
    const achieved = (t.length - 1) / ((t[t.length - 1]! - t[0]!) / 1000);
    assert.ok(achieved / 150 >= 0.95, `achieved ${achieved.toFixed(1)}/s at a limit of 150/s`);
    // Never above the limit beyond the bucket's small burst (0.1 s worth), in any one-second window.
    for (let i = 0, j = 0; i < t.length; i++) {
      while (t[i]! - t[j]! > 1000) j++;
      assert.ok(i - j + 1 <= 150 + 15 + 1, `${i - j + 1} requests in one second`);
    }
    assert.ok(target.state.maxInFlight <= 3, `${target.state.maxInFlight} in flight`);
    assert.equal(s.users.created, 300);
    const mid = progress.find((p) => p.phase === 'users' && p.done > 0 && p.etaSeconds !== undefined);
    assert.ok(mid, 'progress reports count, rate and ETA');
    assert.equal(mid.total, 300);
    assert.ok(mid.ratePerSecond > 0);
  });
});
