import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { PostgresStore } from '../../src/state/ledger/postgres.js';
import { SqliteStore } from '../../src/state/ledger/sqlite.js';
import { openStateStore } from '../../src/state/ledger/open.js';
import { stateMayExist } from '../../src/state/location.js';
import { dropSchema, listRuns } from '../helpers/state.js';
import type { PlannedRecord, StateStore } from '../../src/state/ledger/types.js';
import { pgStateUrl, tempDir, uniqueSchema } from './fixtures.js';

const RUN = { id: 'run1', sourceFingerprint: 'clerk:/tmp/x.csv', target: 'fake@local', options: { concurrency: 2 }, startedAt: new Date().toISOString() };

function users(n: number, fp = 'fp'): PlannedRecord[] {
  return Array.from({ length: n }, (_, i) => ({ kind: 'user' as const, sourceId: `u${i}`, fingerprint: `${fp}${i}`, lossy: i === 0 ? [{ field: 'password', reason: 'md5' }] : [] }));
}

/** The same state-machine suite against both stores: they share one schema and one contract. */
/** `open(sameAs)`: a second store on the same ledger as `sameAs` (two workers), else a fresh ledger where the store allows. */
function ledgerSuite(name: string, open: (sameAs?: StateStore) => Promise<StateStore>, cleanup: (s: StateStore) => Promise<void>) {
  describe(`ledger on ${name}`, () => {
    test('pages records in source-id order; requeues quarantined records; settles users absent from the export with their memberships', async () => {
      const s = await open();
      const run = { ...RUN, id: 'run-absent' };
      try {
        await s.acquireWorker();
        await s.beginRun(run);
        await s.plan(run.id, [
          ...users(5),
          { kind: 'membership', sourceId: '["u3","o1"]', fingerprint: 'm', lossy: [], payload: { roles: [] }, userSourceId: 'u3', orgSourceId: 'o1' },
        ]);
        await s.claim(run.id, 'user', { states: ['planned'], sourceIds: ['u0', 'u1', 'u2'] });
        await s.markDone(run.id, 'user', 'u0', { targetId: 'T0', outcome: 'created' });
        await s.markFailed(run.id, 'user', 'u1', { code: 'E_DUPLICATE_EMAIL', message: 'dup' });
        await s.markFailed(run.id, 'user', 'u2', { code: 'E_DUPLICATE_EMAIL', message: 'dup' });
        await s.release(run.id);
        const first = await s.page(run.id, 'user', undefined, 2);
        const rest = await s.page(run.id, 'user', first.at(-1)!.sourceId, 10);
        assert.deepEqual([...first, ...rest].map((r) => r.sourceId), ['u0', 'u1', 'u2', 'u3', 'u4']);

        assert.equal(await s.requeueFailed(run.id, 'user', ['u0', 'u1']), 1, 'only the quarantined one');
        assert.deepEqual([(await s.get(run.id, 'user', 'u1'))!.state, (await s.get(run.id, 'user', 'u1'))!.errorCode], ['planned', undefined]);

        // u0 moved (kept as is), u2 quarantined and u3 planned: both settled, with u3's membership.
        assert.equal(await s.settleAbsent(run.id, ['u0', 'u2', 'u3'], 'absent'), 2);
        const [u0, u2, u3] = await Promise.all(['u0', 'u2', 'u3'].map((id) => s.get(run.id, 'user', id)));
        assert.deepEqual([u0!.state, u0!.outcome], ['done', 'created']);
        assert.deepEqual([u2!.state, u2!.outcome, u2!.errorMessage, u2!.fingerprint], ['done', 'skipped', 'absent', undefined]);
        assert.deepEqual([u3!.state, u3!.outcome], ['done', 'skipped']);
        assert.equal((await s.get(run.id, 'membership', '["u3","o1"]'))!.outcome, 'skipped');
        // Back in a later export: planned again (its fingerprint was cleared).
        await s.plan(run.id, [users(5)[2]!]);
        assert.equal((await s.get(run.id, 'user', 'u2'))!.state, 'planned');
      } finally {
        await cleanup(s);
      }
    });

    test('planned → writing → done | failed, idempotent planning, tally, id map', async () => {
      const s = await open();
      try {
        await s.acquireWorker();
        await s.beginRun(RUN);
        await s.plan(RUN.id, users(5));
        await s.plan(RUN.id, users(5)); // idempotent
        await s.plan(RUN.id, [
          { kind: 'organization', sourceId: 'o1', fingerprint: 'x', lossy: [], payload: { name: 'Org 1' } },
          { kind: 'user', sourceId: 'u9', fingerprint: 'x', lossy: [], skipReason: 'disabled' },
          { kind: 'membership', sourceId: '["u0","o1"]', fingerprint: 'm', lossy: [], payload: { roles: ['admin'] }, userSourceId: 'u0', orgSourceId: 'o1' },
        ]);
        let t = await s.tally(RUN.id);
        assert.equal(t.user.planned, 5);
        assert.equal(t.user.done, 1);
        assert.equal(t.user.skipped, 1);
        assert.equal(t.user.lossy, 1);
        assert.equal(t.organization.planned, 1);

        const claimed = await s.claim(RUN.id, 'user', { states: ['planned'], sourceIds: ['u0', 'u1', 'u2', 'u9', 'nope'] });
        assert.deepEqual(claimed.map((r) => r.sourceId).sort(), ['u0', 'u1', 'u2']);
        assert.ok(claimed.every((r) => r.owner === s.workerId));
        // A row this worker holds is never handed out twice.
        assert.equal((await s.claim(RUN.id, 'user', { states: ['planned'], sourceIds: ['u0', 'u1'] })).length, 0);

        await s.markWriting(RUN.id, 'user', 'u0');
        assert.equal((await s.get(RUN.id, 'user', 'u0'))!.state, 'writing');
        await s.markDone(RUN.id, 'user', 'u0', { targetId: 'T0', outcome: 'created' });
        await s.markWriting(RUN.id, 'user', 'u1');
        await s.markFailed(RUN.id, 'user', 'u1', { code: 'E_TARGET_VALIDATION', message: 'bad' });
        const u0 = (await s.get(RUN.id, 'user', 'u0'))!;
        assert.deepEqual([u0.state, u0.outcome, u0.targetId, u0.attempts], ['done', 'created', 'T0', 1]);
        assert.deepEqual(u0.lossy, [{ field: 'password', reason: 'md5' }]);
        const u1 = (await s.get(RUN.id, 'user', 'u1'))!;
        assert.deepEqual([u1.state, u1.errorCode, u1.errorMessage], ['failed', 'E_TARGET_VALIDATION', 'bad']);

        // Memberships are claimable only once their user and organization are settled.
        assert.equal((await s.claimMemberships(RUN.id, { states: ['planned'] })).length, 0);
        await s.markDone(RUN.id, 'organization', 'o1', { targetId: 'O1', outcome: 'created' });
        assert.equal((await s.claimMemberships(RUN.id, { states: ['planned'] })).length, 1);
        await s.release(RUN.id);
        assert.equal((await s.get(RUN.id, 'user', 'u2'))!.owner, undefined);

        // Failed rows are retried only on request.
        assert.deepEqual((await s.claim(RUN.id, 'user', { states: ['failed'] })).map((r) => r.sourceId), ['u1']);
        await s.release(RUN.id);

        // A changed fingerprint turns a done record back into planned (an update); an unchanged one stays done.
        await s.plan(RUN.id, users(2));
        assert.equal((await s.get(RUN.id, 'user', 'u0'))!.state, 'done');
        await s.plan(RUN.id, users(1, 'changed'));
        const re = (await s.get(RUN.id, 'user', 'u0'))!;
        assert.deepEqual([re.state, re.targetId, re.outcome], ['planned', 'T0', 'created']);

        t = await s.tally(RUN.id);
        assert.equal(t.user.failed, 1);
        const failures = await s.failures(RUN.id, 10);
        assert.deepEqual(failures.map((f) => f.sourceId), ['u1']);
        await s.markDone(RUN.id, 'user', 'u0', { targetId: 'T0', outcome: 'updated' });
        const ids = [];
        for await (const r of s.idMap()) ids.push([r.kind, r.sourceId, r.targetId, r.target]);
        assert.deepEqual(ids, [
          ['user', 'u0', 'T0', 'fake@local'],
          ['organization', 'o1', 'O1', 'fake@local'],
        ]);
        assert.equal((await listRuns(s)).length, 1);
        await s.finishRun(RUN.id);
        assert.ok((await s.getRun(RUN.id))!.finishedAt);
      } finally {
        await cleanup(s);
      }
    });

    test('batch marks: a whole batch goes writing, then done with each its own outcome and target id, in one call each', async () => {
      const s = await open();
      const run = { ...RUN, id: 'run-batch-marks' };
      try {
        await s.acquireWorker();
        await s.beginRun(run);
        await s.plan(run.id, users(4));
        assert.ok(s.markWritingMany && s.markDoneMany, `${name} has the batch marks`);
        await s.claim(run.id, 'user', { states: ['planned'] });
        await s.markWritingMany(run.id, 'user', ['u0', 'u1', 'u2']);
        await s.markWritingMany(run.id, 'user', []);
        const states = async () => Promise.all(['u0', 'u1', 'u2', 'u3'].map(async (id) => (await s.get(run.id, 'user', id))!));
        assert.deepEqual((await states()).map((r) => [r.state, r.attempts]), [['writing', 1], ['writing', 1], ['writing', 1], ['planned', 0]]);
        await s.markDoneMany(run.id, 'user', [
          { sourceId: 'u0', targetId: 'T0', outcome: 'created' },
          { sourceId: 'u1', outcome: 'linked' },
          { sourceId: 'u2', targetId: 'T2', outcome: 'recovered' },
        ]);
        await s.markDoneMany(run.id, 'user', []);
        assert.deepEqual(
          (await states()).map((r) => [r.sourceId, r.state, r.outcome ?? null, r.targetId ?? null]),
          [
            ['u0', 'done', 'created', 'T0'],
            ['u1', 'done', 'linked', null],
            ['u2', 'done', 'recovered', 'T2'],
            ['u3', 'planned', null, null],
          ],
        );
      } finally {
        await cleanup(s);
      }
    });

    test('a record its worker settled and still holds, re-planned (its source changed) or requeued, is free again for any worker', async () => {
      const a = await open();
      const b = await open(a);
      const run = { ...RUN, id: 'run-replan' };
      try {
        await a.acquireWorker();
        await a.beginRun(run);
        await a.plan(run.id, users(3));
        await a.claim(run.id, 'user', { states: ['planned'], sourceIds: ['u0', 'u1', 'u2'] });
        await a.markDone(run.id, 'user', 'u0', { targetId: 'T0', outcome: 'created' });
        await a.markFailed(run.id, 'user', 'u1', { code: 'E_DUPLICATE_EMAIL', message: 'dup' });
        await a.markDone(run.id, 'user', 'u2', { targetId: 'T2', outcome: 'created' });
        // a holds u1 (quarantined) until its release(). Another worker's plan pass then reads u0 changed
        // (u2 unchanged), and u1's duplicate group was decided: u0 and u1 need work again.
        const other = a.kind === 'postgres' ? b : a;
        await other.plan(run.id, [{ ...users(3)[0]!, fingerprint: 'changed' }, users(3)[2]!]);
        assert.equal(await other.requeueFailed(run.id, 'user', ['u1']), 1);
        const [u0, u1, u2] = await Promise.all(['u0', 'u1', 'u2'].map((id) => a.get(run.id, 'user', id)));
        assert.deepEqual([u0!.state, u0!.owner], ['planned', undefined], 're-planned: given up by the worker that settled it');
        assert.deepEqual([u1!.state, u1!.owner], ['planned', undefined], 'requeued: given up by the worker that quarantined it');
        // A settled record is held by nobody (done marks give up the owner); an unchanged one stays settled.
        assert.deepEqual([u2!.state, u2!.owner, u2!.targetId, u2!.outcome], ['done', undefined, 'T2', 'created'], 'unchanged: still done');
        if (a.kind === 'postgres') {
          // a is alive and never claims a record again in its invocation: b takes them now.
          await b.acquireWorker();
          const taken = await b.claim(run.id, 'user', { states: ['planned'], sourceIds: ['u0', 'u1', 'u2'] });
          assert.deepEqual(taken.map((r) => r.sourceId).sort(), ['u0', 'u1']);
        }
      } finally {
        await a.close().catch(() => undefined);
        await cleanup(b);
      }
    });

    test('a writing row left by a dead worker is handed out again (for a lookup), a live one is not', async () => {
      const a = await open();
      const b = await open(a);
      try {
        await a.acquireWorker();
        await a.beginRun(RUN);
        await a.plan(RUN.id, users(4));
        const mine = await a.claim(RUN.id, 'user', { states: ['planned'], sourceIds: ['u0', 'u1'] });
        assert.equal(mine.length, 2);
        await a.markWriting(RUN.id, 'user', 'u0');
        if (a.kind === 'postgres') {
          await b.acquireWorker();
          // a is alive: b gets only the rows nobody holds.
          const theirs = await b.claim(RUN.id, 'user', { states: ['planned'] });
          assert.deepEqual(theirs.map((r) => r.sourceId).sort(), ['u2', 'u3']);
          await a.close(); // a dies: its advisory lock goes with its connection
          const left = await b.claim(RUN.id, 'user', { states: ['planned'] });
          assert.deepEqual(left.map((r) => [r.sourceId, r.state]).sort(), [
            ['u0', 'writing'],
            ['u1', 'planned'],
          ]);
        } else {
          await a.close();
          await b.acquireWorker();
          const left = await b.claim(RUN.id, 'user', { states: ['planned'] });
          assert.deepEqual(left.map((r) => [r.sourceId, r.state]).sort(), [
            ['u0', 'writing'],
            ['u1', 'planned'],
            ['u2', 'planned'],
            ['u3', 'planned'],
          ]);
        }
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
  ledgerSuite(
    'SQLite',
    async (sameAs) => SqliteStore.open(sameAs ? (sameAs as SqliteStore).location : join(dir, `state-${++n}.db`)),
    async (s) => s.close(),
  );
}
{
  const schema = uniqueSchema('flagless_ledger');
  ledgerSuite(
    'PostgreSQL',
    async () => PostgresStore.open(pgStateUrl(schema)),
    async (s) => {
      await dropSchema(s);
      await s.close();
    },
  );
}

describe('SQLite single writer', () => {
  test('a second live process gets a clear E_STATE error; a dead holder is taken over', async () => {
    const { dir, cleanup } = tempDir();
    try {
      const path = join(dir, 'state.db');
      const s = SqliteStore.open(path);
      await s.acquireWorker();
      const script = `
        import { SqliteStore } from ${JSON.stringify(new URL('../../src/state/ledger/sqlite.' + (import.meta.url.endsWith('.ts') ? 'ts' : 'js'), import.meta.url).href)};
        const s = SqliteStore.open(${JSON.stringify(path)});
        try { await s.acquireWorker(); console.log('ACQUIRED'); } catch (e) { console.log(e.code + ': ' + e.message); }
        await s.close();`;
      const other = spawnSync(process.execPath, [...process.execArgv, '--input-type=module', '-e', script], { encoding: 'utf8' });
      assert.match(other.stdout, /^E_STATE: .*in use by another flagless migrate \(pid \d+.*--state postgres:\/\//m, other.stderr);
      await s.close();
      // A holder that died without releasing (as after kill -9) does not block the next run.
      const crash = script.replace("console.log('ACQUIRED');", "console.log('ACQUIRED'); process.exit(0);");
      const died = spawnSync(process.execPath, [...process.execArgv, '--input-type=module', '-e', crash], { encoding: 'utf8' });
      assert.match(died.stdout, /ACQUIRED/, died.stderr);
      const again = spawnSync(process.execPath, [...process.execArgv, '--input-type=module', '-e', script], { encoding: 'utf8' });
      assert.match(again.stdout, /ACQUIRED/, again.stderr);
    } finally {
      cleanup();
    }
  });

  test('the default path and read-only opens create nothing', async () => {
    const { dir, cleanup } = tempDir();
    try {
      const path = join(dir, 'nested', 'state.db');
      assert.equal(stateMayExist(path), false);
      await assert.rejects(openStateStore(path, { readonly: true }), { code: 'E_INPUT_UNREADABLE' });
      assert.equal(existsSync(path), false);
      const s = await openStateStore(path);
      assert.equal(s.kind, 'sqlite');
      await s.close();
      assert.equal(existsSync(path), true);
      const ro = await openStateStore(path, { readonly: true });
      assert.deepEqual(await listRuns(ro), []);
      await ro.close();
    } finally {
      cleanup();
    }
  });
});
