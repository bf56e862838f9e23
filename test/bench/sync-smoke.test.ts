import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { describe, it } from 'node:test';

// The smoke run of `npm run bench:sync` (300 events into Better Auth, 200 into the WorkOS
// simulator at its write limit), so the benchmark cannot rot: every event applied exactly once,
// the target equal to Clerk, lag and utilization measured and within their goals.
describe('bench:sync --smoke', { timeout: 300_000 }, () => {
  it('applies a reordered, repeated webhook stream exactly once into Better Auth and WorkOS', () => {
    let out: string;
    try {
      out = execFileSync(process.execPath, ['dist/bench/sync.js', '--smoke'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (e) {
      const err = e as { stdout?: string; stderr?: string };
      assert.fail(`bench:sync --smoke failed:\n${err.stdout ?? ''}\n${(err.stderr ?? '').slice(-4000)}`);
    }
    const { results } = JSON.parse(out) as { results: { case: string; events: number; appliedOnce: boolean; duplicatesSent: number; duplicate: number; outOfOrder: number; lagP99Ms?: number; pass: boolean; workos?: { utilization: number } }[] };
    assert.deepEqual(results.map((r) => r.case), ['better-auth', 'workos']);
    for (const r of results) {
      assert.ok(r.appliedOnce, `${r.case}: every event applied exactly once`);
      assert.ok(r.duplicatesSent > 0 && r.duplicate >= r.duplicatesSent, `${r.case}: repeated deliveries were no-ops`);
      assert.ok(r.pass, `${r.case}: ${JSON.stringify(r)}`);
    }
    assert.ok((results[0]!.lagP99Ms ?? Infinity) < 2000);
    assert.ok((results[1]!.workos?.utilization ?? 0) >= 0.9);
  });
});
