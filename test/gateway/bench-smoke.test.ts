/** `bench/gateway.ts --smoke`: the benchmark runs end to end on a handful of users and its numbers hold together. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatGatewayBench, runGatewayBench } from '../../bench/gateway.js';

describe('bench:gateway --smoke', { timeout: 180_000 }, () => {
  it('measures raw bcrypt, JIT logins in both password modes and the added latency of a routed login', async () => {
    const r = await runGatewayBench({ users: 6, concurrency: 3, pairs: 5, aloneRequests: 30 });
    assert.equal(r.users, 6);
    assert.ok(r.rawBcryptPerSec > 0);
    for (const mode of ['native', 'import-hash'] as const) {
      assert.ok(r.jit[mode].loginsPerSec > 0, mode);
      assert.ok(Math.abs(r.jit[mode].ratio - r.jit[mode].loginsPerSec / r.rawBcryptPerSec) < 1e-9);
    }
    assert.ok(r.jit['import-hash'].loginsPerSec > r.jit.native.loginsPerSec, 'one slow hash per first login is faster than two');
    const m = r.migrated;
    assert.equal(m.pairs, 5);
    assert.ok(m.routedP99Ms >= m.routedP50Ms && m.directP99Ms >= m.directP50Ms);
    assert.ok(m.overheadP50Ms > 0 && m.overheadP99Ms >= m.overheadP50Ms && m.overheadP99Ms < m.routedP99Ms);
    // The gateway alone answers far faster than a real sign-in (no slow hash inside).
    assert.equal(r.gatewayAlone.requests, 30);
    assert.ok(r.gatewayAlone.p50Ms > 0 && r.gatewayAlone.p99Ms >= r.gatewayAlone.p90Ms && r.gatewayAlone.p90Ms >= r.gatewayAlone.p50Ms);
    assert.ok(r.gatewayAlone.p50Ms < m.directP50Ms, `${r.gatewayAlone.p50Ms} ms alone vs ${m.directP50Ms} ms at the target`);
    assert.match(formatGatewayBench(r), /import-hash: +[\d.]+\/s {2}ratio [\d.]+/);
    assert.match(formatGatewayBench(r), /the gateway alone \(instant target, 30 routed logins\): p50 [\d.]+ ms/);
  });
});
