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

function suite(name: string, open: (tag: string) => Promise<{ driver: SqlDriver; cleanup: () => Promise<void> }>): void {
  describe(`sync store on ${name}`, { timeout: 60_000 }, () => {
    const cleanups: (() => Promise<void>)[] = [];
    after(async () => {
      for (const c of cleanups) await c();
    });

    it('inbox, watermarks and statistics', async () => {
      const opened = await open('state');
      cleanups.push(opened.cleanup);
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

    it('a state from before password timestamps gains the column; the timestamp only goes up; when the target got a password', async () => {
      const opened = await open('older');
      cleanups.push(opened.cleanup);
      const d = opened.driver;
      const p = d.prefix;
      if (d.kind === 'postgres') await d.run(`CREATE SCHEMA IF NOT EXISTS ${p.slice(0, -1)}`);
      // sync_users as the first sync release made it, with a row.
      await d.run(`CREATE TABLE ${p}sync_users (vendor TEXT NOT NULL, source_id TEXT NOT NULL, watermark_ms BIGINT,
        status TEXT NOT NULL CHECK (status IN ('present', 'deleted', 'disabled')), target_id TEXT, snapshot TEXT, updated_at_ms BIGINT NOT NULL,
        PRIMARY KEY (vendor, source_id))`);
      await d.run(`INSERT INTO ${p}sync_users (vendor, source_id, watermark_ms, status, target_id, updated_at_ms) VALUES ('clerk', 'u_old', 5, 'present', 'T_old', 5)`);
      const store = await SyncStore.attach(d);
      await SyncStore.attach(d); // the migration is idempotent
      assert.deepEqual(await store.userState('clerk', 'u_old'), { status: 'present', watermarkMs: 5, targetId: 'T_old' }, 'an existing row reads as no timestamp known');
      await store.saveUserState('clerk', 'u_old', { status: 'present', watermarkMs: 6, passwordChangedAtMs: 100 });
      await store.saveUserState('clerk', 'u_old', { status: 'present', watermarkMs: 7 });
      assert.equal((await store.userState('clerk', 'u_old'))?.passwordChangedAtMs, 100, 'a state without one keeps the one known');
      await store.saveUserState('clerk', 'u_old', { status: 'present', watermarkMs: 8, passwordChangedAtMs: 90 });
      assert.equal((await store.userState('clerk', 'u_old'))?.passwordChangedAtMs, 100, 'never goes down');
      await store.saveUserState('clerk', 'u_old', { status: 'present', watermarkMs: 9, passwordChangedAtMs: 200 });
      assert.equal((await store.userState('clerk', 'u_old'))?.passwordChangedAtMs, 200);

      // When the target got a password: nothing known without a ledger or a gateway move.
      assert.equal(await store.passwordAtTargetSinceMs('u_old'), undefined, 'no ledger, no gateway tables');
      await d.run(`CREATE TABLE ${p}records (run_id TEXT, kind TEXT, source_id TEXT, state TEXT, outcome TEXT, target_id TEXT, lossy TEXT NOT NULL DEFAULT '[]', updated_at TEXT NOT NULL)`);
      await d.run(`CREATE TABLE ${p}gateway_users (source_id TEXT PRIMARY KEY, state TEXT NOT NULL, route TEXT, target_id TEXT, migrated_at TEXT)`);
      const row = (run: string, id: string, at: string, extra: { state?: string; outcome?: string | null; lossy?: string } = {}) =>
        d.run(`INSERT INTO ${p}records (run_id, kind, source_id, state, outcome, target_id, lossy, updated_at) VALUES ($1, 'user', $2, $3, $4, $5, $6, $7)`, [
          run, id, extra.state ?? 'done', extra.outcome === undefined ? 'created' : extra.outcome, `T_${id}`, extra.lossy ?? '[]', at,
        ]);
      await row('r1', 'bulk', '2026-01-01T00:00:00.000Z');
      await row('r2', 'bulk', '2026-01-03T00:00:00.000Z', { outcome: 'updated' });
      await row('r1', 'nohash', '2026-01-01T00:00:00.000Z', { lossy: '[{"field":"password","reason":"no digest"}]' });
      await row('r1', 'skipped', '2026-01-01T00:00:00.000Z', { outcome: 'skipped' });
      await row('r1', 'planned', '2026-01-01T00:00:00.000Z', { state: 'planned', outcome: null });
      const gw = (id: string, state: string, route: string | null, at: string | null) =>
        d.run(`INSERT INTO ${p}gateway_users (source_id, state, route, target_id, migrated_at) VALUES ($1, $2, $3, $4, $5)`, [id, state, route, `T_${id}`, at]);
      await gw('jit', 'migrated', 'jit', '2026-02-01T00:00:00.000Z');
      await gw('bulk', 'migrated', 'bulk', '2026-03-01T00:00:00.000Z');
      await gw('nohash', 'migrated', 'completed', '2026-02-02T00:00:00.000Z');
      await gw('flagged', 'legacy', null, null);
      assert.equal(await store.passwordAtTargetSinceMs('bulk'), Date.parse('2026-01-03T00:00:00.000Z'), "the ledger's latest move; a gateway row seen as bulk adds no time");
      assert.equal(await store.passwordAtTargetSinceMs('jit'), Date.parse('2026-02-01T00:00:00.000Z'), 'a JIT move');
      assert.equal(await store.passwordAtTargetSinceMs('nohash'), Date.parse('2026-02-02T00:00:00.000Z'), 'moved without a hash, completed at a login');
      for (const id of ['skipped', 'planned', 'flagged', 'nobody']) assert.equal(await store.passwordAtTargetSinceMs(id), undefined, `${id}: the target got no password`);
    });
  });
}

const dir = mkdtempSync(join(tmpdir(), 'flagless-sync-store-'));
after(() => rmSync(dir, { recursive: true, force: true }));
suite('SQLite', async (tag) => {
  const driver = new SqliteDriver(join(dir, `${tag}.db`));
  return { driver, cleanup: () => driver.close() };
});
suite('PostgreSQL', async (tag) => {
  const schema = `sync_store_${tag}_${process.pid}_${randomBytes(3).toString('hex')}`;
  const driver = new PostgresDriver(`${process.env.FLAGLESS_TEST_PG ?? 'postgres://postgres@127.0.0.1:5432/test'}?schema=${schema}`);
  return {
    driver,
    cleanup: async () => {
      await driver.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await driver.close();
    },
  };
});
