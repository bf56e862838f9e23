/**
 * The proof of issue 7 §5 on one instance: legacy = a generated Clerk export (real bcrypt and
 * argon2 hashes, known plaintexts), target = Better Auth on SQLite, through real HTTP.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { FlaglessError } from '../../src/protocol/errors.js';
import type { LegacyVerifier } from '../../src/protocol/legacy.js';
import type { Target } from '../../src/protocol/target.js';
import { normalizeIdentifier } from '../../src/gateway/identifier.js';
import type { ExportIndex } from '../../src/gateway/legacy/export-index.js';
import { ExportVerifier } from '../../src/gateway/legacy/export-verifier.js';
import { clerkExport, clerkIndex, countTargetUsers, faultyTarget, type FaultyTarget, movableLogins, openBetterAuth, pool, startGateway, tempDir, type ClerkExport, type Running } from './helpers.js';

const USERS = 200;

describe('gateway end to end: Clerk export → Better Auth (SQLite)', { timeout: 300_000 }, () => {
  const tmp = tempDir();
  let exp: ClerkExport;
  let index: ExportIndex;
  let target: FaultyTarget;
  let gw: Running;

  before(async () => {
    exp = await clerkExport(tmp.dir, Math.ceil(USERS * 1.5));
    index = await clerkIndex(exp);
    exp.logins = movableLogins(exp, index).slice(0, USERS);
    assert.equal(exp.logins.length, USERS, `${USERS} generated users have a known password`);
    target = faultyTarget(await openBetterAuth(path.join(tmp.dir, 'target.db')));
    gw = await startGateway({ state: path.join(tmp.dir, 'state.db'), legacy: new ExportVerifier(index), target, index, leaseMs: 5_000, limits: { perAddress: { limit: 100_000, windowMs: 60_000 } } });
  });

  after(async () => {
    await gw?.close();
    tmp.remove();
  });

  it('a wrong password provisions nothing and answers 401', async () => {
    const before = await countTargetUsers(target);
    for (const l of exp.logins.slice(0, 5)) {
      const r = await gw.post('/v1/login', { identifier: l.identifier, password: `${l.password}x` });
      assert.equal(r.status, 401);
      assert.equal(r.body.error.code, 'invalid_credentials');
      const sourceId = index.sourceIdsFor(l.identifier)[0]!;
      assert.equal(await gw.store.get(sourceId), undefined, 'no state row for a wrong password');
    }
    assert.equal(await countTargetUsers(target), before, 'no user written to the target');
    assert.equal(target.calls.createUser ?? 0, 0);
    assert.equal(target.calls.setPassword ?? 0, 0);
  });

  it(`${USERS} users log in through the gateway and every one ends migrated`, async () => {
    const answers = await pool(exp.logins, 6, (l) => gw.post('/v1/login', l));
    for (const [i, r] of answers.entries()) {
      assert.equal(r.status, 200, `login ${i} (${r.body?.error?.code ?? ''})`);
      assert.equal(r.body.route, 'legacy');
      assert.equal(r.body.migration, 'jit');
    }
    assert.equal(await countTargetUsers(target), USERS, 'exactly one target user per source user');
    for (const l of exp.logins) {
      const sourceId = index.sourceIdsFor(l.identifier)[0]!;
      const row = await gw.store.get(sourceId);
      assert.equal(row?.state, 'migrated');
      assert.equal(row?.route, 'jit');
    }
  });

  it('every migrated user signs in directly at the target with the same password, and through the gateway via the target', async () => {
    await pool(exp.logins, 6, async (l) => {
      const direct = await target.inner.login(l.identifier, l.password);
      assert.equal(direct.ok, true, `direct target login for ${l.identifier}`);
      const routed = await gw.post('/v1/login', l);
      assert.equal(routed.status, 200);
      assert.equal(routed.body.route, 'target');
    });
    // Case-folded identifiers route the same way.
    const l = exp.logins[0]!;
    const upper = await gw.post('/v1/login', { identifier: `  ${l.identifier.toUpperCase()} `, password: l.password });
    assert.equal(upper.status, 200);
    assert.equal(upper.body.route, 'target');
  });

  it('a migrated user with a wrong password is refused by the target alone (legacy is not asked)', async () => {
    const l = exp.logins[1]!;
    const r = await gw.post('/v1/login', { identifier: l.identifier, password: 'not-the-password' });
    assert.equal(r.status, 401);
    const metrics = (await gw.get('/metrics')).text;
    assert.match(metrics, /flagless_gateway_logins_total\{route="target",outcome="invalid_credentials"\} [1-9]/);
  });

  it('keeps profile, social links, metadata and organizations from the export', async () => {
    const withOrg = exp.logins.map((l) => index.user(index.sourceIdsFor(l.identifier)[0]!)!).find((u) => u.memberships.length > 0 && u.identities.length > 0)
      ?? exp.logins.map((l) => index.user(index.sourceIdsFor(l.identifier)[0]!)!).find((u) => u.memberships.length > 0);
    assert.ok(withOrg, 'the generated export has users in organizations');
    const view = await target.inner.getUser({ id: withOrg.sourceId });
    assert.ok(view);
    assert.equal(view.email, withOrg.emails.find((e) => e.primary)?.address.toLowerCase() ?? view.email);
    assert.equal(view.memberships.length, withOrg.memberships.length, 'every membership is there');
    assert.equal(view.identities.length, withOrg.identities.length, 'every social link is there');
    assert.equal(view.hasPassword, true);
  });
});

describe('gateway outages and half-moved users', { timeout: 120_000 }, () => {
  const tmp = tempDir();
  let exp: ClerkExport;
  let index: ExportIndex;
  let inner: Target;
  let target: FaultyTarget;
  let legacyDown = false;
  let gw: Running;

  before(async () => {
    exp = await clerkExport(tmp.dir, 24, { seed: 'outage' });
    index = await clerkIndex(exp);
    exp.logins = movableLogins(exp, index);
    assert.ok(exp.logins.length >= 8);
    inner = await openBetterAuth(path.join(tmp.dir, 'target.db'));
    target = faultyTarget(inner);
    const verifier = new ExportVerifier(index);
    const legacy: LegacyVerifier = {
      name: 'export',
      verify: (i, p) => (legacyDown ? Promise.reject(new Error('connect ECONNREFUSED 10.0.0.1:443')) : verifier.verify(i, p)),
      lookup: (i) => verifier.lookup(i),
      close: () => verifier.close(),
    };
    gw = await startGateway({ state: path.join(tmp.dir, 'state.db'), legacy, target, index, leaseMs: 2_000 });
  });

  after(async () => {
    await gw?.close();
    tmp.remove();
  });

  const idOf = (i: number) => index.sourceIdsFor(exp.logins[i]!.identifier)[0]!;

  it('a legacy outage answers 503 and leaves no trace in state or target', async () => {
    legacyDown = true;
    try {
      const r = await gw.post('/v1/login', exp.logins[0]!);
      assert.equal(r.status, 503);
      assert.equal(r.body.error.code, 'legacy_unavailable');
      assert.equal(await gw.store.get(idOf(0)), undefined);
      assert.equal(await inner.findUser({ externalId: idOf(0) }), undefined);
    } finally {
      legacyDown = false;
    }
    const ok = await gw.post('/v1/login', exp.logins[0]!);
    assert.equal(ok.status, 200);
    assert.equal(ok.body.migration, 'jit');
  });

  it('a target outage before the create answers 503; the user stays on legacy and moves at the next login', async () => {
    target.failing.add('createUser');
    try {
      const r = await gw.post('/v1/login', exp.logins[1]!);
      assert.equal(r.status, 503);
      assert.equal(r.body.error.code, 'target_unavailable');
      const row = await gw.store.get(idOf(1));
      assert.equal(row?.state, 'legacy', 'released, not migrated');
      assert.match(row?.lastError ?? '', /E_TARGET_UNAVAILABLE/);
      assert.equal(await inner.findUser({ externalId: idOf(1) }), undefined);
    } finally {
      target.failing.clear();
    }
    const ok = await gw.post('/v1/login', exp.logins[1]!);
    assert.equal(ok.status, 200);
    assert.equal(ok.body.migration, 'jit');
    assert.equal((await gw.store.get(idOf(1)))?.state, 'migrated');
  });

  it('a target outage between create and set-password leaves a half-moved user, completed at the next login', async () => {
    target.failing.add('setPassword');
    try {
      const r = await gw.post('/v1/login', exp.logins[2]!);
      assert.equal(r.status, 503);
      assert.equal((await gw.store.get(idOf(2)))?.state, 'legacy');
      const view = await inner.getUser({ id: idOf(2) });
      assert.ok(view, 'the create went through');
      assert.equal(view.hasPassword, false, 'but no password yet');
    } finally {
      target.failing.clear();
    }
    const ok = await gw.post('/v1/login', exp.logins[2]!);
    assert.equal(ok.status, 200);
    assert.equal(ok.body.migration, 'completed');
    assert.equal((await inner.login(exp.logins[2]!.identifier, exp.logins[2]!.password)).ok, true);
    assert.equal(await countTargetUsers(inner), 3, 'still one target user per source user');
  });

  it('a user already in the target without a password (bulk import without hash) is completed at its next login', async () => {
    const user = index.user(idOf(3))!;
    const { password: _drop, ...rest } = user;
    await inner.createUser({ ...rest, passwordPlan: 'jit' }, { includePasswordHash: false, missingPassword: 'jit' });
    const ok = await gw.post('/v1/login', exp.logins[3]!);
    assert.equal(ok.status, 200);
    assert.equal(ok.body.migration, 'completed');
    assert.equal((await inner.login(exp.logins[3]!.identifier, exp.logins[3]!.password)).ok, true);
  });

  it('an account created in the target directly (a signup) signs in through the gateway and is remembered as native', async () => {
    const signup = await (inner as unknown as { login: Target['login'] }).login('nobody@example.com', 'x');
    assert.equal(signup.ok, false);
    const { emptyUser } = await import('../../src/model/user.js');
    const u = emptyUser('native-signup-1');
    u.emails = [{ address: 'newcomer@example.com', normalized: 'newcomer@example.com', verified: true, primary: true }];
    const ref = await inner.createUser(u, { includePasswordHash: false, missingPassword: 'jit' });
    await inner.setPassword(ref, 'Signed-up-at-target-1');
    const r = await gw.post('/v1/login', { identifier: 'newcomer@example.com', password: 'Signed-up-at-target-1' });
    assert.equal(r.status, 200);
    assert.equal(r.body.route, 'target');
    const resolved = await gw.store.resolve(normalizeIdentifier('newcomer@example.com'));
    assert.equal(resolved?.kind, 'native');
    const wrong = await gw.post('/v1/login', { identifier: 'newcomer@example.com', password: 'nope' });
    assert.equal(wrong.status, 401);
  });

  it('a state store outage answers 503 without touching the target', async () => {
    const store = gw.store;
    const broken = new Proxy(store, {
      get(t, prop, receiver) {
        if (prop === 'claim' || prop === 'resolve') return () => Promise.reject(new FlaglessError('E_STATE', 'simulated: the database is down', { errorClass: 'retriable' }));
        const v = Reflect.get(t, prop, receiver);
        return typeof v === 'function' ? v.bind(t) : v;
      },
    });
    const { LoginRouter } = await import('../../src/gateway/router.js');
    const { GatewayMetrics } = await import('../../src/gateway/metrics.js');
    const { FailureLog } = await import('../../src/gateway/failure-log.js');
    const router = new LoginRouter({ store: broken, legacy: new ExportVerifier(index), target, index, metrics: new GatewayMetrics(), failures: new FailureLog(store, 0) });
    const creates = target.calls.createUser ?? 0;
    const answer = await router.login(exp.logins[5]!.identifier, exp.logins[5]!.password);
    assert.equal(answer.ok, false);
    assert.equal(!answer.ok && answer.status, 503);
    assert.equal(!answer.ok && answer.code, 'state_unavailable');
    assert.equal(target.calls.createUser ?? 0, creates, 'nothing written to the target');
    assert.equal(await inner.findUser({ externalId: idOf(5) }), undefined);
  });
});
