import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { normalizeEmail } from '../../src/model/email.js';
import { primaryEmail, type CanonicalUser } from '../../src/model/user.js';
import { FlaglessError } from '../../src/protocol/errors.js';
import type { BulkCreateResult, CreateUserOptions } from '../../src/protocol/target.js';
import { openStateStore } from '../../src/state/ledger/open.js';
import type { StateStore } from '../../src/state/ledger/types.js';
import { migrate } from '../../src/engine/run.js';
import { FakeTarget, resetError } from './fake-target.js';
import { makeFixture, memorySource, tempDir, type Fixture } from './fixtures.js';
import { FAST_RETRY, runMigrate, statePath } from './harness.js';

/**
 * The bulk path of a target that commits item by item and answers for each (`Target.createUsersEach`,
 * Kratos's batch PATCH /admin/identities): the created users are done as `created`, a conflicting
 * one is settled per --on-conflict and a rejected one quarantined with its own reason, none of them
 * sent again; a failure of the whole request is handled as for an all-or-nothing bulk create.
 */
class PerItemFakeTarget extends FakeTarget {
  batches: number[] = [];
  /** One-shot faults for the next bulk calls. */
  bulkScript: ('5xx' | 'reset-after-apply' | 'first-item-ambiguous' | 'last-answer-missing')[] = [];

  constructor(batchSize: number) {
    // Users without an email are sent (the plan does not skip them) so the target can refuse one itself.
    super({ capabilities: { batchSize, requiresEmail: false } });
  }

  /** The same refusal one by one as in a batch (a real target validates both alike). */
  override async createUser(user: CanonicalUser, options: CreateUserOptions) {
    if (!primaryEmail(user)) {
      this.state.stats.writes++;
      this.state.received.createUser = (this.state.received.createUser ?? 0) + 1;
      throw noEmail(user);
    }
    return super.createUser(user, options);
  }

  async createUsersEach(batch: readonly { user: CanonicalUser; options: CreateUserOptions }[]): Promise<BulkCreateResult[]> {
    const s = this.state;
    s.stats.writes++;
    this.batches.push(batch.length);
    const fault = this.bulkScript.shift();
    if (fault === '5xx') throw new FlaglessError('E_TARGET_UNAVAILABLE', 'server error (500)', { errorClass: 'retriable' });
    const results: BulkCreateResult[] = batch.map(({ user, options }) => {
      const email = primaryEmail(user);
      if (!email) return { ok: false, error: noEmail(user) };
      if ([...s.users.values()].some((u) => normalizeEmail(u.email) === normalizeEmail(email.address))) {
        return { ok: false, error: new FlaglessError('E_TARGET_CONFLICT', `create ${user.sourceId}: conflict (409)`, { errorClass: 'skippable' }) };
      }
      return { ok: true, ref: s.createUser(user, options) };
    });
    if (fault === 'reset-after-apply') throw resetError();
    if (fault === 'first-item-ambiguous') results[0] = { ok: false, error: new FlaglessError('E_TARGET_UNAVAILABLE', 'item timed out (504)', { errorClass: 'retriable' }) };
    if (fault === 'last-answer-missing') results.pop();
    return results;
  }
}

function noEmail(user: CanonicalUser): FlaglessError {
  return new FlaglessError('E_TARGET_VALIDATION', `create ${user.sourceId}: rejected (400): the traits need an email`, { errorClass: 'skippable' });
}

/** The quarantined users (their memberships follow them there). */
function users<Q extends { kind: string }>(quarantine: readonly Q[]): Q[] {
  return quarantine.filter((q) => q.kind === 'user');
}

/**
 * The fixture with user 3's address taken by an account at the target (one another import made: it
 * carries an external id that is not this export's) and user 12 without an email.
 */
function mixed(t: PerItemFakeTarget, users = 20): Fixture {
  const f = makeFixture({ users, organizations: 1 });
  t.state.signup(primaryEmail(f.users[3]!)!.address, { externalId: 'elsewhere_1' });
  f.users[12] = { ...f.users[12]!, emails: [] };
  return f;
}

describe('migrate: users in bulk creates answered per item (Target.createUsersEach)', () => {
  const { dir, cleanup } = tempDir();
  after(cleanup);

  test('good items created, a conflict linked per --on-conflict and a rejected record quarantined with its reason, nothing sent twice', async () => {
    const t = new PerItemFakeTarget(10);
    const f = mixed(t);
    const s = await runMigrate(t, memorySource(f), statePath(dir, 'a.db'), { onConflict: 'link' });
    assert.deepEqual(t.batches, [10, 10]);
    assert.equal(s.users.created, 18);
    assert.equal(s.users.linked, 1);
    assert.equal(s.users.recovered, 0);
    assert.deepEqual(users(s.quarantine).map((q) => [q.sourceId, q.code, q.message]), [[f.users[12]!.sourceId, 'E_TARGET_VALIDATION', `create ${f.users[12]!.sourceId}: rejected (400): the traits need an email`]]);
    assert.equal(t.state.received.createUser, undefined, 'no user went again one by one');
    assert.equal(t.state.received.updateUser, 1, 'the existing account brought in line');
    assert.equal(t.state.users.size, 18 + 1);
    const again = await runMigrate(t, memorySource(f), statePath(dir, 'a.db'), { onConflict: 'link' });
    assert.equal(again.writes, 0, 'a re-run writes nothing (the quarantined record is not retried)');
  });

  test('--on-conflict fail: the conflicting record is quarantined as a conflict, the others created', async () => {
    const t = new PerItemFakeTarget(10);
    const f = mixed(t);
    const s = await runMigrate(t, memorySource(f), statePath(dir, 'b.db'), { onConflict: 'fail' });
    assert.equal(s.users.created, 18);
    assert.deepEqual(users(s.quarantine).map((q) => [q.sourceId, q.code]).sort(), [[f.users[12]!.sourceId, 'E_TARGET_VALIDATION'], [f.users[3]!.sourceId, 'E_TARGET_CONFLICT']].sort());
    assert.match(s.quarantine.find((q) => q.sourceId === f.users[3]!.sourceId)!.message, /already exists in the target \(--on-conflict fail\)/);
    assert.equal(t.state.received.updateUser, undefined);
  });

  test('an item answered as ambiguous, or not answered, is looked up: recovered, never doubled', async () => {
    const t = new PerItemFakeTarget(10);
    const f = makeFixture({ users: 20, organizations: 1 });
    t.bulkScript.push('first-item-ambiguous', 'last-answer-missing');
    const s = await runMigrate(t, memorySource(f), statePath(dir, 'c.db'));
    assert.equal(s.complete, true, JSON.stringify(s.quarantine));
    assert.equal(t.state.users.size, 20, 'nothing doubled');
    assert.equal(s.users.recovered, 2);
    assert.equal(s.users.created, 18);
    assert.equal(t.state.received.createUser, undefined, 'both were found applied, none sent again');
  });

  test('a whole request that fails is handled as before: a lost reply recovered by lookup, a 5xx sent one by one', async () => {
    const t = new PerItemFakeTarget(10);
    const f = makeFixture({ users: 30, organizations: 1 });
    t.bulkScript.push('reset-after-apply', '5xx');
    const s = await runMigrate(t, memorySource(f), statePath(dir, 'd.db'));
    assert.equal(s.complete, true, JSON.stringify(s.quarantine));
    assert.equal(t.state.users.size, 30, 'nothing doubled');
    assert.equal(s.users.recovered, 10);
    assert.equal(s.users.created, 20);
    assert.equal(t.state.received.createUser, 10, 'the 5xx batch went one by one');
  });

  // A stop right after the batch was applied and before its answer was recorded (the mark stays),
  // and a stop right after the created users were recorded (before the refused ones were settled):
  // the store fails there, as a killed process would stop, and a re-run settles everyone exactly once.
  for (const [label, failing] of [
    ['before the answer is recorded', 'markBatchDone'],
    ['after the created users are recorded, before the refused ones are settled', 'markFailed'],
  ] as const) {
    test(`stopped ${label}: the re-run creates nobody twice and quarantines the rejected record with its reason`, async () => {
      const t = new PerItemFakeTarget(10);
      const f = mixed(t);
      const path = statePath(dir, `crash-${failing}.db`);
      const inner = await openStateStore(path);
      let armed = true;
      const store = new Proxy(inner, {
        get(o, k) {
          const v = Reflect.get(o, k) as unknown;
          if (typeof v !== 'function') return v;
          if (k === failing) {
            return async (...args: unknown[]) => {
              if (armed) {
                armed = false;
                throw new Error('the process stopped here');
              }
              return (v as (...a: unknown[]) => unknown).apply(o, args);
            };
          }
          return (v as (...a: unknown[]) => unknown).bind(o);
        },
      }) as StateStore;
      try {
        const stopped = await migrate({ source: memorySource(f), runKey: 'clerk→fake', sourceFingerprint: 'memory', target: t, targetLabel: 'fake', store, concurrency: 1, rate: 5000, retry: FAST_RETRY, onConflict: 'link' });
        assert.equal(stopped.fatal?.message, 'the process stopped here');
      } finally {
        await inner.close();
      }
      const s = await runMigrate(t, memorySource(f), path, { onConflict: 'link' });
      assert.equal(t.state.users.size, 18 + 1, 'nothing doubled');
      const imported = [...t.state.users.values()].filter((u) => u.externalId);
      assert.equal(new Set(imported.map((u) => u.externalId)).size, imported.length);
      assert.equal(s.users.created + s.users.recovered, 18);
      assert.equal(s.users.linked, 1);
      assert.deepEqual(users(s.quarantine).map((q) => [q.sourceId, q.code, q.message]), [[f.users[12]!.sourceId, 'E_TARGET_VALIDATION', `create ${f.users[12]!.sourceId}: rejected (400): the traits need an email`]]);
      if (failing === 'markFailed') assert.equal(s.users.recovered, 0, 'the created users were recorded before the stop: none needed a lookup');
    });
  }
});
