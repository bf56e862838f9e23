import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { WorkOS } from '@workos-inc/node';
import { parseFaultSpec, pickFault, seededRandom } from './faults.js';
import { TokenBucket } from './limits.js';
import { startWorkosSimulator, type WorkosSimulator } from './server.js';

function sdkFor(sim: WorkosSimulator, timeout?: number): WorkOS {
  const u = new URL(sim.url);
  return new WorkOS(sim.apiKey, { apiHostname: u.hostname, port: Number(u.port), https: false, clientId: sim.clientId, ...(timeout ? { timeout } : {}) });
}

async function rejection(p: Promise<unknown>): Promise<Record<string, any>> {
  try {
    await p;
  } catch (e) {
    return e as Record<string, any>;
  }
  assert.fail('expected the call to fail');
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('fault spec', () => {
  it('parses kinds, probabilities and latency (fixed or a range)', () => {
    const s = parseFaultSpec('5xx=0.1, timeout=0.02,reset=0.02,reset-after-commit=0.01,latency=20ms');
    assert.deepEqual(s.rates, { '5xx': 0.1, timeout: 0.02, reset: 0.02, 'reset-after-commit': 0.01 });
    assert.deepEqual(s.latencyMs, { min: 20, max: 20 });
    assert.deepEqual(parseFaultSpec('latency=5-40ms').latencyMs, { min: 5, max: 40 });
    assert.deepEqual(parseFaultSpec('latency=1s').latencyMs, { min: 1000, max: 1000 });
    assert.deepEqual(parseFaultSpec('').rates, {});
  });

  it('rejects unknown kinds, bad numbers and probabilities over 1 in total', () => {
    assert.throws(() => parseFaultSpec('4xx=0.1'), /unknown fault "4xx"/);
    assert.throws(() => parseFaultSpec('5xx=2'), /between 0 and 1/);
    assert.throws(() => parseFaultSpec('5xx'), /needs a value/);
    assert.throws(() => parseFaultSpec('5xx=0.6,reset=0.6'), /more than 1/);
    assert.throws(() => parseFaultSpec('latency=fast'), /bad duration/);
  });

  it('draws each kind at its rate (seeded)', () => {
    const spec = parseFaultSpec('5xx=0.1,reset=0.05');
    const random = seededRandom(42);
    const counts: Record<string, number> = {};
    for (let i = 0; i < 20_000; i++) {
      const k = pickFault(spec, random) ?? 'none';
      counts[k] = (counts[k] ?? 0) + 1;
    }
    assert.ok(Math.abs(counts['5xx']! / 20_000 - 0.1) < 0.01, `5xx ${counts['5xx']}`);
    assert.ok(Math.abs(counts.reset! / 20_000 - 0.05) < 0.01, `reset ${counts.reset}`);
  });
});

describe('rate limits', () => {
  it('token bucket: burst, then the configured rate, with a whole-second Retry-After', () => {
    let now = 0;
    const b = new TokenBucket(10, 3, () => now);
    assert.ok(b.take().ok && b.take().ok && b.take().ok);
    const no = b.take();
    assert.equal(no.ok, false);
    assert.equal(no.retryAfterSeconds, 1);
    now += 100;
    assert.ok(b.take().ok, 'one token refills in 100 ms at 10/s');
    assert.equal(b.take().ok, false);
  });

  it('defaults to the documented limits: 50 writes/s with a 10-second burst (500), 100 reads/s', async () => {
    const sim = await startWorkosSimulator();
    try {
      assert.deepEqual(
        { rate: sim.stats().config.rateLimit, burst: sim.stats().config.burst, reads: sim.stats().config.readRateLimit },
        { rate: 50, burst: 500, reads: 100 },
      );
    } finally {
      await sim.stop();
    }
  });

  it('a full burst passes at once, the next write gets 429 with Retry-After and a JSON body, and nothing is applied', async () => {
    // A refill rate so slow that a loaded machine cannot blur the burst edge (one token per 20 s).
    const sim = await startWorkosSimulator({ rateLimit: 0.05, burst: 30, readRateLimit: 0 });
    try {
      const w = sdkFor(sim);
      const results = await Promise.allSettled(Array.from({ length: 31 }, (_, i) => w.userManagement.createUser({ email: `burst${i}@example.com` })));
      const rejected = results.filter((r) => r.status === 'rejected') as PromiseRejectedResult[];
      assert.equal(rejected.length, 1);
      const e = rejected[0]!.reason;
      assert.equal(e.name, 'RateLimitExceededException');
      assert.equal(e.status, 429);
      assert.ok(Number.isInteger(e.retryAfter) && e.retryAfter >= 1 && e.retryAfter <= 20, `retryAfter ${e.retryAfter}`);
      const res = await fetch(`${sim.url}/user_management/users`, {
        method: 'POST',
        headers: { authorization: `Bearer ${sim.apiKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ email: 'more@example.com' }),
      });
      assert.equal(res.status, 429);
      assert.match(res.headers.get('retry-after') ?? '', /^[1-9][0-9]*$/);
      assert.equal(((await res.json()) as { code: string }).code, 'rate_limit_exceeded');
      assert.equal(sim.stats().users, 30, 'a 429 applies nothing');
      assert.equal(sim.stats().rateLimited, 2);
      // Reads have their own bucket: still served.
      assert.equal((await w.userManagement.listUsers({ limit: 1 })).data.length, 1);
    } finally {
      await sim.stop();
    }
  });

  it('accepted writes per second match the configured limit under pressure, and never exceed it', async () => {
    // A rate low enough that even a loaded 2-core machine can push harder than it.
    const rate = 12;
    const burst = 12;
    const sim = await startWorkosSimulator({ rateLimit: rate, burst, readRateLimit: 0 });
    try {
      const w = sdkFor(sim);
      const started = performance.now();
      const durationMs = 4000;
      let n = 0;
      const worker = async () => {
        while (performance.now() - started < durationMs) {
          try {
            await w.userManagement.createUser({ email: `rate${n++}@example.com` });
          } catch (e) {
            if ((e as { name?: string }).name !== 'RateLimitExceededException') throw e;
            await sleep(10);
          }
        }
      };
      await Promise.all(Array.from({ length: 6 }, worker));
      const seconds = (performance.now() - started) / 1000;
      const s = sim.stats();
      const achieved = (s.acceptedWrites - burst) / seconds;
      console.log(`rate limit ${rate}/s (burst ${burst}): ${s.acceptedWrites} writes accepted in ${seconds.toFixed(2)} s → ${achieved.toFixed(1)}/s after the burst (utilization ${(achieved / rate).toFixed(3)}); ${s.rateLimited} × 429 of ${s.writes}`);
      assert.ok(s.rateLimited > 0, 'the client pushed harder than the limit');
      assert.ok(s.acceptedWrites <= burst + rate * seconds + 1, 'the bucket never lets more through than burst + rate × time');
      assert.ok(achieved > rate * 0.85, `achieved ${achieved}/s`);
      assert.equal(s.users, s.acceptedWrites, 'every accepted write was applied');
    } finally {
      await sim.stop();
    }
  });
});

describe('faults, each kind on its own (probability 1)', () => {
  async function withFault(spec: string, fn: (sim: WorkosSimulator) => Promise<void>) {
    const sim = await startWorkosSimulator({ rateLimit: 0, readRateLimit: 0, faults: spec, seed: 7, timeoutHoldMs: 5_000 });
    try {
      await fn(sim);
    } finally {
      await sim.stop();
    }
  }

  it('5xx: 500/503 JSON or a 502 HTML page; the write is not applied', () =>
    withFault('5xx=1', async (sim) => {
      const seen = new Set<string>();
      for (let i = 0; i < 12; i++) {
        const e = await rejection(sdkFor(sim).userManagement.createUser({ email: `f${i}@example.com` }));
        // A 502 HTML page: the SDK raises ParseError inside and rethrows it wrapped ("Unexpected error: ParseError…").
        seen.add(e.cause?.name === 'ParseError' ? `ParseError:${e.cause.rawStatus}` : `${e.name}:${e.status}`);
      }
      assert.deepEqual([...seen].sort(), ['GenericServerException:500', 'GenericServerException:503', 'ParseError:502']);
      assert.equal(sim.stats().users, 0);
      assert.equal(sim.stats().writesApplied, 0);
      assert.equal(sim.stats().faults['5xx'], 12);
    }));

  it('5xx-after-commit: the client sees a 5xx but the user exists', () =>
    withFault('5xx-after-commit=1', async (sim) => {
      await rejection(sdkFor(sim).userManagement.createUser({ email: 'ghost@example.com' }));
      assert.deepEqual(sim.users().map((u) => u.email), ['ghost@example.com']);
    }));

  it('timeout: no answer until the client gives up (SDK: OauthException 408); nothing applied', () =>
    withFault('timeout=1', async (sim) => {
      const started = performance.now();
      const e = await rejection(sdkFor(sim, 300).userManagement.createUser({ email: 't@example.com' }));
      assert.equal(e.name, 'OauthException');
      assert.equal(e.status, 408);
      assert.ok(performance.now() - started >= 290);
      assert.equal(sim.stats().users, 0);
    }));

  it('timeout-after-commit: the client times out, the user exists', () =>
    withFault('timeout-after-commit=1', async (sim) => {
      const e = await rejection(sdkFor(sim, 300).userManagement.createUser({ email: 't2@example.com' }));
      assert.equal(e.status, 408);
      assert.equal(sim.stats().users, 1);
    }));

  it('reset: the connection drops (fetch failed); nothing applied', () =>
    withFault('reset=1', async (sim) => {
      const e = await rejection(sdkFor(sim).userManagement.createUser({ email: 'r@example.com' }));
      assert.match(String(e.message), /^Unexpected error: TypeError: fetch failed/);
      assert.equal(sim.stats().users, 0);
      assert.equal(sim.stats().faults.reset, 1);
    }));

  it('reset-after-commit: the connection drops after the write was applied', () =>
    withFault('reset-after-commit=1', async (sim) => {
      const e = await rejection(sdkFor(sim).userManagement.createUser({ email: 'r2@example.com' }));
      assert.match(String(e.message), /fetch failed/);
      assert.deepEqual(sim.users().map((u) => u.email), ['r2@example.com']);
    }));

  it('latency delays every request; faults can be changed at runtime through /_sim/config', () =>
    withFault('latency=120ms', async (sim) => {
      const started = performance.now();
      await sdkFor(sim).userManagement.listUsers();
      assert.ok(performance.now() - started >= 115);
      const res = await fetch(`${sim.url}/_sim/config`, { method: 'POST', body: JSON.stringify({ faults: '5xx=1' }) });
      assert.equal(((await res.json()) as { faults: string }).faults, '5xx=1');
      const e = await rejection(sdkFor(sim).userManagement.listUsers());
      assert.ok(e.name === 'GenericServerException' || e.cause?.name === 'ParseError', String(e.name));
      const stats = (await (await fetch(`${sim.url}/_sim/stats`)).json()) as { faults: Record<string, number>; requests: number };
      assert.equal(stats.faults['5xx'], 1);
      assert.equal(stats.requests, 2);
    }));

  it('mixed faults at a rate: every request either succeeds or fails visibly, and the counts add up', () =>
    withFault('5xx=0.2,reset=0.1,5xx-after-commit=0.1', async (sim) => {
      const w = sdkFor(sim);
      let ok = 0;
      let failed = 0;
      for (let i = 0; i < 200; i++) {
        try {
          await w.userManagement.createUser({ email: `m${i}@example.com` });
          ok++;
        } catch {
          failed++;
        }
      }
      const s = sim.stats();
      const faults = s.faults['5xx'] + s.faults.reset + s.faults['5xx-after-commit'];
      assert.equal(failed, faults);
      assert.equal(s.users, ok + s.faults['5xx-after-commit']);
      assert.ok(faults > 50 && faults < 110, `faults ${faults} of 200 at 40%`);
    }));
});
