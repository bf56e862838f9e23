import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { TARGET_MODULES } from '../../src/connectors/index.js';
import { startWorkosSimulator } from '../../src/connectors/workos/sim/server.js';
import { migrate } from '../../src/engine/run.js';
import { SqliteStore } from '../../src/state/ledger/sqlite.js';
import { makeFixture, memorySource, tempDir } from './fixtures.js';

/**
 * The engine against the WorkOS simulator through the official SDK, when the server's limit is
 * below the one flagless was told (a plan with a lower limit, a shared API key): real 429s with
 * Retry-After, which the SDK does not retry. The bucket must pause, shrink, and settle near the
 * server's real rate, and lose nothing.
 */
test('a 429 storm from a stricter server: Retry-After honoured, rate shrinks to the server limit, nothing lost', async () => {
  const sim = await startWorkosSimulator({ rateLimit: 20, burst: 20, seed: 1 });
  const { dir, cleanup } = tempDir();
  const store = SqliteStore.open(join(dir, 'state.db'));
  try {
    const target = await (await TARGET_MODULES.workos!()).target.open({ env: { WORKOS_API_KEY: sim.apiKey }, url: sim.url });
    const f = makeFixture({ users: 100, organizations: 0 });
    const t0 = performance.now();
    const s = await migrate({ source: memorySource(f), runKey: 'storm', sourceFingerprint: 'memory', target, targetLabel: 'workos-sim', store, rate: 60, concurrency: 8 });
    const seconds = (performance.now() - t0) / 1000;
    const stats = sim.stats();
    assert.equal(s.complete, true, JSON.stringify(s.quarantine));
    assert.ok(stats.rateLimited > 0, 'the server did refuse requests');
    assert.equal(s.rateLimited, stats.rateLimited, 'every 429 was seen and handled by the engine');
    assert.equal(stats.users, 100);
    assert.equal(new Set(sim.users().map((u) => u.external_id)).size, 100);
    // The writes the server accepted ran close to its limit (20/s) once the bucket adapted.
    const achieved = stats.acceptedWrites / seconds;
    assert.ok(achieved >= 20 * 0.75 && achieved <= 20 * 1.3, `accepted ${achieved.toFixed(1)} writes/s against a 20/s limit`);
    // And the storm stayed small: the bucket slowed down instead of hammering.
    assert.ok(stats.rateLimited < stats.acceptedWrites * 0.2, `${stats.rateLimited} 429s for ${stats.acceptedWrites} writes`);
  } finally {
    await store.close();
    await sim.stop();
    cleanup();
  }
});
