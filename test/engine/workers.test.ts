import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { PostgresStore } from '../../src/state/ledger/postgres.js';
import { dropSchema } from '../helpers/state.js';
import { FakeTarget, FakeTargetState } from './fake-target.js';
import { makeFixture, memorySource, pgStateUrl, uniqueSchema } from './fixtures.js';
import { runMigrate } from './harness.js';

describe('several workers on PostgreSQL', () => {
  test('two workers share one run: each record is written once, by one of them', async () => {
    const schema = uniqueSchema('flagless_workers');
    const url = pgStateUrl(schema);
    const f = makeFixture({ users: 400, organizations: 4 });
    const state = new FakeTargetState(5);
    state.latencyMs = 2;
    state.faults = { rate5xx: 0.05, rateResetAfterApply: 0.03 };
    const a = new FakeTarget({ state });
    const b = new FakeTarget({ state });
    try {
      const [sa, sb] = await Promise.all([
        runMigrate(a, memorySource(f), url, { concurrency: 4, batchSize: 50 }),
        runMigrate(b, memorySource(f), url, { concurrency: 4, batchSize: 50 }),
      ]);
      assert.equal(sa.runId, sb.runId);
      const users = sa.processed.user + sb.processed.user;
      assert.ok(sa.processed.user > 0 && sb.processed.user > 0, `work was shared: ${sa.processed.user} + ${sb.processed.user}`);
      assert.equal(users, 400, 'every user settled by exactly one worker');
      assert.equal(sa.processed.organization + sb.processed.organization, 4);
      const memberships = f.users.reduce((n, u) => n + u.memberships.length, 0);
      assert.equal(sa.processed.membership + sb.processed.membership, memberships);
      assert.deepEqual(state.duplicates(), []);
      assert.equal(state.users.size, 400);
      assert.equal(state.memberships.size, memberships);
      assert.equal(state.appliedBy.createUser, 400, 'no user was created twice');
      assert.equal(state.appliedBy.createOrganization, 4);

      // A third worker later finds nothing to do.
      const c = new FakeTarget({ state });
      const sc = await runMigrate(c, memorySource(f), url);
      assert.equal(sc.writes, 0);
      assert.equal(sc.users.total, 400);
      assert.equal(sc.complete, true);
    } finally {
      const s = await PostgresStore.open(url);
      await dropSchema(s);
      await s.close();
    }
  });
});
