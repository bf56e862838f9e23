/**
 * Legacy verifications off the event loop (issue 13, section 1): a cost bomb in the export (a
 * `$2b$31$` hash, days of CPU per check) hammered by parallel logins must not delay anyone
 * else's login beyond its own budget, and the pool's processes die with it. The machine running
 * these tests may be heavily shared: bounds are the budgets, not absolute speeds.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DEFAULT_HASH_COST_CEILING, fromBcrypt, hashPassword } from '../../src/model/password/index.js';
import { ExportVerifier } from '../../src/gateway/legacy/export-verifier.js';
import { VerificationOverBudget, VerifyPool } from '../../src/gateway/legacy/verify-pool.js';
import { BOMB, indexOf, openBetterAuth, startGateway, tempDir, user, type Running } from './helpers.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('VerifyPool', { timeout: 90_000 }, () => {
  it('answers a match and a mismatch, and ends a costly verification at its CPU budget by killing its process', async () => {
    const pool = new VerifyPool({ size: 2, budgetMs: 400, costlyCpuMs: 30, wallMs: 60_000 });
    try {
      const h = await hashPassword('bcrypt', 'right', { cost: 4 });
      assert.equal(await pool.verify(h, 'right'), true);
      assert.equal(await pool.verify(h, 'wrong'), false);
      const t0 = performance.now();
      await assert.rejects(pool.verify(fromBcrypt(BOMB), 'x'), (e: unknown) => e instanceof VerificationOverBudget && e.started && e.costly);
      const took = performance.now() - t0;
      assert.ok(took >= 400 && took < 60_000, `ended at its budget, before the wall cap (${took.toFixed(0)} ms)`);
      assert.equal(pool.stats.overBudget, 1);
      assert.equal(await pool.verify(h, 'right'), true, 'the pool still answers afterwards');
    } finally {
      await pool.close();
    }
  });

  it('four bombs go to the background: ordinary verifications beside them still answer, and close() ends everything at once', async () => {
    const pool = new VerifyPool({ size: 2, budgetMs: 20_000, costlyCpuMs: 30, maxSlow: 4 });
    try {
      const h = await hashPassword('bcrypt', 'right', { cost: 6 });
      assert.equal(await pool.verify(h, 'right'), true);
      const bombs = Array.from({ length: 4 }, () => pool.verify(fromBcrypt(BOMB), 'x').catch((e: Error) => e));
      for (let i = 0; i < 100 && pool.stats.slowed < 4; i++) await sleep(100);
      assert.equal(pool.stats.slowed, 4, 'the bombs went to the background');
      for (let i = 0; i < 4; i++) assert.equal(await pool.verify(h, 'right', 10_000), true, 'an ordinary verification beside four bombs answers');
      const t0 = performance.now();
      await pool.close();
      for (const b of await Promise.all(bombs)) assert.ok(b instanceof Error, 'a bomb never answers true or false');
      assert.ok(performance.now() - t0 < 1000, 'close() does not wait for a bomb');
    } finally {
      await pool.close();
    }
  });
});

describe('a cost bomb at the gateway', { timeout: 120_000 }, () => {
  const tmp = tempDir();
  let gw: Running;

  before(async () => {
    const ordinary = await Promise.all(Array.from({ length: 4 }, (_, i) => hashPassword('bcrypt', `pw-${i}`, { cost: 6 })));
    const index = await indexOf([user('bomb', 'bomb@example.com', fromBcrypt(BOMB)), ...ordinary.map((h, i) => user(`u${i}`, `u${i}@example.com`, h))]);
    // A short wall cap: on a heavily shared machine a background process may get almost no CPU,
    // and the cap (not the CPU budget) is what ends the bomb's first check here.
    // The ceiling raised to let the bomb through (`--max-hash-cost bcrypt=31`): the pool is what is under test.
    const verifier = new ExportVerifier(index, { poolOptions: { budgetMs: 1000, costlyCpuMs: 30, wallMs: 3000 }, hashCostCeiling: { ...DEFAULT_HASH_COST_CEILING, bcrypt: 31 } });
    gw = await startGateway({ state: path.join(tmp.dir, 'state.db'), legacy: verifier, target: await openBetterAuth(path.join(tmp.dir, 'target.db')), index });
  });
  after(async () => {
    await gw.close();
    tmp.remove();
  });

  const login = async (identifier: string, password: string) => {
    const t0 = performance.now();
    const res = await fetch(`${gw.url}/v1/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ identifier, password }), signal: AbortSignal.timeout(15_000) });
    await res.text();
    return { status: res.status, ms: performance.now() - t0 };
  };

  it('four parallel logins of the bomb user: every other login still answers; the bomb user gets 401, and costs one budget, not one per attempt', async () => {
    // (With the default ceiling, bcrypt cost 31 is refused before any verification: test below.)
    const bombs = Array.from({ length: 4 }, () => login('bomb@example.com', 'guess'));
    await sleep(200);
    for (let i = 0; i < 4; i++) {
      const r = await login(`u${i}@example.com`, `wrong-${i}`);
      // Before the pool, the four bomb checks filled the libuv pool: every other login timed out (503 after 10 s).
      assert.equal(r.status, 401, `another user's wrong password is a plain 401 (${r.ms.toFixed(0)} ms)`);
      assert.ok(r.ms < 10_000, `another user's login answered in ${r.ms.toFixed(0)} ms`);
    }
    const bombAnswers = await Promise.all(bombs);
    for (const b of bombAnswers) assert.equal(b.status, 401, 'a hash no one can afford to check is a failed sign-in, not an outage');
    assert.ok(Math.max(...bombAnswers.map((b) => b.ms)) < 10_000, `the bomb user's attempts answered: ${bombAnswers.map((b) => b.ms.toFixed(0)).join(', ')} ms`);
    const again = await login('bomb@example.com', 'guess');
    assert.equal(again.status, 401);
    assert.ok(again.ms < 5000, `the next attempt is refused without another verification (${again.ms.toFixed(0)} ms)`);
    const metrics = await gw.get('/metrics');
    assert.match(metrics.text, /flagless_gateway_verifications_refused_total\{cause="over_budget"\} [1-9]/);
    const ok = await login('u0@example.com', 'pw-0');
    assert.equal(ok.status, 200, 'and the others still sign in');
  });
});

describe('the cost ceiling at the gateway', { timeout: 60_000 }, () => {
  it('a hash above the ceiling is refused without a verification (too_costly)', async () => {
    const index = await indexOf([user('bomb', 'bomb@example.com', fromBcrypt(BOMB))]);
    const v = new ExportVerifier(index);
    try {
      const t0 = performance.now();
      const r = await v.verify('bomb@example.com', 'guess');
      assert.ok(!r.ok && r.reason === 'no_password' && r.cause === 'too_costly', JSON.stringify(r));
      assert.equal(v.pool.stats.answered + v.pool.stats.overBudget, 0, 'nothing was verified');
      assert.ok(performance.now() - t0 < 5000);
    } finally {
      await v.close();
    }
  });
});
