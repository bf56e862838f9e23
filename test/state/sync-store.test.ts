/**
 * The sync inbox on SQLite and on PostgreSQL (the same statements): a repeated event id is a
 * no-op counted as a duplicate, a settled event is settled once, retries and quarantine keep
 * their reason, watermarks round-trip (users' and organizations', apart), and the statistics
 * `flagless status` reads add up.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { SqlDriver } from '../../src/state/driver.js';
import { PostgresDriver } from '../../src/state/postgres-driver.js';
import { SqliteDriver } from '../../src/state/sqlite-driver.js';
import { SyncStore } from '../../src/state/sync/store.js';
import type { InboundEvent } from '../../src/protocol/sync.js';

const ev = (id: string, subject: string, at: number): InboundEvent => ({ id, type: 'user.updated', subject, occurredAtMs: at, body: JSON.stringify({ id }) });

function suite(name: string, open: () => Promise<{ driver: SqlDriver; cleanup: () => Promise<void> }>): void {
  describe(`sync store on ${name}`, { timeout: 60_000 }, () => {
    let cleanup: (() => Promise<void>) | undefined;
    after(async () => cleanup?.());

    it('inbox, watermarks and statistics', async () => {
      const opened = await open();
      cleanup = opened.cleanup;
      const before = await SyncStore.reader(opened.driver).stats();
      assert.deepEqual([before.received, before.pending, before.quarantined], [0, 0, 0], 'a state where sync never ran: all zero, nothing created');
      const store = await SyncStore.attach(opened.driver);
      await SyncStore.attach(opened.driver); // idempotent DDL
      const t0 = 1_800_000_000_000;
      assert.deepEqual(await store.enqueue('clerk', [ev('a', 'u1', t0 + 2), ev('b', 'u1', t0 + 1), ev('c', 'u2', t0)], t0 + 10), { inserted: 3, duplicates: 0 });
      assert.deepEqual(await store.enqueue('clerk', [ev('a', 'u1', t0 + 2), ev('d', 'u3', t0 + 3)], t0 + 20), { inserted: 1, duplicates: 1 });
      const due = await store.due(10, t0 + 100);
      assert.deepEqual(due.map((r) => r.id), ['clerk:c', 'clerk:b', 'clerk:a', 'clerk:d'], 'oldest source time first');
      assert.equal(await store.settle(due[0]!, 'applied', { user: { sourceId: 'u2', state: { status: 'present', watermarkMs: t0, targetId: 'T2' } }, nowMs: t0 + 110 }), true);
      assert.equal(await store.settle(due[0]!, 'applied', { nowMs: t0 + 111 }), false, 'settled once');
      assert.equal((await store.get('clerk:c'))?.body, '', "a settled event's body is not kept");
      assert.notEqual((await store.get('clerk:b'))?.body, '', 'a pending one keeps it');
      await store.retryLater('clerk:b', 'E_TARGET_UNAVAILABLE: down', t0 + 5000);
      assert.equal(await store.olderPending('u1', { occurredAtMs: t0 + 2, eventId: 'clerk:a' }), true, 'b waits for its retry, a behind it');
      assert.deepEqual((await store.due(10, t0 + 200)).map((r) => r.id), ['clerk:a', 'clerk:d']);
      await store.quarantine('clerk:d', 'E_TARGET_VALIDATION: refused');
      await store.settle({ id: 'clerk:a', vendor: 'clerk' }, 'stale', { outOfOrder: true, nowMs: t0 + 300 });
      assert.deepEqual(await store.userState('clerk', 'u2'), { status: 'present', watermarkMs: t0, targetId: 'T2' });
      await store.saveUserState('clerk', 'u2', { status: 'deleted', watermarkMs: t0 + 9 });
      assert.deepEqual(await store.userState('clerk', 'u2'), { status: 'deleted', watermarkMs: t0 + 9, targetId: 'T2' }, 'the target id is kept');
      const ids = [];
      for await (const m of store.idMap('clerk')) ids.push(m);
      assert.deepEqual(ids, [{ vendor: 'clerk', sourceId: 'u2', status: 'deleted', targetId: 'T2' }]);
      const q = await store.quarantined();
      assert.deepEqual(q.map((r) => [r.id, r.lastError]), [['clerk:d', 'E_TARGET_VALIDATION: refused']]);
      const s = await store.stats();
      assert.equal(s.received, 5);
      assert.equal(s.duplicate, 1);
      assert.equal(s.applied, 2);
      assert.equal(s.outOfOrder, 1);
      assert.equal(s.failed, 2);
      assert.equal(s.quarantined, 1);
      assert.equal(s.pending, 1);
      assert.equal(s.lagP50Ms, 100);
      assert.equal(s.lagP99Ms, 290);
      assert.equal(s.perVendorLastEventAt.clerk, new Date(t0 + 20).toISOString());
      assert.equal(s.lastEventAt, new Date(t0 + 20).toISOString());

      // Organizations: their watermark and tombstone settle with their event, apart from users.
      await store.enqueue('clerk', [{ ...ev('o1', 'org:org_1', t0 + 30), type: 'organization.updated' }, { ...ev('o2', 'org:org_2', t0 + 31), type: 'organization.deleted' }], t0 + 40);
      assert.equal(await store.settle({ id: 'clerk:o1', vendor: 'clerk' }, 'applied', { organization: { sourceId: 'org_1', state: { status: 'present', watermarkMs: t0 + 30, targetId: 'TO1' } }, nowMs: t0 + 50 }), true);
      assert.equal(await store.settle({ id: 'clerk:o2', vendor: 'clerk' }, 'applied', { organization: { sourceId: 'org_2', state: { status: 'deleted', watermarkMs: t0 + 31 } }, nowMs: t0 + 51 }), true);
      assert.deepEqual(await store.orgState('clerk', 'org_1'), { status: 'present', watermarkMs: t0 + 30, targetId: 'TO1' });
      assert.deepEqual(await store.orgState('clerk', 'org_2'), { status: 'deleted', watermarkMs: t0 + 31 });
      assert.equal(await store.orgState('auth0', 'org_1'), undefined, 'per vendor');
      assert.equal(await store.userState('clerk', 'org_1'), undefined, 'not among the users');
      const orgs = [];
      for await (const o of store.orgIdMap('clerk')) orgs.push(o);
      assert.deepEqual(orgs, [
        { sourceId: 'org_1', status: 'present', targetId: 'TO1' },
        { sourceId: 'org_2', status: 'deleted' },
      ]);
      const users = [];
      for await (const m of store.idMap('clerk')) users.push(m.sourceId);
      assert.deepEqual(users, ['u2'], "the users' id map holds no organization");
      assert.deepEqual([...(await store.deletedOrganizations(['org_1', 'org_2', 'org_3']))], ['org_2']);
    });
  });
}

const dir = mkdtempSync(join(tmpdir(), 'flagless-sync-store-'));
after(() => rmSync(dir, { recursive: true, force: true }));
suite('SQLite', async () => {
  const driver = new SqliteDriver(join(dir, 'state.db'));
  return { driver, cleanup: () => driver.close() };
});
suite('PostgreSQL', async () => {
  const schema = `sync_store_${process.pid}_${randomBytes(3).toString('hex')}`;
  const driver = new PostgresDriver(`${process.env.FLAGLESS_TEST_PG ?? 'postgres://postgres@127.0.0.1:5432/test'}?schema=${schema}`);
  return {
    driver,
    cleanup: async () => {
      await driver.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await driver.close();
    },
  };
});
