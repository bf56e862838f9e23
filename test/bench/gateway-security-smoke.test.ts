/** `bench/gateway-security.ts` on a few samples: the timing table and the hash-bomb line run end to end and hold together. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatSecurityBench, runSecurityBench } from '../../bench/gateway-security.js';

describe('bench:gateway security part (smoke)', { timeout: 300_000 }, () => {
  it('measures the four kinds of failed login and other users beside a hammered cost bomb', async () => {
    const r = await runSecurityBench({ samples: 4, bombLogins: 8 });
    assert.equal(r.timing.samples, 4);
    const medians = Object.values(r.timing.medianMs);
    assert.equal(medians.length, 4);
    assert.ok(medians.every((m) => m > 0));
    assert.ok(Math.abs(r.timing.maxMedianDifferenceMs - (Math.max(...medians) - Math.min(...medians))) < 1e-9);
    const b = r.hashBomb;
    assert.equal(b.logins, 8);
    assert.ok(b.baselineP99Ms >= b.baselineP50Ms && b.bombP99Ms >= b.bombP50Ms);
    assert.ok(Math.abs(b.ratioP99 - b.bombP99Ms / b.baselineP99Ms) < 1e-9);
    assert.ok(b.bombAttempts >= 4, 'the bomb user was hammered');
    assert.ok(Object.keys(b.bombStatuses).every((s) => s === '401' || s === '503'), `every attempt on the bomb user fails, none signs in: ${JSON.stringify(b.bombStatuses)}`);
    const text = formatSecurityBench(r);
    assert.match(text, /largest difference of medians: +[\d.]+ ms \(goal < 10 ms\)/);
    assert.match(text, /hash-bomb: .* p99 ratio [\d.]+ \(goal ≤ 2\)/);
  });
});
