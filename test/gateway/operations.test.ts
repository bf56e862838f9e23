/**
 * Operations: brute-force limits (sliding windows, 429 + Retry-After), secrets kept out of logs
 * and error bodies, health and readiness, Prometheus metrics.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { BruteForceGuard, SlidingWindow } from '../../src/gateway/limiter.js';
import { createGatewayLogger } from '../../src/gateway/logger.js';
import type { ExportIndex } from '../../src/gateway/legacy/export-index.js';
import { ExportVerifier } from '../../src/gateway/legacy/export-verifier.js';
import { clerkExport, clerkIndex, faultyTarget, type FaultyTarget, movableLogins, openBetterAuth, startGateway, tempDir, type ClerkExport, type Running } from './helpers.js';

describe('sliding windows', () => {
  it('allows `limit` events per rolling window and says when the next one is allowed', () => {
    let now = 1_000_000;
    const w = new SlidingWindow({ limit: 3, windowMs: 10_000 }, { now: () => now });
    for (const t of [0, 1000, 2000]) {
      now = 1_000_000 + t;
      assert.equal(w.retryAfterSeconds('k'), 0);
      w.hit('k');
    }
    now = 1_002_500;
    assert.equal(w.retryAfterSeconds('k'), 8, 'the oldest event leaves the window at +10 s');
    now = 1_009_999;
    assert.equal(w.retryAfterSeconds('k'), 1);
    now = 1_010_000;
    assert.equal(w.retryAfterSeconds('k'), 0);
    w.hit('k');
    assert.equal(w.retryAfterSeconds('k'), 1, 'the events at +1 s and +2 s are still in the window');
    assert.equal(w.retryAfterSeconds('other'), 0, 'keys are independent');
  });

  it('never lets a burst through at a window edge (no fixed buckets)', () => {
    let now = 59_999;
    const w = new SlidingWindow({ limit: 3, windowMs: 60_000 }, { now: () => now });
    for (let i = 0; i < 3; i++) w.hit('k');
    now = 60_001;
    assert.ok(w.blocked('k'));
  });

  it('keeps memory bounded under a flood of distinct keys', () => {
    const w = new SlidingWindow({ limit: 2, windowMs: 60_000 }, { maxKeys: 1000 });
    for (let i = 0; i < 10_000; i++) w.hit(`k${i}`);
    assert.ok(w.size <= 1000, `size ${w.size}`);
  });

  it('counts failures per identifier, every attempt per address, and a success clears the identifier', () => {
    const g = new BruteForceGuard({ perIdentifier: { limit: 2, windowMs: 60_000 }, perAddress: { limit: 5, windowMs: 60_000 } });
    assert.equal(g.admit('a', 'ip1').ok, true);
    g.failed('a');
    assert.equal(g.admit('a', 'ip1').ok, true);
    g.failed('a');
    const blocked = g.admit('a', 'ip1');
    assert.equal(blocked.ok, false);
    assert.equal(!blocked.ok && blocked.scope, 'identifier');
    g.succeeded('a');
    assert.equal(g.admit('a', 'ip1').ok, true);
    assert.equal(g.admit('b', 'ip1').ok, true);
    assert.equal(g.admit('c', 'ip1').ok, true, 'the fifth admitted attempt from ip1 (a refused one is not counted)');
    const byAddress = g.admit('d', 'ip1');
    assert.equal(!byAddress.ok && byAddress.scope, 'address', 'a sixth attempt from one address');
    assert.equal(g.admit('c', 'ip2').ok, true);
  });
});

describe('gateway operations over HTTP', { timeout: 120_000 }, () => {
  const tmp = tempDir();
  let exp: ClerkExport;
  let index: ExportIndex;
  let gw: Running;
  let faulty: FaultyTarget;
  const logs: string[] = [];
  const TOKEN = 'ops-token-XYZ-0987654321';

  before(async () => {
    exp = await clerkExport(tmp.dir, 30, { seed: 'ops' });
    index = await clerkIndex(exp);
    exp.logins = movableLogins(exp, index);
    faulty = faultyTarget(await openBetterAuth(path.join(tmp.dir, 'target.db')));
    const sink = new Writable({
      write(chunk, _e, cb) {
        logs.push(String(chunk));
        cb();
      },
    });
    gw = await startGateway({
      state: path.join(tmp.dir, 'state.db'),
      legacy: new ExportVerifier(index),
      target: faulty,
      index,
      token: TOKEN,
      trustProxy: true,
      logger: createGatewayLogger({ level: 'trace', destination: sink }),
      limits: { perIdentifier: { limit: 3, windowMs: 60_000 }, perAddress: { limit: 8, windowMs: 60_000 } },
    });
  });
  after(async () => {
    await gw.close();
    tmp.remove();
  });

  const from = (ip: string) => ({ 'x-forwarded-for': ip });

  it('answers 429 with Retry-After after three failed logins for one identifier; other identifiers are unaffected', async () => {
    const l = exp.logins[0]!;
    for (let i = 0; i < 3; i++) assert.equal((await gw.post('/v1/login', { identifier: l.identifier, password: `bad-${i}` }, from('192.0.2.1'))).status, 401);
    const limited = await gw.post('/v1/login', l, from('192.0.2.2'));
    assert.equal(limited.status, 429);
    assert.equal(limited.body.error.code, 'rate_limited');
    assert.ok(Number(limited.headers.get('retry-after')) >= 50, 'about a minute');
    assert.equal((await gw.post('/v1/login', exp.logins[1]!, from('192.0.2.3'))).status, 200);
  });

  it('answers 429 after eight attempts from one client address, whatever the identifiers', async () => {
    for (let i = 0; i < 8; i++) await gw.post('/v1/login', { identifier: `nobody${i}@example.com`, password: 'x' }, from('198.51.100.77'));
    const limited = await gw.post('/v1/login', exp.logins[2]!, from('198.51.100.77'));
    assert.equal(limited.status, 429);
    assert.equal((await gw.post('/v1/login', exp.logins[2]!, from('198.51.100.78'))).status, 200);
    // The application server passes the end user's address in the body.
    for (let i = 0; i < 8; i++) await gw.post('/v1/login', { identifier: `other${i}@example.com`, password: 'x', clientIp: '203.0.113.200' }, from('192.0.2.99'));
    assert.equal((await gw.post('/v1/login', { ...exp.logins[7]!, clientIp: '203.0.113.200' }, from('192.0.2.99'))).status, 429);
    assert.equal((await gw.post('/v1/login', { ...exp.logins[7]!, clientIp: '203.0.113.201' }, from('192.0.2.99'))).status, 200);
  });

  it('rejects malformed bodies with 400 without echoing them', async () => {
    const secret = 'Sup3r-Secret-Typed-Password';
    const res = await fetch(`${gw.url}/v1/login`, { method: 'POST', headers: { 'content-type': 'application/json', ...from('192.0.2.50') }, body: `{"identifier":"a@b.c","password":"${secret}` });
    const text = await res.text();
    assert.equal(res.status, 400);
    assert.doesNotMatch(text, /Sup3r/);
    const missing = await gw.post('/v1/login', { identifier: 'a@b.c' }, from('192.0.2.51'));
    assert.equal(missing.status, 400);
    assert.equal(missing.body.error.code, 'bad_request');
  });

  it('exposes /healthz, /readyz and Prometheus /metrics with logins by route and outcome, JIT moves and latencies', async () => {
    assert.deepEqual((await gw.get('/healthz')).body, { status: 'ok' });
    const ready = await gw.get('/readyz');
    assert.equal(ready.status, 200);
    assert.deepEqual(ready.body.checks, { state: 'ok', target: 'ok' });
    await gw.post('/v1/login', exp.logins[1]!, from('192.0.2.4')); // migrated above: the target answers
    assert.equal((await gw.get('/metrics')).status, 401, 'with --token, /metrics needs it');
    const m = await gw.get('/metrics', { authorization: `Bearer ${TOKEN}` });
    assert.match(m.headers.get('content-type') ?? '', /text\/plain/);
    assert.match(m.text, /flagless_gateway_logins_total\{route="legacy",outcome="ok"\} \d+/);
    assert.match(m.text, /flagless_gateway_logins_total\{route="target",outcome="ok"\} \d+/);
    assert.match(m.text, /flagless_gateway_logins_total\{route="legacy",outcome="invalid_credentials"\} \d+/);
    assert.match(m.text, /flagless_gateway_logins_total\{route="none",outcome="rate_limited"\} \d+/);
    assert.match(m.text, /flagless_gateway_jit_migrations_total\{kind="created"\} [1-9]/);
    assert.match(m.text, /flagless_gateway_legacy_seconds_bucket\{le="0.1",verifier="export",outcome="ok"\} \d+/);
    assert.match(m.text, /flagless_gateway_target_seconds_count\{operation="provision",outcome="ok"\} [1-9]/);
    assert.match(m.text, /flagless_gateway_target_seconds_count\{operation="login",outcome="ok"\} [1-9]/);
  });

  it('/readyz turns 503 when the target fails and back when it recovers', async () => {
    faulty.failing.add('findUser');
    try {
      await new Promise((r) => setTimeout(r, 2100));
      const down = await gw.get('/readyz');
      assert.equal(down.status, 503);
      assert.match(down.body.checks.target, /failing/);
    } finally {
      faulty.failing.clear();
    }
    await new Promise((r) => setTimeout(r, 2100));
    assert.equal((await gw.get('/readyz')).status, 200);
  });

  it('never writes a password, a token or a hash to the log', async () => {
    const l = exp.logins[3]!;
    await gw.post('/v1/login', l, from('192.0.2.60'));
    await gw.post('/v1/login', { identifier: l.identifier, password: 'Wrong-But-Secret-999' }, from('192.0.2.61'));
    await gw.post('/v1/lazy/kratos/password-migration', { identifier: exp.logins[4]!.identifier, password: exp.logins[4]!.password }, { authorization: `Bearer ${TOKEN}` });
    await gw.get(`/v1/lazy/keycloak/${encodeURIComponent(exp.logins[5]!.identifier)}`, { authorization: `Basic ${Buffer.from(`kc:${TOKEN}`).toString('base64')}` });
    faulty.failing.add('createUser');
    try {
      await gw.post('/v1/login', exp.logins[6]!, from('192.0.2.62'));
    } finally {
      faulty.failing.clear();
    }
    const text = logs.join('');
    assert.ok(text.length > 0 && /request completed|incoming request/.test(text), 'the gateway does log requests');
    const secrets = [TOKEN, 'Wrong-But-Secret-999', 'Sup3r-Secret-Typed-Password', Buffer.from(`kc:${TOKEN}`).toString('base64'), ...exp.logins.slice(0, 8).map((x) => x.password)];
    for (const s of secrets) assert.ok(!text.includes(s), `a secret reached the log: ${s.slice(0, 3)}…`);
    for (const id of exp.logins.slice(0, 8).map((x) => index.sourceIdsFor(x.identifier)[0]!)) {
      const hash = index.user(id)?.password?.phc.reveal();
      if (hash) assert.ok(!text.includes(hash), 'a hash reached the log');
    }
  });
});
