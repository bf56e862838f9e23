import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { describe, it } from 'node:test';

// The smoke run of `npm run bench:assess` (2,000 users per export), so the benchmark cannot rot.
describe('bench:assess --smoke', { timeout: 180_000 }, () => {
  it('measures assess against the bare reader for Clerk and Auth0', () => {
    const out = execFileSync(process.execPath, ['dist/bench/assess.js', '--smoke'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    const { results } = JSON.parse(out) as { results: { vendor: string; input: string; threads: number; users: number; ratio: number; assessPeakRssMb: number; floorUsersPerSec: number; assessUsersPerSec: number }[] };
    // Auth0 alone twice: with the threads assess picks (one, for so small a file) and with one.
    assert.deepEqual(results.map((r) => `${r.vendor} ${r.input} ${r.threads}`), ['clerk csv 1', 'auth0 ndjson 1', 'auth0 ndjson 1', 'auth0 ndjson + passwords 1']);
    for (const r of results) {
      assert.equal(r.users, 2000);
      assert.ok(r.ratio > 0 && r.floorUsersPerSec > 0 && r.assessUsersPerSec > 0);
      assert.ok(r.assessPeakRssMb > 0 && r.assessPeakRssMb < 512);
    }
  });
});
