/**
 * The gateway as an attack surface (issue 13, section 3): operator pages behind a token, no
 * account-enumerating metric labels, strict bodies, brute force counted per account, wrong lazy
 * tokens throttled per address, and a duplicate-email sign-in answered as a decision to make.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { hashPassword } from '../../src/model/password/index.js';
import type { ExportIndex } from '../../src/gateway/legacy/export-index.js';
import { ExportVerifier } from '../../src/gateway/legacy/export-verifier.js';
import { indexOf, openBetterAuth, startGateway, tempDir, user, type Running } from './helpers.js';

const TOKEN = 'surface-token-0123456789';
const basic = (pass: string) => ({ authorization: `Basic ${Buffer.from(`ops:${pass}`).toString('base64')}` });

describe('the gateway as an attack surface', { timeout: 120_000 }, () => {
  const tmp = tempDir();
  let index: ExportIndex;
  const gateways: Running[] = [];

  const start = async (name: string, extra: Record<string, unknown> = {}) => {
    const gw = await startGateway({
      state: path.join(tmp.dir, `${name}-state.db`),
      legacy: new ExportVerifier(index),
      target: await openBetterAuth(path.join(tmp.dir, `${name}-target.db`)),
      index,
      ...extra,
    });
    gateways.push(gw);
    return gw;
  };

  before(async () => {
    const [ada, bob, dup1, dup2, nopw] = await Promise.all(['ada-pw', 'bob-pw', 'dup-one', 'dup-two', 'x'].map((p) => hashPassword('bcrypt', p, { cost: 4 })));
    index = await indexOf([
      user('u_ada', 'ada@example.com', ada, 'ada'),
      user('u_bob', 'bob@example.com', bob),
      user('u_dup1', 'shared@example.com', dup1),
      user('u_dup2', 'Shared@Example.com', dup2),
      user('u_nopw', 'nopw@example.com'),
    ]);
    void nopw;
  });
  after(async () => {
    for (const g of gateways) await g.close();
    tmp.remove();
  });

  it('with --token, /metrics and /dashboard need it (Bearer or Basic); a separate --ops-token replaces it there; without any token they stay public', async () => {
    const gw = await start('ops', { token: TOKEN });
    for (const p of ['/metrics', '/dashboard', '/dashboard/data']) {
      const r = await gw.get(p);
      assert.equal(r.status, 401, p);
      assert.match(r.headers.get('www-authenticate') ?? '', /^Basic /, 'a browser asks for it');
      assert.equal((await gw.get(p, { authorization: 'Bearer wrong' })).status, 401, p);
      assert.equal((await gw.get(p, { authorization: `Bearer ${TOKEN}` })).status, 200, p);
      assert.equal((await gw.get(p, basic(TOKEN))).status, 200, p);
    }
    assert.equal((await gw.get('/healthz')).status, 200, 'liveness stays open for the orchestrator');
    const ops = await start('ops2', { token: TOKEN, opsToken: 'ops-only-token' });
    assert.equal((await ops.get('/metrics', { authorization: `Bearer ${TOKEN}` })).status, 401, 'the lazy token does not open the ops pages when an ops token is set');
    assert.equal((await ops.get('/metrics', { authorization: 'Bearer ops-only-token' })).status, 200);
    const open = await start('open');
    assert.equal((await open.get('/metrics')).status, 200);
  });

  it('metric labels do not tell an unknown identifier from a user with or without a password', async () => {
    const gw = await start('labels');
    for (const identifier of ['nobody@example.com', 'nopw@example.com', 'bob@example.com']) {
      assert.equal((await gw.post('/v1/login', { identifier, password: 'wrong' })).status, 401);
    }
    const text = (await gw.get('/metrics')).text;
    assert.doesNotMatch(text, /unknown_user|no_password/);
    assert.match(text, /flagless_gateway_legacy_seconds_count\{verifier="export",outcome="rejected"\} 3/);
  });

  it('accepts only strings: arrays, numbers, objects, booleans and null are 400 (login and lazy bodies)', async () => {
    const gw = await start('strict', { token: TOKEN });
    const bad: unknown[] = [
      { identifier: ['ada@example.com'], password: ['ada-pw'] },
      { identifier: 'ada@example.com', password: ['ada-pw'] },
      { identifier: ['ada@example.com'], password: 'ada-pw' },
      { identifier: 'ada@example.com', password: 12345 },
      { identifier: { a: 1 }, password: 'ada-pw' },
      { identifier: 'ada@example.com', password: true },
      { identifier: 'ada@example.com', password: null },
      { identifier: 'ada@example.com', password: 'ada-pw', clientIp: ['1.2.3.4'] },
    ];
    for (const body of bad) {
      const r = await gw.post('/v1/login', body);
      assert.equal(r.status, 400, JSON.stringify(body));
      assert.equal(r.body.error.code, 'bad_request');
    }
    const auth = { authorization: `Bearer ${TOKEN}` };
    assert.equal((await gw.post('/v1/lazy/keycloak/ada', { password: ['ada-pw'] }, auth)).status, 400);
    assert.equal((await gw.post('/v1/lazy/kratos/password-migration', { identifier: ['ada@example.com'], password: 'ada-pw' }, auth)).status, 400);
    assert.equal((await gw.post('/v1/lazy/auth0/login', { username: 'ada@example.com', password: ['ada-pw'] }, auth)).status, 400);
    assert.equal((await gw.post('/v1/login', { identifier: 'ada@example.com', password: 'ada-pw' })).status, 200, 'the same values as strings sign in');
  });

  it('counts failed guesses per account: the email and the username of one user share one window', async () => {
    const gw = await start('account', { limits: { perIdentifier: { limit: 3, windowMs: 60_000 }, perAccount: { limit: 3, windowMs: 60_000 } } });
    const spellings = ['ada@example.com', 'ada', 'ADA@example.com ', 'Ada'];
    const statuses: number[] = [];
    for (const identifier of spellings) statuses.push((await gw.post('/v1/login', { identifier, password: 'guess' })).status);
    assert.deepEqual(statuses, [401, 401, 401, 429], 'the fourth guess at the same account is refused, whatever spelling');
    const r = await gw.post('/v1/login', { identifier: 'ada', password: 'ada-pw' });
    assert.equal(r.status, 429, 'even with the right password until the window frees');
    assert.ok(Number(r.headers.get('retry-after')) >= 1);
    assert.equal((await gw.post('/v1/login', { identifier: 'bob@example.com', password: 'bob-pw' })).status, 200, 'another account is not affected');
  });

  it('throttles wrong tokens on the lazy endpoints per calling address', async () => {
    const gw = await start('tokens', { token: TOKEN, limits: { badTokensPerAddress: { limit: 3, windowMs: 60_000 } } });
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await gw.get('/v1/lazy/keycloak/ada', { authorization: `Bearer guess-${i}` })).status);
    assert.deepEqual(statuses, [401, 401, 401, 429, 429]);
    const r = await gw.get('/v1/lazy/keycloak/ada', { authorization: `Bearer ${TOKEN}` });
    assert.equal(r.status, 429, 'the address waits out its window, right token or not');
    assert.ok(Number(r.headers.get('retry-after')) >= 1);
  });

  it('a duplicate-email identifier with the right password answers 409 needs_decision, not "wrong password"', async () => {
    const gw = await start('dup');
    for (const password of ['dup-one', 'dup-two']) {
      const r = await gw.post('/v1/login', { identifier: 'shared@example.com', password });
      assert.equal(r.status, 409, JSON.stringify(r.body));
      assert.equal(r.body.error.code, 'needs_decision');
      assert.match(r.body.error.message, /decide/);
    }
    assert.equal((await gw.post('/v1/login', { identifier: 'shared@example.com', password: 'neither' })).status, 401, 'a wrong password stays a wrong password');
  });
});
