/**
 * The lazy-migration endpoints in the exact contracts their callers use: the Keycloak community
 * user-migration provider, Ory Kratos's password-migration hook, and Auth0 custom-database scripts
 * (the generated scripts run in a vm sandbox the way Auth0 runs them, calling the real gateway).
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import vm from 'node:vm';
import { after, before, describe, it } from 'node:test';
import { AUTH0_GET_USER_SCRIPT, AUTH0_LOGIN_SCRIPT } from '../../src/gateway/lazy/auth0-custom-database.js';
import type { ExportIndex } from '../../src/gateway/legacy/export-index.js';
import { ExportVerifier } from '../../src/gateway/legacy/export-verifier.js';
import { clerkExport, clerkIndex, countTargetUsers, movableLogins, openBetterAuth, startGateway, tempDir, type ClerkExport, type Running } from './helpers.js';

const TOKEN = 'lazy-token-0123456789';
const bearer = { authorization: `Bearer ${TOKEN}` };
const basic = (user: string, pass: string) => ({ authorization: `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}` });

describe('lazy-migration endpoints', { timeout: 120_000 }, () => {
  const tmp = tempDir();
  let exp: ClerkExport;
  let index: ExportIndex;
  let gw: Running;
  let targetUsers: () => Promise<number>;

  before(async () => {
    exp = await clerkExport(tmp.dir, 30, { seed: 'lazy' });
    index = await clerkIndex(exp);
    exp.logins = movableLogins(exp, index);
    const target = await openBetterAuth(path.join(tmp.dir, 'target.db'));
    targetUsers = () => countTargetUsers(target);
    gw = await startGateway({ state: path.join(tmp.dir, 'state.db'), legacy: new ExportVerifier(index), target, index, token: TOKEN, limits: { perIdentifier: { limit: 3, windowMs: 60_000 } } });
  });
  after(async () => {
    await gw.close();
    tmp.remove();
  });

  const user = (i: number) => {
    const l = exp.logins[i]!;
    return { ...l, sourceId: index.sourceIdsFor(l.identifier)[0]!, canonical: index.user(index.sourceIdsFor(l.identifier)[0]!)! };
  };

  it('refuses calls without the token (401) and is off entirely without --token (404)', async () => {
    const u = user(0);
    assert.equal((await gw.get(`/v1/lazy/keycloak/${encodeURIComponent(u.identifier)}`)).status, 401);
    assert.equal((await gw.get(`/v1/lazy/keycloak/${encodeURIComponent(u.identifier)}`, { authorization: 'Bearer wrong' })).status, 401);
    assert.equal((await gw.post('/v1/lazy/kratos/password-migration', { identifier: u.identifier, password: u.password }, basic('ory', 'wrong'))).status, 401);
    const off = await startGateway({ state: path.join(tmp.dir, 'off.db'), legacy: new ExportVerifier(index), target: await openBetterAuth(path.join(tmp.dir, 'off-target.db')) });
    try {
      assert.equal((await off.get(`/v1/lazy/keycloak/${encodeURIComponent(u.identifier)}`, bearer)).status, 404);
    } finally {
      await off.close();
    }
  });

  it('Keycloak GET {base}/{usernameOrEmail} returns the LegacyUser JSON; unknown is 404', async () => {
    const u = user(1);
    const r = await gw.get(`/v1/lazy/keycloak/${encodeURIComponent(u.identifier)}`, bearer);
    assert.equal(r.status, 200);
    const primary = u.canonical.emails.find((e) => e.primary)!;
    assert.equal(r.body.id, undefined, 'Keycloak generates the id: the source id would be one primary key for every realm of the server');
    assert.equal(r.body.email, primary.address.toLowerCase());
    assert.equal(r.body.enabled, true);
    assert.equal(r.body.emailVerified, primary.verified);
    assert.equal(typeof r.body.username, 'string');
    assert.deepEqual(r.body.requiredActions, []);
    assert.ok(Array.isArray(r.body.roles) && Array.isArray(r.body.groups));
    assert.deepEqual(r.body.attributes.flagless_source_id, [u.sourceId]);
    for (const values of Object.values(r.body.attributes as Record<string, unknown>)) assert.ok(Array.isArray(values) && values.every((v) => typeof v === 'string'), 'attributes are {name: [string]}');
    const keys = Object.keys(r.body).sort();
    assert.deepEqual(keys.filter((k) => !['id', 'username', 'email', 'firstName', 'lastName', 'enabled', 'emailVerified', 'attributes', 'roles', 'groups', 'requiredActions', 'totps'].includes(k)), [], 'only LegacyUser fields');
    assert.equal((await gw.get('/v1/lazy/keycloak/nobody%40example.com', bearer)).status, 404);
  });

  it('Keycloak POST {base}/{username} {password}: 200 when valid, 403 otherwise; basic auth works too; nothing is written to any target', async () => {
    const u = user(2);
    const before = await targetUsers();
    const wrong = await gw.post(`/v1/lazy/keycloak/${encodeURIComponent(u.identifier)}`, { password: 'nope' }, bearer);
    assert.equal(wrong.status, 403);
    const ok = await gw.post(`/v1/lazy/keycloak/${encodeURIComponent(u.identifier)}`, { password: u.password }, basic('keycloak', TOKEN));
    assert.equal(ok.status, 200);
    assert.equal(await targetUsers(), before, 'the target pulls the user itself');
    const row = await gw.store.get(u.sourceId);
    assert.equal(row?.state, 'migrated');
    assert.equal(row?.route, 'lazy');
  });

  it('Kratos password-migration hook: 200 {"status":"password_match"} or 403', async () => {
    const u = user(3);
    const ok = await gw.post('/v1/lazy/kratos/password-migration', { identifier: u.identifier, password: u.password }, bearer);
    assert.equal(ok.status, 200);
    assert.deepEqual(ok.body, { status: 'password_match' });
    const wrong = await gw.post('/v1/lazy/kratos/password-migration', { identifier: u.identifier, password: 'nope' }, bearer);
    assert.equal(wrong.status, 403);
    assert.notEqual(wrong.body?.status, 'password_match');
  });

  it('counts failed lazy checks per identifier: the fourth try in the window is 429 with Retry-After', async () => {
    const u = user(4);
    for (let i = 0; i < 3; i++) assert.equal((await gw.post('/v1/lazy/kratos/password-migration', { identifier: u.identifier, password: `bad${i}` }, bearer)).status, 403);
    const limited = await gw.post('/v1/lazy/kratos/password-migration', { identifier: u.identifier, password: u.password }, bearer);
    assert.equal(limited.status, 429);
    assert.ok(Number(limited.headers.get('retry-after')) >= 1);
  });

  describe('Auth0 custom-database scripts (run as Auth0 runs them)', () => {
    class WrongUsernameOrPasswordError extends Error {
      constructor(
        readonly userId: string,
        message: string,
      ) {
        super(message);
      }
    }
    const run = (script: string, fn: string, args: unknown[], token = TOKEN): Promise<unknown[]> =>
      new Promise((resolve) => {
        const context = vm.createContext({ fetch, configuration: { FLAGLESS_URL: `${gw.url}/`, FLAGLESS_TOKEN: token }, WrongUsernameOrPasswordError });
        vm.runInContext(script, context);
        (context[fn] as (...a: unknown[]) => void)(...args, (...out: unknown[]) => resolve(out));
      });

    it('login: a profile for the right password, WrongUsernameOrPasswordError otherwise', async () => {
      const u = user(5);
      const [err, profile] = await run(AUTH0_LOGIN_SCRIPT, 'login', [u.identifier, u.password]);
      assert.equal(err, null);
      const p = profile as Record<string, unknown>;
      assert.equal(p.user_id, u.sourceId);
      assert.equal(p.email, u.canonical.emails.find((e) => e.primary)!.address);
      assert.equal(typeof p.email_verified, 'boolean');
      const [wrong] = await run(AUTH0_LOGIN_SCRIPT, 'login', [u.identifier, 'nope']);
      assert.ok(wrong instanceof WrongUsernameOrPasswordError);
      const [badToken] = await run(AUTH0_LOGIN_SCRIPT, 'login', [u.identifier, u.password], 'wrong-token');
      assert.ok(!(badToken instanceof WrongUsernameOrPasswordError), 'a misconfigured gateway is not a wrong password');
      assert.match(String((badToken as Error).message), /answered 401/, 'it is an error Auth0 logs');
    });

    it('get_user: the profile, or callback(null) when there is no such user', async () => {
      const u = user(6);
      const [err, profile] = await run(AUTH0_GET_USER_SCRIPT, 'getUser', [u.identifier]);
      assert.equal(err, null);
      assert.equal((profile as Record<string, unknown>).user_id, u.sourceId);
      const none = await run(AUTH0_GET_USER_SCRIPT, 'getUser', ['nobody@example.com']);
      assert.deepEqual(none, [null]);
    });
  });
});
