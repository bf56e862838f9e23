import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { AbortedError, Semaphore } from '../../src/engine/concurrency.js';
import { TokenBucket } from '../../src/engine/rate-limit.js';
import { RecordFailure, Requester } from '../../src/engine/request.js';
import { backoffMs } from '../../src/lib/backoff.js';
import { classify, FatalRunError } from '../../src/engine/retry.js';
import { FlaglessError } from '../../src/protocol/errors.js';
import { FakeTarget, resetError } from './fake-target.js';

describe('token bucket', () => {
  test('achieved rate under saturation is within 5% of the limit, and never above it', async () => {
    const rate = 200;
    const bucket = new TokenBucket({ rate });
    const grants: number[] = [];
    const t0 = performance.now();
    const until = t0 + 2000;
    // 30 callers hammering the bucket: all share it.
    await Promise.all(
      Array.from({ length: 30 }, async () => {
        while (performance.now() < until) {
          await bucket.acquire();
          grants.push(performance.now());
        }
      }),
    );
    bucket.close();
    const span = (grants[grants.length - 1]! - grants[0]!) / 1000;
    const achieved = (grants.length - 1) / span;
    assert.ok(achieved / rate >= 0.95, `achieved ${achieved.toFixed(1)}/s of ${rate}/s`);
    assert.ok(achieved / rate <= 1.02, `achieved ${achieved.toFixed(1)}/s exceeds ${rate}/s`);
    // No window of one second ever saw more than the rate plus the small burst.
    for (let i = 0, j = 0; i < grants.length; i++) {
      while (grants[i]! - grants[j]! > 1000) j++;
      assert.ok(i - j + 1 <= rate + bucket.burst + 1, `window at ${i} had ${i - j + 1} grants`);
    }
  });

  test('waiters are released one by one at the rate, not all together', async () => {
    const bucket = new TokenBucket({ rate: 20, burst: 1 });
    await bucket.acquire(); // spend the initial token
    const times: number[] = [];
    await Promise.all(Array.from({ length: 5 }, () => bucket.acquire().then(() => times.push(performance.now()))));
    bucket.close();
    for (let i = 1; i < times.length; i++) assert.ok(times[i]! - times[i - 1]! >= 40, `gap ${times[i]! - times[i - 1]!}ms`);
  });

  test('Retry-After pauses the whole bucket for every caller', async () => {
    const bucket = new TokenBucket({ rate: 1000 });
    await bucket.acquire();
    const t0 = performance.now();
    bucket.rateLimited(0.3);
    await Promise.all([bucket.acquire(), bucket.acquire(), bucket.acquire()]);
    const waited = performance.now() - t0;
    bucket.close();
    assert.ok(waited >= 295, `waited only ${waited}ms`);
    assert.equal(bucket.stats.rateLimited, 1);
  });

  test('a burst of 429s shrinks the rate (AIMD) and quiet time grows it back to the ceiling', () => {
    let now = 0;
    const bucket = new TokenBucket({ rate: 100, now: () => now });
    bucket.rateLimited(0);
    bucket.rateLimited(0);
    assert.equal(bucket.rate, 100, 'two 429s are not a burst');
    bucket.rateLimited(0);
    assert.equal(bucket.rate, 70);
    bucket.rateLimited(0);
    assert.equal(bucket.rate, 70, 'one decrease per burst window');
    now += 1500;
    for (let i = 0; i < 3; i++) bucket.rateLimited(0);
    assert.equal(bucket.rate, 49);
    // Additive increase: 5% of the ceiling per quiet second.
    for (let s = 0; s < 20; s++) {
      now += 1000;
      void bucket.acquire();
    }
    bucket.close();
    assert.equal(bucket.rate, 100);
  });

  test('setCeiling: the share follows the worker count both ways; a rate slowed by 429s only falls', () => {
    let now = 0;
    const bucket = new TokenBucket({ rate: 90, now: () => now });
    bucket.setCeiling(30);
    assert.equal(bucket.ceiling, 30);
    assert.equal(bucket.rate, 30);
    bucket.setCeiling(45);
    assert.equal(bucket.rate, 45, 'at its ceiling, the rate follows the share up');
    for (let i = 0; i < 3; i++) bucket.rateLimited(0);
    const slowed = bucket.rate;
    assert.ok(slowed < 45);
    bucket.setCeiling(90);
    assert.equal(bucket.rate, slowed, 'slowed by 429s: it grows back additively, not at once');
    now += 5000;
    bucket.setCeiling(90);
    assert.ok(bucket.rate > slowed && bucket.rate <= 90);
    bucket.setCeiling(10);
    assert.equal(bucket.rate, 10);
    assert.throws(() => bucket.setCeiling(0));
    bucket.close();
  });

  test('acquire rejects on abort', async () => {
    const bucket = new TokenBucket({ rate: 1 });
    await bucket.acquire();
    const ac = new AbortController();
    const p = bucket.acquire(ac.signal);
    ac.abort();
    await assert.rejects(p, AbortedError);
    bucket.close();
  });
});

describe('concurrency bound', () => {
  test('never more than the limit in flight, and the limit is reached', async () => {
    const sem = new Semaphore(5);
    let inFlight = 0;
    let max = 0;
    await Promise.all(
      Array.from({ length: 60 }, () =>
        sem.with(async () => {
          inFlight++;
          max = Math.max(max, inFlight);
          await new Promise((r) => setTimeout(r, 2));
          inFlight--;
        }),
      ),
    );
    assert.equal(max, 5);
    assert.equal(sem.maxInFlight, 5);
  });

  test('the requester bounds requests in flight at the target (peers: 688 in flight at concurrency 10)', async () => {
    const target = new FakeTarget();
    target.state.latencyMs = 5;
    const req = new Requester({ concurrency: 10, rate: 100_000 });
    await Promise.all(Array.from({ length: 300 }, (_, i) => req.call(() => target.findUser({ externalId: `x${i}` }))));
    req.close();
    assert.equal(target.state.maxInFlight, 10);
    assert.equal(target.stats.reads, 300);
  });
});

describe('retry classes', () => {
  test('classification', () => {
    assert.equal(classify(new FlaglessError('E_RATE_LIMITED', 'x', { errorClass: 'retriable', retryAfterSeconds: 2 })).kind, 'rate-limited');
    assert.equal(classify(new FlaglessError('E_TARGET_UNAVAILABLE', 'x', { errorClass: 'retriable' })).kind, 'retriable');
    assert.equal(classify(new FlaglessError('E_TARGET_VALIDATION', 'x', { errorClass: 'skippable' })).kind, 'skippable');
    assert.equal(classify(new FlaglessError('E_TARGET_AUTH', 'x')).kind, 'fatal');
    assert.deepEqual(classify(resetError()), { kind: 'retriable', code: 'E_TARGET_UNAVAILABLE', message: 'connection failed (ECONNRESET)' });
    assert.deepEqual(classify(new TypeError('fetch failed', { cause: { code: 'UND_ERR_SOCKET' } })).kind, 'retriable');
    // An unclassified error quarantines the record without repeating its message (it may hold anything).
    const f = classify(new Error('password=hunter2'));
    assert.equal(f.kind, 'skippable');
    assert.doesNotMatch(f.message, /hunter2/);
  });

  test('jittered exponential back-off stays within its ceiling', () => {
    for (let a = 1; a <= 10; a++) {
      for (let i = 0; i < 50; i++) {
        const ms = backoffMs(a, { baseMs: 100, maxMs: 5000 });
        assert.ok(ms >= 1 && ms <= Math.min(5000, 100 * 2 ** (a - 1)));
      }
    }
    assert.equal(backoffMs(3, { baseMs: 100, maxMs: 5000, random: () => 1 }), 400);
  });

  test('a 429 is always retried and does not use up the attempt budget', async () => {
    const target = new FakeTarget();
    for (let i = 0; i < 6; i++) target.state.script.push({ method: 'findUser', fault: '429', retryAfterSeconds: 0 });
    const req = new Requester({ concurrency: 1, rate: 10_000, retry: { maxAttempts: 2, maxRateLimited: 100, backoff: { baseMs: 1, maxMs: 2 } } });
    assert.equal(await req.call(() => target.findUser({ externalId: 'nobody' })), undefined);
    assert.equal(target.stats.reads, 7);
    assert.equal(req.bucket.stats.rateLimited, 6);
    req.close();
  });

  test('retriable failures are retried up to the budget, then quarantined; fatal stops', async () => {
    const target = new FakeTarget();
    for (let i = 0; i < 5; i++) target.state.script.push({ method: 'findUser', fault: '5xx' });
    const req = new Requester({ concurrency: 1, rate: 10_000, retry: { maxAttempts: 3, maxRateLimited: 100, backoff: { baseMs: 1, maxMs: 2 } } });
    await assert.rejects(
      req.call(() => target.findUser({ externalId: 'x' })),
      (e: unknown) => e instanceof RecordFailure && e.failure.code === 'E_TARGET_UNAVAILABLE' && /gave up after 3 attempts/.test(e.failure.message),
    );
    assert.equal(target.stats.reads, 3);
    await assert.rejects(
      req.call(() => Promise.reject(new FlaglessError('E_TARGET_AUTH', 'bad key'))),
      FatalRunError,
    );
    req.close();
  });
});
