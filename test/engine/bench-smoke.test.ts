import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FAULTS_10, runCase } from '../../bench/migrate.js';

/** The benchmark's smoke mode, so `npm run bench:migrate` cannot rot: small, seconds, same code path. */
test('bench:migrate --smoke: clean and 10% faults, nothing lost or doubled, the limit well used', async () => {
  const clean = await runCase({ name: 'clean', users: 200, rateLimit: 100, faults: '' });
  assert.equal(clean.usersCreated, 200);
  assert.equal(clean.quarantined + clean.pending + clean.duplicates, 0);
  // Two seconds of work pay start-up and share the CPU with other tests; the full run measures ≥ 0.95.
  assert.ok(clean.utilization >= 0.5, `utilization ${clean.utilization}`);
  assert.ok(clean.utilization <= 1.05, `over the limit: ${clean.utilization}`);

  const faulty = await runCase({ name: '10% faults', users: 200, rateLimit: 100, faults: FAULTS_10 });
  assert.equal(faulty.usersCreated, 200);
  assert.equal(faulty.quarantined + faulty.pending + faulty.duplicates, 0);
  assert.ok(faulty.acceptedWrites > 200, 'faults were injected and retried');
});
