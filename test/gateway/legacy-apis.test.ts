/**
 * The legacy verifiers that call a vendor's login API, each against its strict simulator (Auth0
 * and Clerk cannot run here; Firebase's emulator is exercised in legacy-firebase-emulator.test.ts),
 * and one JIT move per vendor through the gateway into Better Auth.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { auth0LegacyVerifier, PASSWORD_REALM_GRANT } from '../../src/connectors/auth0/legacy-login.js';
import { startAuth0Sim, type Auth0Sim } from '../../src/connectors/auth0/sim/legacy.js';
import { clerkLegacyVerifier } from '../../src/connectors/clerk/legacy-login.js';
import { startClerkLegacySim, type ClerkLegacySim } from '../../src/connectors/clerk/sim/legacy.js';
import { firebaseLegacyVerifier } from '../../src/connectors/firebase/legacy-login.js';
import { startFirebaseSim, type FirebaseSim } from '../../src/connectors/firebase/sim/legacy.js';
import type { LegacyVerdict, LegacyVerifier } from '../../src/protocol/legacy.js';
import { openBetterAuth, startGateway, tempDir } from './helpers.js';

const reason = (v: LegacyVerdict) => (v.ok ? 'ok' : v.reason);

async function jitThroughGateway(dir: string, legacy: LegacyVerifier, identifier: string, password: string): Promise<void> {
  const target = await openBetterAuth(path.join(dir, `${legacy.name}-target.db`));
  const gw = await startGateway({ state: path.join(dir, `${legacy.name}-state.db`), legacy, target });
  try {
    assert.equal((await gw.post('/v1/login', { identifier, password: `${password}-wrong` })).status, 401);
    const r = await gw.post('/v1/login', { identifier, password });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.migration, 'jit');
    assert.equal((await target.login(identifier, password)).ok, true, 'the user signs in at the target with the same password');
    assert.equal((await gw.post('/v1/login', { identifier, password })).body.route, 'target');
  } finally {
    await gw.close();
  }
}

describe('Auth0 legacy verifier (password-realm grant, strict simulator)', () => {
  const tmp = tempDir();
  let sim: Auth0Sim;
  const client = { client_id: 'gw-client', client_secret: 'gw-secret', grant_types: [PASSWORD_REALM_GRANT], connections: ['Username-Password-Authentication'], trust_forwarded_ip: true };
  before(async () => {
    sim = await startAuth0Sim({
      domain: 'legacy.eu.auth0.com',
      connection: 'Username-Password-Authentication',
      clients: [client, { client_id: 'no-grant', client_secret: 's', grant_types: ['client_credentials'], connections: ['Username-Password-Authentication'] }],
      users: [
        { user_id: 'auth0|alice1', email: 'alice@example.com', password: 'Alice-Pw-1', email_verified: true, given_name: 'Alice', family_name: 'Liddell', name: 'Alice Liddell' },
        { user_id: 'auth0|bob1', email: 'bob@example.com', password: 'Bob-Pw-1', blocked: true },
        { user_id: 'auth0|carol1', email: 'carol@example.com', password: 'Carol-Pw-1' },
      ],
      bruteForceThreshold: 3,
    });
  });
  after(async () => {
    await sim.close();
    tmp.remove();
  });
  const verifier = (over: Partial<Parameters<typeof auth0LegacyVerifier>[0]> = {}) =>
    auth0LegacyVerifier({ domain: 'legacy.eu.auth0.com', clientId: client.client_id, clientSecret: client.client_secret, realm: 'Username-Password-Authentication', apiUrl: sim.url, forwardClientIp: true, ...over });

  it('a right password is ok with the id token’s sub as source id and its profile claims', async () => {
    const r = await verifier().verify('alice@example.com', 'Alice-Pw-1');
    assert.ok(r.ok);
    assert.equal(r.sourceId, 'auth0|alice1');
    assert.equal(r.user?.emails[0]?.verified, true);
    assert.equal(r.user?.firstName, 'Alice');
  });

  it('wrong password, unknown user, blocked user, and Auth0’s brute-force block per user and forwarded address', async () => {
    const v = verifier();
    assert.equal(reason(await v.verify('alice@example.com', 'nope', { clientIp: '203.0.113.7' })), 'invalid_credentials');
    assert.equal(reason(await v.verify('nobody@example.com', 'nope')), 'invalid_credentials', 'Auth0 does not say which');
    assert.equal(reason(await v.verify('bob@example.com', 'Bob-Pw-1')), 'disabled');
    for (let i = 0; i < 3; i++) await v.verify('carol@example.com', 'wrong', { clientIp: '198.51.100.9' });
    const blocked = await v.verify('carol@example.com', 'Carol-Pw-1', { clientIp: '198.51.100.9' });
    assert.deepEqual([reason(blocked), !blocked.ok && blocked.detail], ['disabled', 'too_many_attempts: blocked by Auth0 brute-force protection']);
    assert.equal(reason(await v.verify('carol@example.com', 'Carol-Pw-1', { clientIp: '198.51.100.10' })), 'ok', 'another address is not blocked');
    assert.ok(sim.requests.some((r) => r.forwardedFor === '198.51.100.9'), 'the end user address went in auth0-forwarded-for');
  });

  it('misconfiguration and outages are `unavailable`, never a wrong password', async () => {
    assert.equal(reason(await verifier({ clientSecret: 'bad' }).verify('alice@example.com', 'Alice-Pw-1')), 'unavailable');
    assert.equal(reason(await verifier({ clientId: 'no-grant', clientSecret: 's' }).verify('alice@example.com', 'Alice-Pw-1')), 'unavailable');
    assert.equal(reason(await verifier({ realm: 'other-db' }).verify('alice@example.com', 'Alice-Pw-1')), 'unavailable');
    sim.down = true;
    try {
      assert.equal(reason(await verifier().verify('alice@example.com', 'Alice-Pw-1')), 'unavailable');
    } finally {
      sim.down = false;
    }
    assert.equal(reason(await verifier({ apiUrl: 'http://127.0.0.1:9' }).verify('alice@example.com', 'Alice-Pw-1')), 'unavailable');
  });

  it('moves an Auth0 user into Better Auth at its first login through the gateway', async () => {
    await jitThroughGateway(tmp.dir, verifier(), 'alice@example.com', 'Alice-Pw-1');
  });
});

describe('Clerk legacy verifier (verify_password through @clerk/backend, strict simulator)', () => {
  const tmp = tempDir();
  let sim: ClerkLegacySim;
  const email = (id: string, address: string) => ({ id, email_address: address, verification: { status: 'verified' } });
  before(async () => {
    sim = await startClerkLegacySim({
      secretKey: 'sk_test_legacy',
      users: [
        { json: { id: 'user_ada', username: 'ada', first_name: 'Ada', last_name: 'Lovelace', primary_email_address_id: 'e1', email_addresses: [email('e1', 'ada@example.com')], public_metadata: { plan: 'pro' } }, password: 'Ada-Pw-1' },
        { json: { id: 'user_ban', primary_email_address_id: 'e2', email_addresses: [email('e2', 'banned@example.com')], banned: true }, password: 'Ban-Pw-1' },
        { json: { id: 'user_social', primary_email_address_id: 'e3', email_addresses: [email('e3', 'social@example.com')] } },
      ],
    });
  });
  after(async () => {
    await sim.close();
    tmp.remove();
  });
  const verifier = (key = 'sk_test_legacy') => clerkLegacyVerifier({ secretKey: key, apiUrl: sim.url });

  it('finds the user by email or username and verifies the password', async () => {
    const byEmail = await verifier().verify('ada@example.com', 'Ada-Pw-1');
    assert.ok(byEmail.ok);
    assert.equal(byEmail.sourceId, 'user_ada');
    assert.equal(byEmail.user?.firstName, 'Ada');
    assert.deepEqual(byEmail.user?.metadata.public, { plan: 'pro' });
    const byName = await verifier().verify('ada', 'Ada-Pw-1');
    assert.equal(reason(byName), 'ok');
    assert.ok(sim.requests.some((r) => r.path === '/v1/users/user_ada/verify_password' && r.status === 200));
  });

  it('wrong password, unknown user, banned user, user without password', async () => {
    const v = verifier();
    assert.equal(reason(await v.verify('ada@example.com', 'nope')), 'invalid_credentials');
    assert.equal(reason(await v.verify('nobody@example.com', 'nope')), 'unknown_user');
    assert.equal(reason(await v.verify('banned@example.com', 'Ban-Pw-1')), 'disabled');
    assert.equal(reason(await v.verify('banned@example.com', 'wrong')), 'invalid_credentials', 'the ban is not revealed without the password');
    assert.equal(reason(await v.verify('social@example.com', 'anything')), 'no_password');
  });

  it('a bad secret key, a rate limit and an outage are `unavailable`', async () => {
    assert.equal(reason(await verifier('sk_test_wrong').verify('ada@example.com', 'Ada-Pw-1')), 'unavailable');
    sim.rateLimited = { count: 1, retryAfter: 7 };
    const limited = await verifier().verify('ada@example.com', 'Ada-Pw-1');
    assert.equal(reason(limited), 'unavailable');
    sim.down = true;
    try {
      assert.equal(reason(await verifier().verify('ada@example.com', 'Ada-Pw-1')), 'unavailable');
    } finally {
      sim.down = false;
    }
  });

  it('moves a Clerk user into Better Auth at its first login through the gateway', async () => {
    await jitThroughGateway(tmp.dir, verifier(), 'ada@example.com', 'Ada-Pw-1');
  });
});

describe('Firebase legacy verifier (signInWithPassword, strict simulator)', () => {
  const tmp = tempDir();
  let sim: FirebaseSim;
  let hidden: FirebaseSim;
  const users = [
    { localId: 'fb-grace', email: 'grace@example.com', password: 'Grace-Pw-1', displayName: 'Grace Hopper', emailVerified: true },
    { localId: 'fb-off', email: 'off@example.com', password: 'Off-Pw-1', disabled: true },
    { localId: 'fb-google', email: 'google@example.com' },
  ];
  before(async () => {
    sim = await startFirebaseSim({ apiKey: 'AIza-test', users });
    hidden = await startFirebaseSim({ apiKey: 'AIza-test', users, enumerationProtection: true });
  });
  after(async () => {
    await sim.close();
    await hidden.close();
    tmp.remove();
  });
  const verifier = (s: FirebaseSim = sim, apiKey = 'AIza-test') => firebaseLegacyVerifier({ apiKey, apiUrl: s.url });

  it('a right password is ok with localId as source id and the looked-up profile', async () => {
    const r = await verifier().verify('grace@example.com', 'Grace-Pw-1');
    assert.ok(r.ok);
    assert.equal(r.sourceId, 'fb-grace');
    assert.equal(r.user?.emails[0]?.address, 'grace@example.com');
    assert.equal(r.user?.password, undefined, 'no hash travels from a login');
  });

  it('maps EMAIL_NOT_FOUND, INVALID_PASSWORD, USER_DISABLED, INVALID_LOGIN_CREDENTIALS, a bad API key and an outage', async () => {
    assert.equal(reason(await verifier().verify('nobody@example.com', 'x')), 'unknown_user');
    assert.equal(reason(await verifier().verify('grace@example.com', 'x')), 'invalid_credentials');
    assert.equal(reason(await verifier().verify('google@example.com', 'x')), 'invalid_credentials', 'a social-only user has no password');
    assert.equal(reason(await verifier().verify('off@example.com', 'Off-Pw-1')), 'disabled');
    assert.equal(reason(await verifier().verify('not-an-email', 'x')), 'unknown_user');
    assert.equal(reason(await verifier(hidden).verify('nobody@example.com', 'x')), 'invalid_credentials');
    assert.equal(reason(await verifier(sim, 'wrong-key').verify('grace@example.com', 'Grace-Pw-1')), 'unavailable');
    sim.down = true;
    try {
      assert.equal(reason(await verifier().verify('grace@example.com', 'Grace-Pw-1')), 'unavailable');
    } finally {
      sim.down = false;
    }
  });

  it('moves a Firebase user into Better Auth at its first login through the gateway', async () => {
    await jitThroughGateway(tmp.dir, verifier(), 'grace@example.com', 'Grace-Pw-1');
  });
});
