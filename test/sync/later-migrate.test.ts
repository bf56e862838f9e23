/**
 * Users not yet moved when their webhooks arrive: sync writes them to the target (without a
 * password), and a `migrate` run later from the day-one export (older than those changes) does not
 * write the older profile over the newer one, nor bring back a user deleted since.
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
import { deliver } from '../../src/connectors/clerk/sim/webhooks.js';
import { SqliteDriver } from '../../src/state/sqlite-driver.js';
import { SyncStore } from '../../src/state/sync/store.js';
import { clerkEnv, clerkSim, clerkUser, drained, tempDir } from './helpers.js';

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
});
