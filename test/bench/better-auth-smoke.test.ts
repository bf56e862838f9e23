import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { describe, it } from 'node:test';

// The smoke run of `npm run bench:better-auth` (1,000 users, both databases when PostgreSQL is
// reachable), so the benchmark cannot rot: every row in place, nothing quarantined, sign-ins work.
describe('bench:better-auth --smoke', { timeout: 300_000 }, () => {
  it('measures migrate into Better Auth against plain batched INSERTs of the same rows', () => {
    const out = execFileSync(process.execPath, ['dist/bench/better-auth.js', '--smoke'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    const { results } = JSON.parse(out) as { results: { db: string; users: number; ratio: number; cpuRatio: number; flagless: { peakRssMb: number; usersPerSecond: number }; reference: { usersPerSecond: number } }[] };
    assert.ok(results.some((r) => r.db === 'sqlite'));
    for (const r of results) {
      assert.equal(r.users, 1000);
      assert.ok(r.ratio > 0 && r.cpuRatio > 0 && r.flagless.usersPerSecond > 0 && r.reference.usersPerSecond > 0);
      assert.ok(r.flagless.peakRssMb > 0 && r.flagless.peakRssMb < 1024);
    }
  });
});
