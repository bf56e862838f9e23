import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runKratosBench } from '../../bench/kratos.js';

/** The benchmark's smoke mode, so `npm run bench:kratos` cannot rot: 2,000 users, same code path. */
test('bench:kratos --smoke: every case lands every identity in 1,000-identity batches; sign-ins work', { timeout: 5 * 60_000 }, async () => {
  const r = await runKratosBench({ users: 2000, rounds: 1, concurrency: 4, sim: 'process' });
  assert.deepEqual(r.cases.map((c) => c.name).sort(), ['bare', 'flagless', 'ory-network']);
  for (const c of r.cases) {
    assert.equal(c.identities, 2000, `${c.name}: every identity created`);
    assert.equal(c.quarantined, 0);
    assert.equal(c.requests - c.rateLimited, 2, `${c.name}: two accepted PATCH requests of 1,000`);
  }
  assert.deepEqual(r.signIns, { tried: 6, succeeded: 6 });
  assert.equal(r.oryNetwork.limitUsersPerSecond, 6667);
  // 2,000 users are a fraction of a second of work next to start-up costs: the full run measures the ratios.
  assert.ok(r.selfHosted.ratio > 0.1 && r.oryNetwork.utilization > 0.02, JSON.stringify(r));
});
