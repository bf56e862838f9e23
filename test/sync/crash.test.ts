/**
 * kill -9 of `flagless serve --sync` while Clerk's webhooks arrive, then a restart on the same
 * state while Svix keeps retrying what was not answered 2xx: every event answered 2xx before the
 * kill is in the inbox after it, every event is applied exactly once, and the target ends equal
 * to Clerk (no user twice, none missing, the deleted ones gone).
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { migrate } from '../../src/app/migrate.js';
import { verify } from '../../src/app/verify.js';
import type { ClerkSimulator } from '../../src/connectors/clerk/sim/backend-api.js';
import { WebhookSigner, deliver, type SignedDelivery } from '../../src/connectors/clerk/sim/webhooks.js';
import { SqliteDriver } from '../../src/state/sqlite-driver.js';
import { SyncStore } from '../../src/state/sync/store.js';
import { serveUrl, stopChild } from '../helpers/processes.js';
import { WEBHOOK_SECRET, clerkEnv, clerkSim, clerkUser, drained, tempDir } from './helpers.js';

const BIN = join(process.cwd(), 'bin/flagless.js');

describe('a gateway killed while webhooks arrive loses and doubles nothing', { timeout: 180_000 }, () => {
  const tmp = tempDir();
  const db = join(tmp.dir, 'auth.db');
  const state = join(tmp.dir, 'state.db');
  const env = clerkEnv();
  let sim: ClerkSimulator | undefined;
  let child: ChildProcess | undefined;
  after(async () => {
    await stopChild(child, 'SIGKILL');
    await sim?.close();
    tmp.remove();
  });

  async function start(): Promise<{ child: ChildProcess; url: string }> {
    const c = spawn(
      process.execPath,
      [BIN, 'serve', '--from', 'clerk', '--legacy', 'api', '--source-url', sim!.url, '--to', 'better-auth', '--db', db, '--state', state, '--sync', '--port', '0', '--json', '--quiet', '--log-level', 'silent'],
      { env: { ...process.env, ...env, FLAGLESS_GATEWAY_TOKEN: '' }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const { url } = await serveUrl(c, 60_000);
    return { child: c, url };
  }

  it('kill -9 mid-stream, restart, Svix retries: all applied once, target equals Clerk', async () => {
    const users = Array.from({ length: 30 }, (_, i) => clerkUser(i + 1));
    sim = await clerkSim(users, [{ id: 'org_acme', name: 'Acme' }]);
    await migrate({ source: { from: 'clerk', api: true, apiUrl: sim.url, env }, target: { to: 'better-auth', db, env }, state });
    // The changes made at Clerk during the window: new users, renames, deletions, memberships.
    for (let i = 0; i < 40; i++) sim.change.createUser(clerkUser(200 + i));
    for (let i = 0; i < 30; i++) sim.change.updateUser(users[i]!.id, { first_name: `Renamed${i}`, public_metadata: { round: 1 } });
    for (let i = 0; i < 10; i++) sim.change.deleteUser(users[i]!.id);
    for (let i = 10; i < 30; i++) sim.change.setMembership(users[i]!.id, 'org_acme', i % 2 ? 'org:admin' : 'org:member');
    for (let i = 0; i < 20; i++) sim.change.updateUser(`user_sync${String(200 + i).padStart(4, '0')}`, { last_name: `Later${i}` });
    const events: SignedDelivery[] = sim.outbox.splice(0);
    assert.equal(events.length, 120);

    const signer = new WebhookSigner(WEBHOOK_SECRET);
    let running = await start();
    child = running.child;
    const acknowledged = new Set<string>();
    let url = running.url;
    // Four senders, as Svix sends in parallel; the gateway is killed once a third was answered.
    const queue = [...events];
    let killed = false;
    const sender = async () => {
      for (let d = queue.shift(); d; d = queue.shift()) {
        const status = await deliver(`${url}/v1/sync/clerk`, signer.resign(d)).catch(() => 0);
        if (status === 200) acknowledged.add(d.id);
        if (!killed && acknowledged.size >= 40) {
          killed = true;
          const exited = once(running.child, 'exit');
          running.child.kill('SIGKILL');
          await exited;
        }
      }
    };
    await Promise.all([sender(), sender(), sender(), sender()]);
    assert.ok(killed, 'the gateway was killed mid-stream');
    assert.ok(acknowledged.size < events.length, 'some deliveries failed with the gateway dead');

    // What was answered 2xx survived the kill.
    {
      const driver = new SqliteDriver(state);
      const store = await SyncStore.attach(driver);
      const stored = new Set((await store.all()).map((r) => r.id.replace(/^clerk:/, '')));
      await driver.close();
      for (const id of acknowledged) assert.ok(stored.has(id), `event ${id}, answered 2xx, is in the inbox after kill -9`);
    }

    running = await start();
    child = running.child;
    url = running.url;
    // Svix retries every delivery not answered 2xx; and, as it may, some that were (a lost answer).
    const retries = events.filter((d, i) => !acknowledged.has(d.id) || i % 5 === 0);
    for (const d of retries) assert.equal(await deliver(`${url}/v1/sync/clerk`, signer.resign(d)), 200);

    const driver = new SqliteDriver(state);
    const store = await SyncStore.attach(driver);
    try {
      const stats = await drained(store, 60_000);
      assert.equal(stats.quarantined, 0, JSON.stringify(await store.quarantined()));
      const rows = await store.all();
      assert.equal(rows.length, events.length, 'one inbox row per event');
      for (const r of rows) assert.equal(r.applications, 1, `${r.type} ${r.subject} applied exactly once`);
      assert.ok(stats.duplicate >= retries.filter((d) => acknowledged.has(d.id)).length);
    } finally {
      await driver.close();
    }
    await stopChild(running.child);

    const report = await verify({ source: { from: 'clerk', api: true, apiUrl: sim.url, env }, target: { to: 'better-auth', db, env } });
    assert.equal(report.counts.missing, 0, JSON.stringify(report.missing));
    assert.equal(report.counts.duplicates, 0);
    assert.equal(report.counts.extra, 0, JSON.stringify(report.extra));
    assert.equal(report.counts.mismatches, 0, JSON.stringify(report.mismatches.slice(0, 5)));
    assert.equal(report.counts.missingMemberships, 0, JSON.stringify(report.missingMemberships.slice(0, 5)));
    assert.equal(report.users.target, 30 - 10 + 40);
  });
});
