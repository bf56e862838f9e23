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

test('bench:migrate --smoke, organizations and memberships on one budget: every record once, no read spent per membership', async () => {
  const r = await runCase({ name: 'orgs', users: 200, organizations: 4, rateLimit: 200, faults: '', sharedBudget: true });
  assert.equal(r.usersCreated, 200);
  assert.equal(r.organizationsCreated, 4);
  assert.equal(r.membershipsCreated, 200);
  assert.equal(r.quarantined + r.pending + r.duplicates, 0);
  assert.equal(r.rateLimited, 0, 'reads and writes together stayed within the one budget');
  // A first run needs no read before a user or membership create: only the organizations are looked up
  // (by external id, and the name index once). Before, every membership cost a read.
  assert.ok(r.acceptedReads <= 2 * 4 + 2, `reads: ${r.acceptedReads}`);
});

test('bench:migrate --smoke, three workers on one PostgreSQL ledger: they share the one budget instead of each taking it whole', async () => {
  // A one-second burst makes the limit bite within the smoke's few seconds (the full run has WorkOS's ten).
  const r = await runCase({ name: 'workers', users: 600, rateLimit: 100, burst: 100, faults: '', sharedBudget: true, workers: 3 });
  assert.equal(r.usersCreated, 600);
  assert.equal(r.quarantined + r.pending + r.duplicates, 0, 'every user exactly once');
  assert.ok(r.rateLimitedShare < 0.01, `429s were ${(r.rateLimitedShare * 100).toFixed(2)} % of requests`);
});
