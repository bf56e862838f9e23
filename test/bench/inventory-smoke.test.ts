import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { describe, it } from 'node:test';

// The smoke run of `npm run bench:inventory` (200 files), so the benchmark cannot rot.
describe('bench:inventory --smoke', { timeout: 180_000 }, () => {
  it('inventories a generated app in both listing modes and finds every generated use', () => {
    const out = execFileSync(process.execPath, ['dist/bench/inventory.js', '--smoke'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    const doc = JSON.parse(out) as { files: number; results: { mode: string; files: number; parsed: number; uses: number; wallSeconds: number; cpuSeconds: number }[] };
    assert.equal(doc.files, 200);
    assert.deepEqual(doc.results.map((r) => r.mode), ['walk', 'git']);
    for (const r of doc.results) {
      assert.equal(r.files, 200);
      // 40 provider files with 3 uses each (the bench itself throws when a count is off).
      assert.equal(r.uses, 120);
      assert.ok(r.parsed >= 40 && r.parsed < 200, `parsed ${r.parsed}`);
      assert.ok(r.wallSeconds > 0 && r.cpuSeconds > 0);
    }
  });
});
