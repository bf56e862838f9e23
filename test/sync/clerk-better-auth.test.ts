/**
 * Clerk webhooks (signed by the svix library, as Svix sends them) applied to Better Auth on
 * SQLite through `flagless serve`: delivered twice, out of order, late, and forged. Afterwards
 * `verify` against Clerk's latest state (its API) finds nothing missing or mismatched, the deleted
 * user is gone, and every event was applied exactly once.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { migrate } from '../../src/app/migrate.js';
import { serve, type ServeHandle } from '../../src/app/serve.js';
import { verify } from '../../src/app/verify.js';
import type { ClerkSimulator } from '../../src/connectors/clerk/sim/backend-api.js';
import { WebhookSigner, deliver, type SignedDelivery } from '../../src/connectors/clerk/sim/webhooks.js';
import { SqliteDriver } from '../../src/state/sqlite-driver.js';
import { SyncStore } from '../../src/state/sync/store.js';
import { flaglessAsync } from '../helpers/cli.js';
import { WEBHOOK_SECRET, clerkEnv, clerkSim, clerkUser, drained, forged, tempDir } from './helpers.js';

describe('Clerk webhooks into Better Auth (SQLite) through serve', { timeout: 120_000 }, () => {
  const tmp = tempDir();
  const db = join(tmp.dir, 'auth.db');
  const state = join(tmp.dir, 'state.db');
  let sim: ClerkSimulator;
  let gw: ServeHandle;
  const env = clerkEnv();
  const users = Array.from({ length: 8 }, (_, i) => clerkUser(i + 1));

  before(async () => {
    sim = await clerkSim(users, [{ id: 'org_acme', name: 'Acme', slug: 'acme' }]);
    // Day one: the bulk import through Clerk's API.
    await migrate({ source: { from: 'clerk', api: true, apiUrl: sim.url, env }, target: { to: 'better-auth', db, env }, state });
    gw = await serve({
      from: 'clerk',
      legacy: 'api',
      source: { apiUrl: sim.url },
      target: { to: 'better-auth', db },
      state,
      env,
      port: 0,
      logLevel: 'silent',
      sync: { onDelete: 'delete' },
    });
  });
  after(async () => {
    await gw?.close();
    await sim?.close();
    tmp.remove();
  });

  const post = (d: SignedDelivery) => deliver(`${gw.url}/v1/sync/clerk`, d);

  it('serve refuses --on-delete disable for a target that cannot disable users (E_USAGE at start)', async () => {
    await assert.rejects(
      serve({ from: 'clerk', legacy: 'api', source: { apiUrl: sim.url }, target: { to: 'better-auth', db }, state, env, port: 0, logLevel: 'silent', sync: { onDelete: 'disable' } }),
      (e: Error & { code?: string }) => e.code === 'E_USAGE' && /cannot disable users/.test(e.message),
    );
  });

  it('refuses forged, stale and unsigned deliveries with 401 and stores nothing', async () => {
    const body = JSON.stringify({ type: 'user.deleted', object: 'event', data: { object: 'user', id: users[0]!.id, deleted: true }, timestamp: Date.now() });
    const signer = new WebhookSigner(WEBHOOK_SECRET);
    const genuine = signer.sign(JSON.parse(body));
    const cases: [string, Record<string, string>, string][] = [
      ['another secret', forged(body), body],
      ['a body changed after signing', genuine.headers, genuine.body.replace(users[0]!.id, users[1]!.id)],
      ['a timestamp 10 minutes old', signer.resign(genuine, new Date(Date.now() - 10 * 60_000)).headers, genuine.body],
      ['no signature', { 'svix-id': 'msg_x', 'svix-timestamp': String(Math.floor(Date.now() / 1000)), 'content-type': 'application/json' }, body],
    ];
    for (const [what, headers, b] of cases) {
      const res = await fetch(`${gw.url}/v1/sync/clerk`, { method: 'POST', headers, body: b });
      const text = await res.text();
      assert.equal(res.status, 401, what);
      assert.ok(!text.includes(WEBHOOK_SECRET) && !text.includes(headers['svix-signature'] ?? '\u0000'), `${what}: the answer repeats no secret or signature`);
    }
    const huge = await fetch(`${gw.url}/v1/sync/clerk`, { method: 'POST', headers: genuine.headers, body: 'x'.repeat(1024 * 1024 + 1) });
    assert.equal(huge.status, 413, 'a body over 1 MiB is refused before it is read whole');
    const sqlite = new Database(state, { readonly: true });
    const n = (sqlite.prepare('SELECT COUNT(*) AS n FROM sync_inbox').get() as { n: number }).n;
    sqlite.close();
    assert.equal(n, 0, 'nothing reached the inbox');
  });

  it('a storm of changes, each delivered twice, some out of order and late: the target ends equal to Clerk, each event applied once', async () => {
    const c = sim.change;
    c.updateUser(users[0]!.id, { first_name: 'Ada' });
    c.updateUser(users[0]!.id, { first_name: 'Adeline', public_metadata: { plan: 'pro' } });
    c.updateUser(users[1]!.id, {
      email_addresses: [{ id: `idn_new`, email_address: 'renamed2@example.com', verification: { status: 'verified', strategy: 'email_code' } }],
      primary_email_address_id: 'idn_new',
    });
    c.createUser(clerkUser(100));
    c.createUser(clerkUser(101, { first_name: 'Short-lived' }));
    c.deleteUser('user_sync0101');
    c.deleteUser(users[3]!.id);
    c.setMembership(users[2]!.id, 'org_acme', 'org:admin');
    c.setMembership(users[2]!.id, 'org_acme', 'org:member');
    c.createOrganization({ id: 'org_beta', name: 'Beta', slug: 'beta' });
    c.setMembership(users[4]!.id, 'org_beta', 'org:admin');
    c.setMembership(users[5]!.id, 'org_acme', 'org:admin');
    c.removeMembership(users[5]!.id, 'org_acme');
    c.updateUser('user_sync0100', { last_name: 'Newcomer' });
    const events = sim.outbox.splice(0);
    assert.equal(events.length, 14);

    // Newest first for user 1, its older update late; the deletion of 101 before its creation; every event twice.
    const order = [events[1]!, events[13]!, events[5]!, events[4]!, events[3]!, ...events.slice(6, 13), events[2]!];
    const signer = new WebhookSigner(WEBHOOK_SECRET);
    for (const d of order) assert.equal(await post(d), 200);
    await new Promise((r) => setTimeout(r, 300));
    // Svix retries: same id and body, new timestamp and signature; then the late one.
    for (const d of order) assert.equal(await post(signer.resign(d)), 200);
    const driver = new SqliteDriver(state);
    const store = await SyncStore.attach(driver);
    try {
      // The older update of user 1 arrives late, after the newer one was applied (twice).
      await drained(store);
      assert.equal(await post(signer.resign(events[0]!)), 200);
      assert.equal(await post(signer.resign(events[0]!)), 200);
      const stats = await drained(store);
      assert.equal(stats.received, 28);
      assert.equal(stats.duplicate, 14, 'every second delivery was a no-op');
      assert.equal(stats.quarantined, 0, JSON.stringify(await store.quarantined()));
      assert.ok(stats.outOfOrder >= 1, 'the older update of user 1 was found out of order');
      const rows = await store.all();
      assert.equal(rows.length, 14);
      for (const r of rows) assert.equal(r.applications, 1, `${r.type} ${r.subject} applied exactly once`);
      const ids = new Map<string, { status: string }>();
      for await (const m of store.idMap('clerk')) ids.set(m.sourceId, m);
      assert.equal(ids.get(users[3]!.id)?.status, 'deleted', 'the id map says the user was deleted');
    } finally {
      await driver.close();
    }

    const ids = await flaglessAsync(['ids', 'export', '--state', state, '--format', 'json']);
    assert.equal(ids.code, 0, ids.stderr);
    const map = new Map((JSON.parse(ids.stdout) as { kind: string; sourceId: string; status: string; runId: string }[]).map((r) => [r.sourceId, r]));
    assert.equal(map.get(users[3]!.id)?.status, 'deleted', 'ids export says the user was deleted');
    assert.equal(map.get(users[0]!.id)?.status, 'present');
    assert.deepEqual([map.get('user_sync0100')?.status, map.get('user_sync0100')?.runId], ['present', 'sync'], 'a user sync created is in the id map');

    const report = await verify({ source: { from: 'clerk', api: true, apiUrl: sim.url, env }, target: { to: 'better-auth', db, env } });
    assert.equal(report.counts.missing, 0, JSON.stringify(report.missing));
    assert.equal(report.counts.mismatches, 0, JSON.stringify(report.mismatches));
    assert.equal(report.counts.missingMemberships, 0, JSON.stringify(report.missingMemberships));
    assert.equal(report.counts.extra, 0, JSON.stringify(report.extra));

    const sqlite = new Database(db, { readonly: true });
    try {
      const has = (id: string) => sqlite.prepare('SELECT 1 FROM user WHERE id = ?').get(id) !== undefined;
      assert.equal(has(users[3]!.id), false, 'the user deleted at Clerk is gone');
      assert.equal(has('user_sync0101'), false, 'a user created and deleted is not there');
      assert.equal(has('user_sync0100'), true);
      const u1 = sqlite.prepare('SELECT name, publicMetadata FROM user WHERE id = ?').get(users[0]!.id) as { name: string; publicMetadata: string };
      assert.equal(u1.name, 'Adeline Last1', 'the newest state won over the late older update');
      assert.deepEqual(JSON.parse(u1.publicMetadata), { plan: 'pro' });
      const roles = sqlite.prepare('SELECT organizationId, role FROM member WHERE userId = ? ORDER BY organizationId').all(users[2]!.id);
      assert.deepEqual(roles.map((r: any) => r.role), ['member']);
      assert.equal(sqlite.prepare('SELECT 1 FROM member WHERE userId = ?').get(users[5]!.id), undefined, 'the removed membership is gone');
    } finally {
      sqlite.close();
    }
  });

  it('the dashboard and /metrics show the sync counters', async () => {
    const metrics = await (await fetch(`${gw.url}/metrics`)).text();
    assert.match(metrics, /flagless_sync_events_total\{vendor="clerk",outcome="duplicate"\} 14/);
    assert.match(metrics, /flagless_sync_lag_seconds_count\{vendor="clerk"\} \d+/);
    const html = await (await fetch(`${gw.url}/dashboard`)).text();
    assert.match(html, /data-testid="sync-duplicate"><div class="label">Duplicates<\/div><div class="value">14</);
  });

  it('`flagless sync reconcile` applies changes whose webhooks never arrived (and nothing twice)', async () => {
    sim.change.updateUser(users[6]!.id, { first_name: 'Unannounced' });
    sim.change.createUser(clerkUser(300));
    sim.change.deleteUser(users[7]!.id);
    sim.outbox.splice(0); // lost: Clerk does not guarantee delivery
    const args = ['sync', 'reconcile', '--from', 'clerk', '--api', '--source-url', sim.url, '--to', 'better-auth', '--db', db, '--state', state, '--json'];
    const first = await flaglessAsync(args, { env });
    assert.equal(first.code, 0, first.stderr);
    const out = JSON.parse(first.stdout) as { changed: number; deleted: number; unchanged: number; ok: boolean };
    assert.equal(out.deleted, 1, 'the user deleted at Clerk');
    assert.ok(out.changed >= 2, 'the renamed and the new user');
    const report = await verify({ source: { from: 'clerk', api: true, apiUrl: sim.url, env }, target: { to: 'better-auth', db, env } });
    assert.equal(report.counts.missing, 0, JSON.stringify(report.missing));
    assert.equal(report.counts.extra, 0, JSON.stringify(report.extra));
    assert.equal(report.counts.mismatches, 0, JSON.stringify(report.mismatches));
    const again = await flaglessAsync(args, { env });
    assert.equal(again.code, 0, again.stderr);
    const second = JSON.parse(again.stdout) as { changed: number; deleted: number };
    assert.deepEqual([second.changed, second.deleted], [0, 0], 'a second pass finds nothing to do');
  });
});
