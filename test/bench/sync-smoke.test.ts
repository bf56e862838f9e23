import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { describe, it } from 'node:test';

// The smoke run of `npm run bench:sync` (300 events into Better Auth, 200 into the WorkOS
// simulator at its write limit), so the benchmark cannot rot: every event applied exactly once,
// the target equal to Clerk, lag and utilization measured. The goals (lag p99 < 2 s, utilization
// ≥ 0.9) are the full run's pass condition, measured on a quiet machine (bench/README.md); a
// smoke run on a shared machine checks correctness only.
describe('bench:sync --smoke', { timeout: 300_000 }, () => {
  it('applies a reordered, repeated webhook stream exactly once into Better Auth and WorkOS', () => {
    let out: string;
    try {
      out = execFileSync(process.execPath, ['dist/bench/sync.js', '--smoke'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (e) {
      // Exit 1 when a goal is missed: the document is still on stdout.
      const err = e as { status?: number; stdout?: string; stderr?: string };
      if (err.status !== 1 || !err.stdout) assert.fail(`bench:sync --smoke failed:\n${err.stdout ?? ''}\n${(err.stderr ?? '').slice(-4000)}`);
      out = err.stdout;
    }
    type Verify = { missing: number; extra: number; mismatches: number; missingMemberships: number; duplicates: number };
    const { results } = JSON.parse(out) as {
      results: { case: string; events: number; inboxRows: number; appliedOnce: boolean; quarantined: number; duplicatesSent: number; duplicate: number; reorderedSent: number; lagP99Ms?: number; verify: Verify; workos?: { utilization: number; writesApplied: number } }[];
    };
    assert.deepEqual(results.map((r) => r.case), ['better-auth', 'workos']);
    for (const r of results) {
      assert.equal(r.inboxRows, r.events, `${r.case}: one inbox row per event`);
      assert.ok(r.appliedOnce, `${r.case}: every event applied exactly once`);
      assert.equal(r.quarantined, 0);
      assert.ok(r.duplicatesSent > 0 && r.duplicate >= r.duplicatesSent, `${r.case}: repeated deliveries were no-ops`);
      assert.ok(r.reorderedSent > 0);
      assert.deepEqual(r.verify, { missing: 0, extra: 0, mismatches: 0, missingMemberships: 0, duplicates: 0 }, `${r.case}: the target equals Clerk`);
      assert.ok(r.lagP99Ms !== undefined && r.lagP99Ms >= 0, 'lag measured');
    }
    assert.ok((results[1]!.workos?.writesApplied ?? 0) > 0 && (results[1]!.workos?.utilization ?? 0) > 0, 'utilization measured');
  });
});
