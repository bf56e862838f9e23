import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { parse } from 'csv-parse/sync';
import { WorkOS } from '@workos-inc/node';
import { generate, source as clerk } from '../../src/connectors/clerk/index.js';
import { target as workos } from '../../src/connectors/workos/index.js';
import { startWorkosSimulator } from '../../src/connectors/workos/sim/server.js';
import { migrate } from '../../src/engine/run.js';
import { readCredentials } from '../../src/engine/verify-logins.js';
import { verify } from '../../src/engine/verify.js';
import { SqliteStore } from '../../src/state/ledger/sqlite.js';
import { tempDir } from './fixtures.js';

const { dir, cleanup } = tempDir();
after(cleanup);

/**
 * WorkOS TOTP end to end: a generated Clerk export (about 6 % of the users with a password have a
 * TOTP secret) migrates into the simulator through the real connector while replies are lost after
 * the write was applied; every factor is enrolled exactly once, and `verify --logins` completes
 * each MFA sign-in with a code computed from the exported secret.
 */
describe('WorkOS: TOTP factors through migrate and verify --logins', () => {
  test('faults at every step: one factor per TOTP user, every login works, the MFA step answered', async () => {
    const file = join(dir, 'clerk.csv');
    const logins = join(dir, 'logins.csv');
    await generate({ users: 400, out: file, seed: 'workos-totp', plaintexts: logins, clean: true });
    const rows = parse(readFileSync(logins, 'utf8'), { columns: true }) as { identifier: string; totp_secret: string }[];
    const withTotp = rows.filter((r) => r.totp_secret !== '');
    assert.ok(withTotp.length >= 5, `the export has TOTP users with a known password (${withTotp.length})`);

    const sim = await startWorkosSimulator({ rateLimit: 0, readRateLimit: 0, loginsPerEmailPerMinute: 0, faults: '5xx=0.05,reset-after-commit=0.1', seed: 7 });
    const store = SqliteStore.open(join(dir, 'state.db'));
    try {
      const env = { WORKOS_API_KEY: sim.apiKey, WORKOS_CLIENT_ID: sim.clientId, WORKOS_TIMEOUT_MS: '3000' };
      const t = await workos.open({ env, url: sim.url });
      const s = await migrate({ source: clerk.open({ file }), runKey: 'totp', sourceFingerprint: 'totp', target: t, targetLabel: 'workos', store, concurrency: 4, rate: 1000 });
      assert.equal(s.users.quarantined, 0, JSON.stringify(s.users));
      assert.ok(sim.stats().faults['reset-after-commit'] > 0, 'replies were lost after writes were applied');
      sim.setFaults('');

      const sdk = new WorkOS(sim.apiKey, { apiHostname: '127.0.0.1', port: Number(new URL(sim.url).port), https: false });
      for (const r of withTotp) {
        const u = (await sdk.userManagement.listUsers({ email: r.identifier })).data[0];
        assert.ok(u, `${r.identifier} moved`);
        const factors = (await sdk.userManagement.listAuthFactors({ userId: u.id })).data;
        assert.equal(factors.length, 1, `${r.identifier}: exactly one factor`);
      }
      const report = await verify({ source: clerk.open({ file }), target: t, plan: { missingPassword: 'jit' }, credentials: readCredentials(logins), concurrency: 4, rate: 1000 });
      assert.equal(report.logins?.failedCount, 0, JSON.stringify(report.logins?.failed.slice(0, 5)));
      assert.equal(report.logins?.succeeded, rows.length);
      assert.ok(sim.stats().logins.succeeded >= rows.length);
    } finally {
      await store.close();
      await sim.stop();
    }
  });
});
