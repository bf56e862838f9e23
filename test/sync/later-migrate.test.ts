/**
 * Users not yet moved when their webhooks arrive: sync writes them to the target (without a
 * password), and a `migrate` run later from the day-one export (older than those changes) does not
 * write the older profile over the newer one, nor bring back a user deleted since; nor an
 * organization renamed or deleted since.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { migrate } from '../../src/app/migrate.js';
import { serve, type ServeHandle } from '../../src/app/serve.js';
import { verify } from '../../src/app/verify.js';
import type { ClerkSimulator } from '../../src/connectors/clerk/sim/backend-api.js';
import { startClerkSimulator } from '../../src/connectors/clerk/sim/backend-api.js';
import { deliver } from '../../src/connectors/clerk/sim/webhooks.js';
import { SqliteDriver } from '../../src/state/sqlite-driver.js';
import { SyncStore } from '../../src/state/sync/store.js';
import { SECRET_KEY, WEBHOOK_SECRET, clerkEnv, clerkSim, clerkUser, drained, tempDir } from './helpers.js';

describe('a later migrate from an older export keeps what sync applied', { timeout: 120_000 }, () => {
  const tmp = tempDir();
  const db = join(tmp.dir, 'auth.db');
  const state = join(tmp.dir, 'state.db');
  const dump = join(tmp.dir, 'day-one.json');
  const env = clerkEnv();
  let sim: ClerkSimulator | undefined;
  let gw: ServeHandle | undefined;
  after(async () => {
    await gw?.close();
    await sim?.close();
    tmp.remove();
  });

  it('sync first, migrate of the day-one export afterwards: the target still equals Clerk', async () => {
    const users = Array.from({ length: 5 }, (_, i) => clerkUser(i + 1));
    // The export taken on day one (the Backend API's shapes, as `flagless export --api` saves them).
    writeFileSync(dump, JSON.stringify({ users }));
    sim = await clerkSim(users);
    gw = await serve({ from: 'clerk', legacy: 'api', source: { apiUrl: sim.url }, target: { to: 'better-auth', db }, state, env, port: 0, logLevel: 'silent', sync: { onDelete: 'delete' } });
    sim.change.updateUser(users[0]!.id, { first_name: 'Renamed', public_metadata: { plan: 'pro' } });
    sim.change.deleteUser(users[1]!.id);
    for (const d of sim.outbox.splice(0)) assert.equal(await deliver(`${gw.url}/v1/sync/clerk`, d), 200);
    const driver = new SqliteDriver(state);
    try {
      const stats = await drained(await SyncStore.attach(driver));
      assert.equal(stats.quarantined, 0);
    } finally {
      await driver.close();
    }
    await gw.close();
    gw = undefined;

    const summary = await migrate({ source: { from: 'clerk', file: dump, env }, target: { to: 'better-auth', db, env }, state });
    assert.deepEqual(summary.quarantine, [], JSON.stringify(summary.quarantine));
    assert.equal(summary.fatal, undefined);
    const app = new Database(db, { readonly: true });
    try {
      const u1 = app.prepare('SELECT name, publicMetadata FROM user WHERE id = ?').get(users[0]!.id) as { name: string; publicMetadata: string };
      assert.equal(u1.name, 'Renamed Last1', "sync's newer name, not the export's");
      assert.deepEqual(JSON.parse(u1.publicMetadata), { plan: 'pro' });
      assert.equal(app.prepare('SELECT 1 FROM user WHERE id = ?').get(users[1]!.id), undefined, 'the user deleted at Clerk was not brought back');
    } finally {
      app.close();
    }
    const report = await verify({ source: { from: 'clerk', api: true, apiUrl: sim.url, env }, target: { to: 'better-auth', db, env } });
    assert.equal(report.counts.missing, 0, JSON.stringify(report.missing));
    assert.equal(report.counts.extra, 0, JSON.stringify(report.extra));
    assert.equal(report.counts.mismatches, 0, JSON.stringify(report.mismatches));
  });

  it('an organization renamed and one deleted by sync: a later migrate of the day-one export neither renames it back nor brings it back', async () => {
    await gw?.close();
    await sim?.close();
    const dir = tempDir();
    const orgDb = join(dir.dir, 'auth.db');
    const orgState = join(dir.dir, 'state.db');
    const orgDump = join(dir.dir, 'day-one.json');
    try {
      const users = Array.from({ length: 2 }, (_, i) => clerkUser(i + 11));
      const organizations = [
        { id: 'org_renamed', name: 'Old Name', slug: 'old-name' },
        { id: 'org_deleted', name: 'Deleted Co', slug: 'deleted-co' },
      ];
      const memberships = [
        { role: 'org:admin', organization: { id: 'org_renamed' }, public_user_data: { user_id: users[0]!.id } },
        { role: 'org:member', organization: { id: 'org_deleted' }, public_user_data: { user_id: users[1]!.id } },
      ];
      writeFileSync(orgDump, JSON.stringify({ users, organizations, memberships }));
      // Clerk as it is later: the organizations come and go through its webhooks.
      sim = await startClerkSimulator({ users }, { secretKey: SECRET_KEY, webhookSecret: WEBHOOK_SECRET });
      gw = await serve({ from: 'clerk', legacy: 'api', source: { apiUrl: sim.url }, target: { to: 'better-auth', db: orgDb }, state: orgState, env, port: 0, logLevel: 'silent', sync: { onDelete: 'delete' } });
      sim.change.createOrganization({ id: 'org_renamed', name: 'Old Name', slug: 'old-name' });
      sim.change.updateOrganization('org_renamed', { name: 'New Name' });
      sim.change.createOrganization({ id: 'org_deleted', name: 'Deleted Co', slug: 'deleted-co' });
      sim.change.deleteOrganization('org_deleted');
      for (const d of sim.outbox.splice(0)) assert.equal(await deliver(`${gw.url}/v1/sync/clerk`, d), 200);
      const driver = new SqliteDriver(orgState);
      try {
        const stats = await drained(await SyncStore.attach(driver));
        assert.equal(stats.quarantined, 0);
      } finally {
        await driver.close();
      }
      await gw.close();
      gw = undefined;

      const summary = await migrate({ source: { from: 'clerk', file: orgDump, env }, target: { to: 'better-auth', db: orgDb, env }, state: orgState });
      assert.deepEqual(summary.quarantine, [], JSON.stringify(summary.quarantine));
      const app = new Database(orgDb, { readonly: true });
      try {
        assert.equal((app.prepare('SELECT name FROM organization WHERE id = ?').get('org_renamed') as { name: string } | undefined)?.name, 'New Name', "sync's newer name, not the export's");
        assert.equal(app.prepare('SELECT 1 FROM organization WHERE id = ?').get('org_deleted'), undefined, 'the organization deleted at Clerk was not brought back');
        assert.equal(app.prepare('SELECT 1 FROM member WHERE organizationId = ?').get('org_deleted'), undefined, 'nor its memberships');
        assert.ok(app.prepare('SELECT 1 FROM member WHERE organizationId = ? AND userId = ?').get('org_renamed', users[0]!.id), 'the other membership moved');
      } finally {
        app.close();
      }
    } finally {
      dir.remove();
    }
  });
});
