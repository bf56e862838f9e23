/**
 * `serve --sync --reconcile-every`: a change whose webhook never arrives reaches the target at the
 * next scheduled listing of the source, through the gateway's own inbox and worker.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { migrate } from '../../src/app/migrate.js';
import { serve, type ServeHandle } from '../../src/app/serve.js';
import type { ClerkSimulator } from '../../src/connectors/clerk/sim/backend-api.js';
import { clerkEnv, clerkSim, clerkUser, tempDir } from './helpers.js';

describe('serve --reconcile-every', { timeout: 60_000 }, () => {
  const tmp = tempDir();
  let sim: ClerkSimulator | undefined;
  let gw: ServeHandle | undefined;
  after(async () => {
    await gw?.close();
    await sim?.close();
    tmp.remove();
  });

  it('applies a change whose webhook was lost at the next scheduled pass', async () => {
    const db = join(tmp.dir, 'auth.db');
    const state = join(tmp.dir, 'state.db');
    const env = clerkEnv();
    const users = [clerkUser(1), clerkUser(2)];
    sim = await clerkSim(users);
    await migrate({ source: { from: 'clerk', api: true, apiUrl: sim.url, env }, target: { to: 'better-auth', db, env }, state });
    gw = await serve({ from: 'clerk', legacy: 'api', source: { apiUrl: sim.url }, target: { to: 'better-auth', db }, state, env, port: 0, logLevel: 'silent', sync: { onDelete: 'delete', reconcileEveryMs: 300 } });
    sim.change.updateUser(users[0]!.id, { first_name: 'Scheduled' });
    sim.change.deleteUser(users[1]!.id);
    sim.outbox.splice(0); // never delivered
    const app = new Database(db, { readonly: true });
    try {
      const deadline = Date.now() + 30_000;
      for (;;) {
        const name = (app.prepare('SELECT name FROM user WHERE id = ?').get(users[0]!.id) as { name: string }).name;
        const gone = app.prepare('SELECT 1 FROM user WHERE id = ?').get(users[1]!.id) === undefined;
        if (name === 'Scheduled Last1' && gone) break;
        assert.ok(Date.now() < deadline, `not reconciled in 30 s (name: ${name}, deleted: ${gone})`);
        await new Promise((r) => setTimeout(r, 100));
      }
    } finally {
      app.close();
    }
  });
});
