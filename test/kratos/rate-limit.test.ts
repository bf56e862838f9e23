import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { TARGET_MODULES } from '../../src/connectors/index.js';
import { startKratosSimulator } from '../../src/connectors/kratos/sim/server.js';
import { migrate } from '../../src/engine/run.js';
import { SqliteStore } from '../../src/state/ledger/sqlite.js';
import { makeFixture, memorySource, tempDir } from '../engine/fixtures.js';

/**
 * An Ory Network project stricter than flagless was told: the batches run into real 429s carrying
 * x-ratelimit-reset; the engine waits that long, sends the refused batch again (a 429 was not
 * applied), and every user lands exactly once.
 */
test('Kratos 429 with x-ratelimit-reset: honoured, nothing lost, nothing doubled', { timeout: 120_000 }, async () => {
  const sim = await startKratosSimulator({ adminToken: 'ory_pat_x', rateLimit: { perSecond: 1, perMinute: 400 }, bcryptCost: 4 });
  const { dir, cleanup } = tempDir();
  const store = SqliteStore.open(join(dir, 'state.db'));
  try {
    const target = await (await TARGET_MODULES.kratos!()).target.open({ env: { KRATOS_ADMIN_URL: sim.url, ORY_API_KEY: 'ory_pat_x' } });
    const f = makeFixture({ users: 2500, organizations: 0 });
    const s = await migrate({ source: memorySource(f), runKey: 'kratos-429', sourceFingerprint: 'memory', target, targetLabel: 'kratos-sim', store, rate: 100, concurrency: 4 });
    assert.equal(s.complete, true, JSON.stringify(s.quarantine));
    const stats = sim.stats();
    assert.ok(stats.rateLimited > 0, 'the server refused some batches');
    assert.equal(s.rateLimited, stats.rateLimited, 'every 429 was seen and handled by the engine');
    assert.equal(stats.identities, s.users.created);
    assert.equal(new Set([...sim.store.identities.values()].map((i) => i.external_id)).size, stats.identities);
    assert.equal(stats.statuses['409'] ?? 0, 0);
  } finally {
    await store.close();
    await sim.stop();
    cleanup();
  }
});
