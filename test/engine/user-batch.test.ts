import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { normalizeEmail } from '../../src/model/email.js';
import { primaryEmail, type CanonicalUser } from '../../src/model/user.js';
import { FlaglessError } from '../../src/protocol/errors.js';
import type { CreateUserOptions, TargetUserRef } from '../../src/protocol/target.js';
import { FakeTarget, resetError } from './fake-target.js';
import { makeFixture, memorySource, tempDir } from './fixtures.js';
import { FAST_RETRY, runMigrate, statePath } from './harness.js';
import { migrate } from '../../src/engine/run.js';
import { openStateStore } from '../../src/state/ledger/open.js';
import type { StateStore } from '../../src/state/ledger/types.js';

/**
 * The bulk path (`Target.createUsers`, the Keycloak partial import): first-time creates go in
 * batches of `capabilities.batchSize`, all or nothing; a failed batch is moved one by one, each user
 * looked up first, so nothing is doubled after a lost reply and one bad record does not sink the rest.
 */
class BulkFakeTarget extends FakeTarget {
  batches: number[] = [];
  /** One-shot faults for the next bulk calls. */
  bulkScript: ('conflict-check' | 'reset-after-apply' | '5xx')[] = [];

  constructor(batchSize: number) {
    super({ capabilities: { batchSize, disabledUsers: true } });
  }

  async createUsers(batch: readonly { user: CanonicalUser; options: CreateUserOptions }[]): Promise<TargetUserRef[]> {
    const s = this.state;
    s.stats.writes++;
    this.batches.push(batch.length);
    const fault = this.bulkScript.shift();
    if (fault === '5xx') throw new FlaglessError('E_TARGET_UNAVAILABLE', 'server error (500)', { errorClass: 'retriable' });
    // All or nothing, like a partial import with ifResourceExists FAIL.
    const taken = new Set([...s.users.values()].map((u) => normalizeEmail(u.email)));
    for (const { user } of batch) {
      const e = primaryEmail(user);
      if (!e || taken.has(normalizeEmail(e.address))) throw new FlaglessError('E_TARGET_CONFLICT', 'User exists with same email', { errorClass: 'skippable' });
      taken.add(normalizeEmail(e.address));
    }
    const refs = batch.map(({ user, options }) => s.createUser(user, options));
    if (fault === 'reset-after-apply') throw resetError();
    return refs;
  }
}

describe('migrate: users in all-or-nothing batches (Target.createUsers)', () => {
  const { dir, cleanup } = tempDir();
  after(cleanup);

  test('first-time creates go in batches of capabilities.batchSize; a re-run sends nothing', async () => {
    const f = makeFixture({ users: 45, organizations: 2 });
    const t = new BulkFakeTarget(10);
    const s = await runMigrate(t, memorySource(f), statePath(dir, 'a.db'));
    assert.equal(s.complete, true);
    assert.equal(s.users.created, 45);
    assert.equal(t.state.users.size, 45);
    assert.equal(t.batches.reduce((a, b) => a + b, 0), 45);
    assert.deepEqual([...t.batches].sort((a, b) => b - a), [10, 10, 10, 10, 5]);
    assert.equal(t.state.received.createUser, undefined, 'no user went one by one');
    for (const u of t.state.users.values()) assert.ok(u.externalId, 'every user carries its source id');
    const again = await runMigrate(t, memorySource(f), statePath(dir, 'a.db'));
    assert.equal(again.writes, 0);
  });

  test('a batch whose reply is lost is recovered by lookup, never doubled; a 5xx batch is redone one by one', async () => {
    const f = makeFixture({ users: 30, organizations: 1 });
    const t = new BulkFakeTarget(10);
    t.bulkScript.push('reset-after-apply', '5xx');
    const s = await runMigrate(t, memorySource(f), statePath(dir, 'b.db'));
    assert.equal(s.complete, true, JSON.stringify(s.quarantine));
    assert.equal(t.state.users.size, 30, 'nothing doubled');
    assert.equal(s.users.recovered, 10, 'the lost-reply batch was found applied');
    assert.equal(s.users.created, 20);
    assert.equal(t.state.received.createUser, 10, 'the 5xx batch went one by one');
  });

  test('one existing account fails its batch; the others are created one by one and the account is linked', async () => {
    const f = makeFixture({ users: 20, organizations: 1 });
    const t = new BulkFakeTarget(10);
    t.state.signup(primaryEmail(f.users[3]!)!.address);
    const s = await runMigrate(t, memorySource(f), statePath(dir, 'c.db'));
    assert.equal(s.complete, true, JSON.stringify(s.quarantine));
    assert.equal(s.users.linked, 1);
    assert.equal(s.users.created, 19);
    assert.equal(t.state.users.size, 20);
    assert.equal(t.state.received.createUser, 10, 'the failed batch one by one (the conflicting one refused again, then linked)');
    assert.equal(t.state.received.updateUser, 1, 'the existing account brought in line');
  });

  test('without createUsers, or with batchSize 1, users go one by one as before', async () => {
    const f = makeFixture({ users: 12, organizations: 1 });
    const t = new BulkFakeTarget(1);
    const s = await runMigrate(t, memorySource(f), statePath(dir, 'd.db'));
    assert.equal(s.users.created, 12);
    assert.deepEqual(t.batches, []);
    assert.equal(t.state.received.createUser, 12);
  });

  test('a ledger without the bulk marks (markWritingMany / markDoneMany) is marked record by record, same result', async () => {
    const f = makeFixture({ users: 25, organizations: 1 });
    const t = new BulkFakeTarget(10);
    t.bulkScript.push('reset-after-apply');
    const inner = await openStateStore(statePath(dir, 'e.db'));
    // Every method but the optional bulk ones (the PostgreSQL ledger has none).
    const store = new Proxy(inner, {
      get: (o, k) => (k === 'markWritingMany' || k === 'markDoneMany' ? undefined : typeof Reflect.get(o, k) === 'function' ? Reflect.get(o, k).bind(o) : Reflect.get(o, k)),
    }) as StateStore;
    assert.equal(store.markDoneMany, undefined);
    try {
      const s = await migrate({ source: memorySource(f), runKey: 'clerk→fake', sourceFingerprint: 'memory', target: t, targetLabel: 'fake', store, concurrency: 4, rate: 5000, retry: FAST_RETRY });
      assert.equal(s.complete, true, JSON.stringify(s.quarantine));
      assert.equal(s.users.created + s.users.recovered, 25);
      assert.equal(s.users.recovered, 10);
      assert.equal(t.state.users.size, 25);
    } finally {
      await inner.close();
    }
  });
});
