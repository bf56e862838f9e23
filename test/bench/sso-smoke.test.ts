/** `bench/sso.ts` at smoke size: both measurements run end to end on PostgreSQL and hold together. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import pg from 'pg';
import { formatSsoBench, runSsoBench } from '../../bench/sso.js';

const BASE = process.env.FLAGLESS_BENCH_PG ?? 'postgres://postgres@127.0.0.1:5432/test';
const available = await (async () => {
  const c = new pg.Client({ connectionString: BASE, connectionTimeoutMillis: 2000 });
  try {
    await c.connect();
    return true;
  } catch {
    return false;
  } finally {
    await c.end().catch(() => undefined);
  }
})();

describe('bench:sso (smoke)', { skip: available ? false : `PostgreSQL not reachable at ${BASE}`, timeout: 120_000 }, () => {
  it('measures the overhead per routed callback and the flip latency across two instances', async () => {
    const r = await runSsoBench({ callbacks: 40, flips: 2, pg: BASE });
    const o = r.overhead;
    assert.equal(o.callbacks, 40);
    assert.equal(o.trackedShare, 0.5);
    assert.ok(o.directP99Ms >= o.directP50Ms && o.proxiedP99Ms >= o.proxiedP50Ms && o.proxyHopP99Ms >= o.proxyHopP50Ms);
    assert.ok(Math.abs(o.overheadP99Ms - (o.proxiedP99Ms - o.directP99Ms)) < 1e-9);
    assert.equal(r.flip.flips, 2);
    assert.equal(r.flip.perFlipMs.length, 2);
    assert.ok(r.flip.perFlipMs.every((x) => Number.isFinite(x) && x > 0), `every flip was seen by both instances: ${r.flip.perFlipMs.join(', ')}`);
    const text = formatSsoBench(r);
    assert.match(text, /overhead p99: -?[\d.]+ ms \(goal < 5 ms\)/);
    assert.match(text, /flip → first request routed the new way.*\(goal < 1000 ms\)/);
  });
});
