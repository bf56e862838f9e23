/**
 * `sync reconcile` deletes at the target only on the word of a complete listing: a record that could
 * not be read is not a record the source no longer has, so a listing with unreadable records deletes
 * nobody and says so (regression: a user whose line did not parse was deleted at the target).
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { reconcileSource } from '../../src/engine/sync/reconcile.js';
import { emptyUser } from '../../src/model/user.js';
import type { SourceItem } from '../../src/protocol/source.js';
import type { Target } from '../../src/protocol/target.js';
import { SqliteDriver } from '../../src/state/sqlite-driver.js';
import { SyncStore } from '../../src/state/sync/store.js';
import { FAKE_CAPABILITIES } from '../engine/fake-target.js';
import { tempDir } from './helpers.js';

async function* listing(withProblem: 'error' | 'warning' | undefined): AsyncIterable<SourceItem> {
  if (withProblem) yield { type: 'problem', problem: { code: 'E_SOURCE_PARSE', message: 'line 3: not JSON', line: 3, severity: withProblem } };
  const u = emptyUser('user_seen');
  u.updatedAt = '2026-03-01T00:00:00.000Z';
  yield { type: 'user', user: u };
}

async function* moved(): AsyncIterable<string> {
  yield 'user_seen';
  yield 'user_unreadable';
}

describe('sync reconcile: deletions need a complete listing', () => {
  const tmp = tempDir();
  after(() => tmp.remove());

  for (const [problem, deleted, withheld] of [[undefined, 1, 0], ['warning', 1, 0], ['error', 0, 1]] as const) {
    it(`a listing ${problem ? `with a problem of severity ${problem}` : 'read whole'}: ${deleted} deleted, ${withheld} withheld`, async () => {
      const driver = new SqliteDriver(join(tmp.dir, `state-${problem ?? 'none'}.db`));
      try {
        const store = await SyncStore.attach(driver);
        const target = { capabilities: { ...FAKE_CAPABILITIES, organizations: false } } as unknown as Target;
        const s = await reconcileSource({ vendor: 'clerk', items: listing(problem), store, target, nowMs: 1_000, movedUsers: moved() });
        assert.equal(s.deleted, deleted);
        assert.equal(s.deletionsWithheld, withheld);
        const queued = (await store.all()).filter((r) => r.type === 'reconcile.deleted').map((r) => r.subject);
        assert.deepEqual(queued, deleted ? ['user_unreadable'] : []);
      } finally {
        await driver.close();
      }
    });
  }
});
