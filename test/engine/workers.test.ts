import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { shareRate } from '../../src/engine/rate-share.js';
import { Requester } from '../../src/engine/request.js';
import { migrate } from '../../src/engine/run.js';
import { PostgresStore } from '../../src/state/ledger/postgres.js';
import type { StateStore } from '../../src/state/ledger/types.js';
import { dropSchema } from '../helpers/state.js';
import { FakeTarget, FakeTargetState } from './fake-target.js';
import { makeFixture, memorySource, pgStateUrl, uniqueSchema } from './fixtures.js';
import { FAST_RETRY, runMigrate } from './harness.js';

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

describe('a worker whose export changed since another worker settled the users', () => {
  test('the users its plan pass re-plans are moved in the same run, not left planned behind the worker that holds them', async () => {
    const schema = uniqueSchema('flagless_replan');
    const url = pgStateUrl(schema);
    const f = makeFixture({ users: 40, organizations: 2 });
    // The same users read later by the second worker (a source API listed again, a newer export at
    // the same path): every tenth was renamed in between.
    const changed = new Set(f.users.filter((_, i) => i % 10 === 0).map((u) => u.sourceId));
    const later = { ...f, users: f.users.map((u) => (changed.has(u.sourceId) ? { ...u, lastName: `${u.lastName} renamed` } : u)) };
    const state = new FakeTargetState(5);
    // The interleaving, forced: worker A has settled every record and still holds them (a worker
    // owns what it settled until its release) while worker B plans, claims and finishes.
    let aHolds!: () => void;
    const holding = new Promise<void>((r) => (aHolds = r));
    let bFinished!: () => void;
    const finished = new Promise<void>((r) => (bFinished = r));
    const storeA = await PostgresStore.open(url);
    try {
      const runA = migrate({
        source: memorySource(f),
        runKey: 'clerk→fake',
        sourceFingerprint: 'memory',
        target: new FakeTarget({ state }),
        targetLabel: 'fake',
        store: releasingAfter(storeA, async () => {
          aHolds();
          await finished;
        }),
        concurrency: 4,
        rate: 5000,
        retry: FAST_RETRY,
      });
      await holding;
      const sb = await runMigrate(new FakeTarget({ state }), memorySource(later), url).finally(bFinished);
      const sa = await runA;
      const tally = await storeA.tally(sa.runId);
      assert.equal(tally.user.planned + tally.user.writing, 0, `users left unsettled: ${tally.user.planned} planned, ${tally.user.writing} writing`);
      assert.equal(sa.processed.user, 40);
      assert.equal(sb.processed.user, changed.size, 'B moved the users its export changed');
      assert.equal(tally.user.updated, changed.size);
      for (const id of changed) {
        const u = [...state.users.values()].find((x) => x.externalId === id);
        assert.match(u?.lastName ?? '', / renamed$/, `${id} updated in the target`);
      }
      assert.equal(state.appliedBy.createUser, 40, 'no user was created twice');
    } finally {
      await dropSchema(storeA);
      await storeA.close();
    }
  });
});

/** The store, whose release() (the end of a migrate invocation) first waits for `before`. */
function releasingAfter(store: PostgresStore, before: () => Promise<void>): StateStore {
  return new Proxy(store, {
    get(t, k) {
      if (k === 'release') {
        return async (runId: string) => {
          await before();
          await t.release(runId);
        };
      }
      const v = Reflect.get(t, k, t) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(t) : v;
    },
  });
}

describe('workers share the target rate limit', () => {
  test('PostgreSQL counts the live workers of a run: joining, releasing and a dead connection re-balance the share', async () => {
    const schema = uniqueSchema('flagless_share');
    const url = pgStateUrl(schema);
    const stores = [await PostgresStore.open(url), await PostgresStore.open(url), await PostgresStore.open(url)];
    const run = { id: 'share-run', sourceFingerprint: 'x', target: 'fake', options: {}, startedAt: new Date().toISOString() };
    try {
      for (const s of stores) {
        await s.acquireWorker();
        await s.beginRun(run);
      }
      assert.equal(await stores[0]!.liveWorkers(run.id), 3);
      assert.equal(await stores[0]!.liveWorkers('another-run'), 1, 'another run: none but the caller, who counts itself');

      const requester = new Requester({ concurrency: 2, rate: 60, readRate: 120 });
      const share = await shareRate({ store: stores[0]!, runId: run.id, requester, rate: 60, readRate: 120, intervalMs: 50 });
      try {
        assert.equal(share.workers, 3);
        assert.equal(requester.bucket.ceiling, 20);
        assert.equal(requester.readBucket.ceiling, 40);
        await stores[1]!.release(run.id); // a worker finished its part
        await waitFor(() => share.workers === 2);
        assert.equal(requester.bucket.ceiling, 30);
        await stores[2]!.close(); // a worker's connection died: PostgreSQL drops its locks
        stores.pop();
        await waitFor(() => share.workers === 1);
        assert.equal(requester.bucket.ceiling, 60);
        assert.equal(requester.bucket.rate, 60, 'the rate follows the share back up');
      } finally {
        share.stop();
        requester.close();
      }
    } finally {
      await dropSchema(stores[0]!);
      for (const s of stores) await s.close().catch(() => undefined);
    }
  });
});

async function waitFor(cond: () => boolean, ms = 5000): Promise<void> {
  const until = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > until) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}
