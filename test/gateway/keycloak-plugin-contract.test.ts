/**
 * Contract test: the requests the Keycloak community user-migration provider
 * (daniel-frak/keycloak-user-migration, RestUserService / UserModelFactory, plugin 6.x) sends,
 * replayed against the gateway, and its answers checked the way the plugin and Keycloak use them:
 *
 *  - GET  {uri}/{Encode.urlEncode(usernameOrEmail)}  (Accept: application/json; Bearer or Basic)
 *    → 200 + LegacyUser JSON, read by a default Jackson ObjectMapper (an unknown field fails the
 *    whole lookup); any other status is "not found". findByEmail / findByUsername then keep the
 *    user only when its email / username equals the typed one case-insensitively;
 *  - Keycloak creates the user (lower-casing the username) and the plugin throws "Local and remote
 *    users differ" unless the stored username equals ours exactly; a user id already taken in the
 *    server (the id is Keycloak's primary key across realms) is refused;
 *  - the user profile refuses person names with `<>&"$%!#?§;*~/\|^=[]{}()`;
 *  - totps: {secret, name, digits, period, algorithm, encoding} → OTPCredentialModel.createTOTP;
 *  - POST {uri}/{Encode.urlEncode(keycloak username)} {"password": "..."} → 200 valid, anything else invalid.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { isKeycloakPersonName, isKeycloakUsername } from '../../src/connectors/keycloak/map.js';
import { hashPassword } from '../../src/model/password/index.js';
import { Secret } from '../../src/model/secret.js';
import type { ExportIndex } from '../../src/gateway/legacy/export-index.js';
import { ExportVerifier } from '../../src/gateway/legacy/export-verifier.js';
import { captureLogs, indexOf, openBetterAuth, startGateway, tempDir, user, type Running } from './helpers.js';

const TOKEN = 'keycloak-plugin-token-0123456789';
/** java.net.URLEncoder (UTF-8): letters, digits and `.-*_` kept, space as `+`, everything else %XX. */
function javaUrlEncode(s: string): string {
  return [...Buffer.from(s, 'utf8')].map((b) => (/[A-Za-z0-9.\-*_]/.test(String.fromCharCode(b)) ? String.fromCharCode(b) : b === 0x20 ? '+' : `%${b.toString(16).toUpperCase().padStart(2, '0')}`)).join('');
}

/** The record components of LegacyUser: Jackson fails on any other property. */
const LEGACY_USER_FIELDS = ['id', 'username', 'email', 'firstName', 'lastName', 'enabled', 'emailVerified', 'attributes', 'roles', 'groups', 'requiredActions', 'totps', 'organizations'];
const TOTP_FIELDS = ['secret', 'name', 'digits', 'period', 'algorithm', 'encoding'];

describe('the Keycloak user-migration plugin against the gateway (contract replay)', { timeout: 120_000 }, () => {
  const tmp = tempDir();
  let index: ExportIndex;
  let gw: Running;
  const logs = captureLogs();
  const plugin = (basic: boolean) => ({
    accept: 'application/json',
    authorization: basic ? `Basic ${Buffer.from(`keycloak:${TOKEN}`, 'latin1').toString('base64')}` : `Bearer ${TOKEN}`,
  });

  before(async () => {
    const h = (p: string) => hashPassword('bcrypt', p, { cost: 4 });
    const capitals = user('user_2Caps', 'Grace.Hopper@Example.COM', await h('caps-pw'));
    const named = user('user_2Named', 'named@example.com', await h('named-pw'), 'Ada_Lovelace');
    named.firstName = 'Ada "the countess"';
    named.lastName = 'Lovelace';
    const totp = user('user_2Totp', 'totp@example.com', await h('totp-pw'));
    totp.mfa = [{ kind: 'totp', secret: new Secret('JBSWY3DPEHPK3PXP'), label: 'Phone' }];
    const fallback = user('user_2Fallback', "o'brien@example.com", await h('fallback-pw'), 'not valid!');
    index = await indexOf([capitals, named, totp, fallback]);
    gw = await startGateway({
      state: path.join(tmp.dir, 'state.db'),
      legacy: new ExportVerifier(index),
      target: await openBetterAuth(path.join(tmp.dir, 'target.db')),
      index,
      token: TOKEN,
      logger: logs.logger,
    });
  });
  after(async () => {
    await gw.close();
    tmp.remove();
  });

  /** What the plugin does for one sign-in: lookup, Keycloak's own checks, then the password check under the stored username. */
  async function signIn(typed: string, password: string, byEmail: boolean, basic = false): Promise<{ user: Record<string, any>; stored: string; valid: boolean; why: string }> {
    const r = await gw.get(`/v1/lazy/keycloak/${javaUrlEncode(typed)}`, plugin(basic));
    assert.equal(r.status, 200, `lookup of ${typed}: ${r.text}`);
    const legacy = r.body as Record<string, any>;
    for (const k of Object.keys(legacy)) assert.ok(LEGACY_USER_FIELDS.includes(k), `Jackson would fail on the unknown field ${k}`);
    assert.equal(typeof legacy.username, 'string');
    assert.equal(typeof legacy.enabled, 'boolean');
    assert.equal(typeof legacy.emailVerified, 'boolean');
    for (const [name, values] of Object.entries(legacy.attributes ?? {})) assert.ok(Array.isArray(values) && values.every((v) => typeof v === 'string'), `attribute ${name} is a list of strings`);
    // RestUserService.findByEmail / findByUsername.
    const field = byEmail ? legacy.email : legacy.username;
    assert.equal(String(field).toUpperCase(), typed.toUpperCase(), 'the plugin keeps the user only when it is the one asked for');
    // Keycloak stores the username lower-cased; UserModelFactory.validateUsernamesEqual compares exactly.
    const stored = legacy.username.toLowerCase();
    assert.equal(stored, legacy.username, 'Local and remote users differ would fail this sign-in forever');
    assert.ok(isKeycloakUsername(stored));
    for (const n of ['firstName', 'lastName'] as const) if (legacy[n] !== undefined) assert.ok(isKeycloakPersonName(legacy[n]), `the user profile refuses ${n} ${JSON.stringify(legacy[n])}`);
    const post = await fetch(`${gw.url}/v1/lazy/keycloak/${javaUrlEncode(stored)}`, { method: 'POST', headers: { ...plugin(basic), 'content-type': 'application/json' }, body: JSON.stringify({ password }) });
    const answer = await post.text();
    return { user: legacy, stored, valid: post.status === 200, why: `${post.status} ${answer} ${logs.text().split('\n').filter((l) => /legacy|could not|failed/.test(l)).slice(-3).join(' | ')}` };
  }

  it('an email with capital letters: lower-cased username and email, so Keycloak stores what it was sent', async () => {
    const s = await signIn('grace.hopper@example.com', 'caps-pw', true);
    assert.equal(s.user.email, 'grace.hopper@example.com');
    assert.equal(s.valid, true, s.why);
  });

  it('no id: a second realm on the same server (staging beside production) creates its own; the source id stays an attribute as in the bulk import', async () => {
    const first = await signIn('named@example.com', 'named-pw', true);
    assert.equal(first.user.id, undefined, 'the plugin lets Keycloak generate the id when none is given');
    assert.deepEqual(first.user.attributes.flagless_source_id, ['user_2Named']);
    // "Staging" asks for the same user: same answer, and nothing in it collides across realms.
    const again = await signIn('Ada_Lovelace', 'named-pw', false, true);
    assert.equal(again.user.id, undefined);
    assert.equal(again.stored, 'ada_lovelace');
    assert.equal(again.valid, true, again.why);
  });

  it("a first name the user profile forbids is left out (the bulk mapper's rule); the valid last name stays", async () => {
    const s = await signIn('named@example.com', 'named-pw', true);
    assert.equal(s.user.firstName, undefined);
    assert.equal(s.user.lastName, 'Lovelace');
  });

  it('TOTP secrets are carried in totps, in the shape createTOTP reads', async () => {
    const s = await signIn('totp@example.com', 'totp-pw', true);
    assert.equal(s.user.totps.length, 1);
    const t = s.user.totps[0];
    assert.deepEqual(Object.keys(t).sort(), [...TOTP_FIELDS].sort());
    assert.deepEqual(t, { secret: 'JBSWY3DPEHPK3PXP', name: 'Phone', digits: 6, period: 30, algorithm: 'HmacSHA1', encoding: 'BASE32' });
    const plain = await signIn('grace.hopper@example.com', 'caps-pw', true);
    assert.equal(plain.user.totps, undefined, 'users without TOTP get no totps field (older plugins do not know it)');
  });

  it('a username Keycloak refuses falls back as in the bulk import, and the password check under that username works', async () => {
    const s = await signIn("o'brien@example.com", 'fallback-pw', true);
    assert.match(s.stored, /^user-/);
    assert.equal(s.valid, true, s.why);
  });

  it("a wrong password is invalid; unknown users are 404; the gateway's log and metrics say what happened", async () => {
    const s = await signIn('grace.hopper@example.com', 'wrong', true);
    assert.equal(s.valid, false);
    assert.equal((await gw.get(`/v1/lazy/keycloak/${javaUrlEncode('nobody@example.com')}`, plugin(false))).status, 404);
    const bad = await fetch(`${gw.url}/v1/lazy/keycloak/grace.hopper%40example.com`, { method: 'POST', headers: { authorization: 'Bearer nope', 'content-type': 'application/json' }, body: '{"password":"x"}' });
    assert.equal(bad.status, 401, 'the plugin shows this as invalid credentials too');
    const metrics = (await gw.get('/metrics', { authorization: `Bearer ${TOKEN}` })).text;
    assert.match(metrics, /flagless_gateway_lazy_calls_total\{endpoint="keycloak",operation="lookup",outcome="found"\} [1-9]/);
    assert.match(metrics, /flagless_gateway_lazy_calls_total\{endpoint="keycloak",operation="lookup",outcome="not_found"\} 1/);
    assert.match(metrics, /flagless_gateway_lazy_calls_total\{endpoint="keycloak",operation="verify",outcome="rejected"\} 1/);
    assert.match(metrics, /flagless_gateway_lazy_calls_total\{endpoint="keycloak",operation="verify",outcome="unauthorized"\} 1/);
    const text = logs.text();
    assert.match(text, /"outcome":"unauthorized"/);
    assert.match(text, /lazy-migration call answered/);
    for (const secret of ['caps-pw', 'named-pw', 'JBSWY3DPEHPK3PXP', TOKEN]) assert.ok(!text.includes(secret), 'nothing secret in the log');
  });
});
