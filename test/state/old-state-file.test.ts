/**
 * Existing state files keep working: a SQLite state written by the code before the one state
 * layer (two drivers, the gateway reading the ledger's tables with its own SQL) is read by the new
 * code exactly as the old code read it, and the new code goes on writing it (a retried run, a
 * gateway move) with no migration step.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { openGatewayStore } from '../../src/state/gateway/open.js';
import { openStateStore } from '../../src/state/ledger/open.js';
import { listRuns } from '../helpers/state.js';
import { READ_BY_V1, SINCE_V1, STATE_V1_SQLITE_DUMP } from './fixtures/state-v1-sqlite.js';

const dir = mkdtempSync(join(tmpdir(), 'flagless-old-state-'));
after(() => rmSync(dir, { recursive: true, force: true }));

let n = 0;
/** The old file, restored from its dump. */
function oldStateFile(): string {
  const path = join(dir, `state-${++n}.db`);
  const db = new Database(path);
  db.exec(STATE_V1_SQLITE_DUMP);
  db.close();
  return path;
}

const RUN = 'clerk-to-better-auth';

describe('a SQLite state file written before the one state layer', () => {
  test('the ledger reads its run, tally, id map and quarantine as the old code did', async () => {
    const path = oldStateFile();
    const s = await openStateStore(path, { readonly: true });
    try {
      assert.deepEqual(await s.getRun(RUN), READ_BY_V1.run);
      assert.deepEqual(await s.tally(RUN), READ_BY_V1.tally);
      const idMap = [];
      for await (const r of s.idMap()) idMap.push(r);
      assert.deepEqual(idMap, READ_BY_V1.idMap);
      assert.deepEqual(await s.failures(RUN, 10), READ_BY_V1.failures);
      assert.equal((await listRuns(s)).length, 1);
    } finally {
      await s.close();
    }
  });

  test('the gateway reads its flags, identifiers and the ledger\'s moved users as the old code did', async () => {
    const path = oldStateFile();
    const g = await openGatewayStore(path);
    try {
      const resolved: Record<string, unknown> = {};
      for (const id of Object.keys(READ_BY_V1.resolve)) resolved[id] = (await g.resolve(id)) ?? null;
      assert.deepEqual(resolved, READ_BY_V1.resolve);
      const bulk: Record<string, unknown> = {};
      for (const id of Object.keys(READ_BY_V1.bulkTargetId)) bulk[id] = (await g.bulkTargetId(id)) ?? null;
      assert.deepEqual(bulk, READ_BY_V1.bulkTargetId);
      // Every count the old code read, read the same; the breakdown of users still on legacy is new (issue 14 §7).
      const { legacyByReason, ...asBefore } = await g.dashboard(undefined, SINCE_V1);
      assert.deepEqual(asBefore, READ_BY_V1.dashboard);
      assert.deepEqual(legacyByReason, { disabled: 0, noEmail: 0, quarantined: 1, undecidedDuplicate: 0, noUsableHash: 0 }, 'user_3 is quarantined in the old file');
    } finally {
      await g.close();
    }
  });

  test('the new code goes on writing it: a retried run settles the quarantined user, the gateway moves a user on legacy, each sees the other', async () => {
    const path = oldStateFile();
    const s = await openStateStore(path);
    try {
      await s.acquireWorker();
      const [claimed] = await s.claim(RUN, 'user', { states: ['failed'] });
      assert.equal(claimed?.sourceId, 'user_3');
      await s.markWriting(RUN, 'user', 'user_3');
      await s.markDone(RUN, 'user', 'user_3', { targetId: 'T-user-3', outcome: 'linked' });
      await s.release(RUN);
      assert.equal((await s.tally(RUN)).user.failed, 0);
    } finally {
      await s.close();
    }
    const g = await openGatewayStore(path);
    try {
      assert.equal(await g.bulkTargetId('user_3'), 'T-user-3');
      const claim = await g.claim('user_6', 'gw-new', 30_000);
      assert.deepEqual(claim, { claimed: true, attempts: 2 });
      assert.equal(await g.markMigrated('user_6', 'gw-new', { route: 'jit', targetId: 'T-user-6', identifiers: ['six@example.com'] }), true);
      const d = await g.dashboard(undefined, SINCE_V1);
      assert.equal(d.bulk, 3);
      assert.deepEqual(d.byRoute, { jit: 2, completed: 0, bulk: 1, lazy: 0 });
      assert.equal(d.migrated, 5, 'users 1, 2, 3 (ledger) and 5, 6 (gateway), user 1 counted once');
    } finally {
      await g.close();
    }
    const again = await openStateStore(path, { readonly: true });
    try {
      assert.equal((await again.get(RUN, 'user', 'user_3'))?.state, 'done');
    } finally {
      await again.close();
    }
  });
});
