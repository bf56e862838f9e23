import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { WorkOS } from '@workos-inc/node';
import { finish, openFinishStore } from '../../src/app/finish.js';
import { status } from '../../src/app/status.js';
import { startWorkosSimulator, type WorkosSimulator } from '../../src/connectors/workos/sim/server.js';
import { SyncStore } from '../../src/state/sync/store.js';
import { tempDir } from '../engine/fixtures.js';

/**
 * A user the gateway moved at sign-in (no ledger run) whose password then changed at the legacy
 * provider: sync puts the gateway's flag back to legacy and keeps the target id. Their password at
 * the target is stale, so `finish` sends them the target's reset (reason
 * password-changed-at-legacy), once; status counts them until then.
 */
const { dir, cleanup } = tempDir();
after(cleanup);

describe('finish: users flagged back to legacy by sync', () => {
  let sim: WorkosSimulator;
  let env: Record<string, string>;
  before(async () => {
    sim = await startWorkosSimulator({ rateLimit: 0, readRateLimit: 0 });
    env = { WORKOS_API_URL: sim.url, WORKOS_API_KEY: sim.apiKey, WORKOS_CLIENT_ID: sim.clientId };
  });
  after(async () => sim?.stop());

  it('mails the stale user once (not one deleted at the source since); status counts the resets', async () => {
    const u = new URL(sim.url);
    const sdk = new WorkOS(sim.apiKey, { apiHostname: u.hostname, port: Number(u.port), https: false });
    const moved = await sdk.userManagement.createUser({ email: 'stale@example.com', password: 'Old-Passw0rd!' });
    const state = join(dir, 'state.db');
    const store = await openFinishStore(state);
    try {
      // As the gateway's markMigrated then sync's flagLegacy leave the row: legacy, target id kept.
      await store.driver.run(`INSERT INTO gateway_users (source_id, state, target_id, attempts, updated_at) VALUES ($1, 'legacy', $2, 1, $3)`, ['user_stale', moved.id, new Date().toISOString()]);
      // Another such user, since deleted at the legacy provider (sync's record of it): nobody to mail.
      const gone = await sdk.userManagement.createUser({ email: 'gone@example.com', password: 'Old-Passw0rd!' });
      await store.driver.run(`INSERT INTO gateway_users (source_id, state, target_id, attempts, updated_at) VALUES ($1, 'legacy', $2, 1, $3)`, ['user_gone', gone.id, new Date().toISOString()]);
      await SyncStore.attach(store.driver);
      await store.driver.run(`INSERT INTO sync_users (vendor, source_id, status, target_id, updated_at_ms) VALUES ('clerk', 'user_gone', 'deleted', $1, $2)`, [gone.id, Date.now()]);
    } finally {
      await store.close();
    }
    const before = await status({ state });
    assert.equal(before.checks.find((c) => c.name === 'users')!.state, 'unknown', 'no ledger: who is left is not known');

    const target = { to: 'workos', env };
    const first = await finish({ target, state });
    assert.deepEqual(first.entries.map((e) => [e.sourceId, e.reason, e.result, e.email]), [['user_stale', 'password-changed-at-legacy', 'sent', 'stale@example.com']]);
    assert.deepEqual(sim.outbox().map((m) => m.userId), [moved.id]);
    const again = await finish({ target, state });
    assert.equal(again.resets.alreadySent, 1);
    assert.equal(sim.outbox().length, 1);
    assert.deepEqual((await status({ state })).checks.find((c) => c.name === 'resets')!.counts, { sent: 1, unconfirmed: 0, failed: 0, planned: 0, skipped: 0 });
  });
});
