/**
 * A password changed at Clerk during the transition: Clerk's webhooks name no password change, but
 * every UserJSON carries `password_last_updated_at`. Users bulk-imported into Better Auth (SQLite)
 * with their bcrypt digests from the dashboard CSV; then, through `flagless serve --sync` with
 * deliveries signed by the svix library:
 *  - a `user.updated` with a newer `password_last_updated_at` puts the gateway's flag back to
 *    legacy (`flagless status` counts the user), and the next login verifies the new one at Clerk
 *    and moves it (the old one is refused from then on); a repeated delivery is a no-op;
 *  - a profile-only change, an unchanged, older or null timestamp, a change from before the
 *    import, a change the gateway already moved, and a late older event flag nobody;
 *  - `flagless sync reconcile` applies the same rule to a change whose webhook never arrived.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { migrate } from '../../src/app/migrate.js';
import { serve, type ServeHandle } from '../../src/app/serve.js';
import type { ClerkSimulator } from '../../src/connectors/clerk/sim/backend-api.js';
import { startClerkSimulator } from '../../src/connectors/clerk/sim/backend-api.js';
import { WebhookSigner, deliver, type SignedDelivery } from '../../src/connectors/clerk/sim/webhooks.js';
import { hashPassword } from '../../src/model/password/index.js';
import { SqliteDriver } from '../../src/state/sqlite-driver.js';
import { SyncStore, type SyncStats } from '../../src/state/sync/store.js';
import { flaglessAsync } from '../helpers/cli.js';
import { SECRET_KEY, WEBHOOK_SECRET, clerkEnv, clerkUser, drained, tempDir } from './helpers.js';

const HEADER = 'id,first_name,last_name,username,primary_email_address,primary_phone_number,verified_email_addresses,unverified_email_addresses,verified_phone_numbers,unverified_phone_numbers,totp_secret,password_digest,password_hasher';
/** When the users last set their passwords at Clerk: long before the import. */
const SET_BEFORE_IMPORT = 1_700_000_000_000;

describe('a password changed at Clerk puts the user back on legacy (Better Auth, SQLite)', { timeout: 180_000 }, () => {
  const tmp = tempDir();
  const db = join(tmp.dir, 'auth.db');
  const state = join(tmp.dir, 'state.db');
  const csv = join(tmp.dir, 'clerk-export.csv');
  const env = clerkEnv();
  const users = Array.from({ length: 9 }, (_, i) => clerkUser(i + 1, { password_last_updated_at: SET_BEFORE_IMPORT + i }));
  const id = (n: number) => users[n - 1]!.id;
  const email = (n: number) => `person${n}@example.com`;
  const oldPassword = (n: number) => `old-password-${n}-at-clerk`;
  let sim: ClerkSimulator;
  let gw: ServeHandle;
  const signer = new WebhookSigner(WEBHOOK_SECRET);

  before(async () => {
    const passwords = Object.fromEntries(users.map((u, i) => [u.id, oldPassword(i + 1)]));
    sim = await startClerkSimulator({ users, passwords }, { secretKey: SECRET_KEY, webhookSecret: WEBHOOK_SECRET });
    // Day one: the dashboard CSV export (bcrypt digests of the same passwords) imported with its hashes.
    const rows = [HEADER];
    for (const [i, u] of users.entries()) {
      const digest = (await hashPassword('bcrypt', oldPassword(i + 1), { cost: 4 })).phc.reveal();
      rows.push(`${u.id},${u.first_name},${u.last_name},,${email(i + 1)},,${email(i + 1)},,,,,"${digest}",bcrypt`);
    }
    writeFileSync(csv, rows.join('\n') + '\n');
    const summary = await migrate({ source: { from: 'clerk', file: csv, env }, target: { to: 'better-auth', db, env }, state });
    assert.deepEqual(summary.quarantine, [], JSON.stringify(summary.quarantine));
    gw = await serve({ from: 'clerk', legacy: 'api', source: { apiUrl: sim.url }, target: { to: 'better-auth', db }, state, env, port: 0, logLevel: 'silent', sync: { onDelete: 'delete' } });
  });
  after(async () => {
    await gw?.close();
    await sim?.close();
    tmp.remove();
  });

  const post = (d: SignedDelivery) => deliver(`${gw.url}/v1/sync/clerk`, d);
  const login = async (n: number, password: string) => {
    const res = await fetch(`${gw.url}/v1/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ identifier: email(n), password }) });
    return { status: res.status, body: (await res.json()) as { ok: boolean; route?: string; migration?: string } };
  };
  /** The gateway's flag for a user (undefined: no row, the ledger's bulk move answers). */
  const flag = (n: number): { state: string; last_error: string | null } | undefined => {
    const sqlite = new Database(state, { readonly: true });
    try {
      return sqlite.prepare('SELECT state, last_error FROM gateway_users WHERE source_id = ?').get(id(n)) as { state: string; last_error: string | null } | undefined;
    } finally {
      sqlite.close();
    }
  };
  const settle = async (): Promise<{ stats: SyncStats; store: SyncStore; close: () => Promise<void> }> => {
    const driver = new SqliteDriver(state);
    const store = await SyncStore.attach(driver);
    const stats = await drained(store);
    assert.equal(stats.quarantined, 0, JSON.stringify(await store.quarantined()));
    return { stats, store, close: () => driver.close() };
  };
  const deliverAll = async (events: SignedDelivery[]) => {
    for (const d of events) assert.equal(await post(d), 200);
    await (await settle()).close();
  };

  it('a user.updated with a newer password_last_updated_at: flag back to legacy once, counted by status; the new password moves at the next login', async () => {
    await sim.change.setPassword(id(1), 'new-password-1-at-clerk');
    const [event] = sim.outbox.splice(0);
    assert.ok(event);
    assert.ok(((sim.user(id(1))!.password_last_updated_at as number) ?? 0) > Date.now() - 60_000, 'the simulator stamps the change now');
    assert.equal(await post(event), 200);
    const first = await settle();
    try {
      assert.equal(flag(1)?.state, 'legacy', 'the gateway flag is back to legacy');
      assert.match(flag(1)?.last_error ?? '', /password changed at the legacy provider/);
      // Svix retries the same message: the inbox keeps it once, it is applied once.
      assert.equal(await post(signer.resign(event)), 200);
      const again = await drained(first.store);
      assert.equal(again.duplicate - first.stats.duplicate, 1, 'the second delivery is a duplicate');
      const row = (await first.store.all()).find((r) => r.subject === id(1))!;
      assert.equal(row.applications, 1);
      assert.equal((await first.store.userState('clerk', id(1)))?.passwordChangedAtMs, sim.user(id(1))!.password_last_updated_at, 'the timestamp is kept');
    } finally {
      await first.close();
    }

    const status = await flaglessAsync(['status', '--state', state, '--json']);
    const doc = JSON.parse(status.stdout) as { checks: { name: string; reasons: string[]; counts: Record<string, number | string | null> }[] };
    const usersCheck = doc.checks.find((c) => c.name === 'users')!;
    assert.equal(usersCheck.counts.flaggedBackToLegacy, 1, JSON.stringify(usersCheck));
    assert.ok(usersCheck.reasons.some((x) => /1 user flagged back to legacy \(password changed there/.test(x)), usersCheck.reasons.join('\n'));
    assert.equal(status.code, 1, 'not safe to switch off while a user is flagged back');
    const finish = await flaglessAsync(['finish', '--to', 'better-auth', '--db', db, '--state', state, '--dry-run', '--json'], { env });
    assert.ok(finish.code === 0 || finish.code === 1, finish.stderr);
    const planned = (JSON.parse(finish.stdout) as { entries: { sourceId: string; reason: string }[] }).entries;
    assert.deepEqual(planned.map((e) => [e.sourceId, e.reason]), [[id(1), 'password-changed-at-legacy']], 'finish would send the target reset to this user alone');

    const moved = await login(1, 'new-password-1-at-clerk');
    assert.equal(moved.status, 200, JSON.stringify(moved.body));
    assert.deepEqual([moved.body.route, moved.body.migration], ['legacy', 'completed'], 'verified at Clerk, the new password moved');
    assert.equal(flag(1)?.state, 'migrated');
    const after = await login(1, 'new-password-1-at-clerk');
    assert.deepEqual([after.status, after.body.route], [200, 'target'], 'the target now holds the new password');
    assert.equal((await login(1, oldPassword(1))).status, 401);

    // A later profile change carries the same password timestamp: the moved user stays moved.
    sim.change.updateUser(id(1), { first_name: 'Renamed' });
    await deliverAll(sim.outbox.splice(0));
    assert.equal(flag(1)?.state, 'migrated', 'an unchanged timestamp does not flag again');
  });

  it('a profile-only change, and unchanged, older or null timestamps flag nobody', async () => {
    sim.change.updateUser(id(2), { first_name: 'Profile', public_metadata: { plan: 'pro' } });
    sim.change.updateUser(id(3), { password_last_updated_at: SET_BEFORE_IMPORT - 86_400_000 });
    sim.change.updateUser(id(4), { password_last_updated_at: null });
    await deliverAll(sim.outbox.splice(0));
    for (const n of [2, 3, 4]) {
      assert.equal(flag(n), undefined, `user ${n}: no gateway flag`);
      const r = await login(n, oldPassword(n));
      assert.deepEqual([r.status, r.body.route], [200, 'target'], `user ${n} still signs in at the target: ${JSON.stringify(r.body)}`);
    }
    const app = new Database(db, { readonly: true });
    try {
      assert.equal((app.prepare('SELECT name FROM user WHERE id = ?').get(id(2)) as { name: string }).name, 'Profile Last2', 'the profile change was applied');
    } finally {
      app.close();
    }
  });

  it('a change the gateway already moved (the event arrives after the login) and a late older event flag nobody', async () => {
    // User 5 changes the password and signs in before the webhook arrives: the login moves the new one.
    await sim.change.setPassword(id(5), 'new-password-5-at-clerk');
    const late5 = sim.outbox.splice(0);
    const moved = await login(5, 'new-password-5-at-clerk');
    assert.deepEqual([moved.status, moved.body.migration], [200, 'completed'], JSON.stringify(moved.body));
    await deliverAll(late5);
    assert.equal(flag(5)?.state, 'migrated', 'the target got this password after the change: nothing stale');

    // User 6 changes it twice; the second change's event comes first, the first one late.
    await sim.change.setPassword(id(6), 'second-try-6-at-clerk');
    const [firstChange] = sim.outbox.splice(0);
    await sim.change.setPassword(id(6), 'final-password-6-at-clerk');
    await deliverAll(sim.outbox.splice(0));
    assert.equal(flag(6)?.state, 'legacy');
    assert.equal((await login(6, 'final-password-6-at-clerk')).body.migration, 'completed');
    const driver = new SqliteDriver(state);
    try {
      const store = await SyncStore.attach(driver);
      const before = await store.stats();
      assert.equal(await post(firstChange!), 200);
      const stats = await drained(store);
      assert.equal(stats.outOfOrder - before.outOfOrder, 1, 'the older event was found out of order');
    } finally {
      await driver.close();
    }
    assert.equal(flag(6)?.state, 'migrated', 'a stale event does not flag');
  });

  it('`flagless sync reconcile` flags a user whose password change no webhook reported, once', async () => {
    await sim.change.setPassword(id(7), 'new-password-7-at-clerk');
    sim.change.updateUser(id(8), { last_name: 'Unannounced' });
    sim.outbox.splice(0); // lost: Clerk does not guarantee delivery
    const args = ['sync', 'reconcile', '--from', 'clerk', '--api', '--source-url', sim.url, '--to', 'better-auth', '--db', db, '--state', state, '--json'];
    const first = await flaglessAsync(args, { env });
    assert.equal(first.code, 0, first.stderr);
    assert.equal(flag(7)?.state, 'legacy', 'reconcile read the newer password timestamp from the API');
    assert.equal(flag(8), undefined, 'a profile change found by reconcile flags nobody');
    assert.equal((await login(7, 'new-password-7-at-clerk')).body.migration, 'completed');
    const again = await flaglessAsync(args, { env });
    assert.equal(again.code, 0, again.stderr);
    assert.equal((JSON.parse(again.stdout) as { changed: number }).changed, 0);
    assert.equal(flag(7)?.state, 'migrated', 'a second pass does not flag again');
  });

  // Between the flag-back and the user's next login with the new password, the OLD password must
  // not sign in: the legacy check refuses it, and the router's fallback for sign-ups made at the
  // target alone (src/gateway/router.ts, #login) is not taken for a user the gateway's state holds
  // on legacy (before the fix it was, and the target's stale hash accepted the old password).
  it('after the flag-back and before the next login, the old password is refused', async () => {
    await sim.change.setPassword(id(9), 'new-password-9-at-clerk');
    await deliverAll(sim.outbox.splice(0));
    assert.equal(flag(9)?.state, 'legacy');
    const stale = await login(9, oldPassword(9));
    assert.equal(stale.status, 401, `the password the target still holds is no longer the user's: ${JSON.stringify(stale.body)}`);
  });
});
