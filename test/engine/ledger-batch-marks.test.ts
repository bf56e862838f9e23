import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { PostgresStore } from '../../src/state/ledger/postgres.js';
import { SqliteStore } from '../../src/state/ledger/sqlite.js';
import type { PlannedRecord, StateStore } from '../../src/state/ledger/types.js';
import { dropSchema } from '../helpers/state.js';
import { pgStateUrl, tempDir, uniqueSchema } from './fixtures.js';

/**
 * A batch's write-ahead mark as one row (state/ledger/write-batches.ts), on both stores: the
 * records under a mark stay `planned` (held by the writer) until the batch is settled in one
 * transaction; a failed batch, a release with a mark still open, and a mark left by a dead worker
 * all leave the records `writing`, exactly as per-record marks would have, so they are looked up
 * in the target before anything is sent again.
 */
const RUN = { id: 'run-marks', sourceFingerprint: 'memory', target: 'fake@local', options: {}, startedAt: new Date().toISOString() };

function users(n: number, from = 0): PlannedRecord[] {
  return Array.from({ length: n }, (_, i) => ({ kind: 'user' as const, sourceId: `u${from + i}`, fingerprint: `fp${from + i}`, lossy: [] }));
}

async function marks(s: StateStore): Promise<number> {
  const rows = await s.driver.query<{ n: number | string }>(`SELECT COUNT(*) AS n FROM ${s.driver.prefix}write_batches`);
  return Number(rows[0]!.n);
}

async function states(s: StateStore, ids: string[]): Promise<[string, string, number, string | null][]> {
  return Promise.all(
    ids.map(async (id) => {
      const r = (await s.get(RUN.id, 'user', id))!;
      return [id, r.state, r.attempts, r.outcome ?? null] as [string, string, number, string | null];
    }),
  );
}

function markSuite(name: string, open: (sameAs?: StateStore) => Promise<StateStore>, cleanup: (s: StateStore) => Promise<void>) {
  describe(`batch marks on ${name}`, () => {
    test('records stay planned under a mark; done settles the batch and removes the mark; a failed batch and a release leave them writing', async () => {
      const s = await open();
      try {
        await s.acquireWorker();
        await s.beginRun(RUN);
        await s.plan(RUN.id, users(8));
        await s.claim(RUN.id, 'user', { states: ['planned'] });
        assert.ok(s.markBatchWriting && s.markBatchDone && s.expandBatch, `${name} keeps batch marks`);

        const a = await s.markBatchWriting(RUN.id, 'user', ['u0', 'u1', 'u2']);
        assert.equal(await marks(s), 1);
        assert.deepEqual(await states(s, ['u0', 'u1', 'u2']), [
          ['u0', 'planned', 0, null],
          ['u1', 'planned', 0, null],
          ['u2', 'planned', 0, null],
        ]);
        await s.markBatchDone(RUN.id, 'user', a, [
          { sourceId: 'u0', targetId: 'T0', outcome: 'created' },
          { sourceId: 'u1', outcome: 'linked' },
          { sourceId: 'u2', targetId: 'T2', outcome: 'created' },
        ]);
        assert.equal(await marks(s), 0);
        assert.deepEqual(await states(s, ['u0', 'u1', 'u2']), [
          ['u0', 'done', 0, 'created'],
          ['u1', 'done', 0, 'linked'],
          ['u2', 'done', 0, 'created'],
        ]);
        assert.equal((await s.get(RUN.id, 'user', 'u2'))!.targetId, 'T2');

        // A failed batch: the records not settled meanwhile become writing, the mark goes.
        const b = await s.markBatchWriting(RUN.id, 'user', ['u3', 'u4', 'u5']);
        await s.markDone(RUN.id, 'user', 'u5', { targetId: 'T5', outcome: 'created' });
        await s.expandBatch(RUN.id, 'user', b);
        assert.equal(await marks(s), 0);
        assert.deepEqual(await states(s, ['u3', 'u4', 'u5']), [
          ['u3', 'writing', 1, null],
          ['u4', 'writing', 1, null],
          ['u5', 'done', 0, 'created'],
        ]);

        // A mark still open when the worker gives its rows back (its settling failed).
        await s.markBatchWriting(RUN.id, 'user', ['u6', 'u7']);
        await s.release(RUN.id);
        assert.equal(await marks(s), 0);
        assert.deepEqual(await states(s, ['u6', 'u7']), [
          ['u6', 'writing', 1, null],
          ['u7', 'writing', 1, null],
        ]);
        assert.equal((await s.get(RUN.id, 'user', 'u6'))!.owner, undefined);
      } finally {
        await cleanup(s);
      }
    });

    test('a mark left by a dead worker hands its records out as writing; the rest of its rows stay planned', async () => {
      const a = await open();
      const b = await open(a);
      try {
        await a.acquireWorker();
        await a.beginRun(RUN);
        await a.plan(RUN.id, users(4));
        assert.equal((await a.claim(RUN.id, 'user', { states: ['planned'] })).length, 4);
        await a.markBatchWriting!(RUN.id, 'user', ['u0', 'u1']);
        if (b.kind === 'postgres') {
          await b.acquireWorker();
          await b.beginRun(RUN);
          assert.equal((await b.claim(RUN.id, 'user', { states: ['planned'] })).length, 0, 'a is alive: nothing for b');
        }
        // a dies without settling or releasing (as after kill -9): SQLite's lock row goes with
        // close(); PostgreSQL drops a's advisory lock with its connection.
        await a.close();
        if (b.kind === 'sqlite') await b.acquireWorker();
        const taken = await b.claim(RUN.id, 'user', { states: ['planned'] });
        assert.deepEqual(taken.map((r) => [r.sourceId, r.state, r.attempts]).sort(), [
          ['u0', 'writing', 1],
          ['u1', 'writing', 1],
          ['u2', 'planned', 0],
          ['u3', 'planned', 0],
        ]);
        for (const r of taken) await b.markDone(RUN.id, 'user', r.sourceId, { targetId: `T-${r.sourceId}`, outcome: r.state === 'writing' ? 'recovered' : 'created' });
        await b.release(RUN.id);
        // The dead worker's mark says nothing any more: gone once a run begins (SQLite: when b started).
        await b.beginRun(RUN);
        assert.equal(await marks(b), 0);
      } finally {
        await a.close().catch(() => undefined);
        await cleanup(b);
      }
    });
  });
}

const sqliteDirs: (() => void)[] = [];
after(() => sqliteDirs.forEach((c) => c()));
{
  const { dir, cleanup } = tempDir();
  sqliteDirs.push(cleanup);
  let n = 0;
  markSuite(
    'SQLite',
    async (sameAs) => SqliteStore.open(sameAs ? (sameAs as SqliteStore).location : join(dir, `state-${++n}.db`)),
    async (s) => s.close(),
  );
}
{
  markSuite(
    'PostgreSQL',
    async (sameAs) => PostgresStore.open(sameAs ? pgStateUrl((sameAs as PostgresStore).driver.schema) : pgStateUrl(uniqueSchema('flagless_marks'))),
    async (s) => {
      await dropSchema(s);
      await s.close();
    },
  );
}
