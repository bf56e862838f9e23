/**
 * `flagless sso setup --to keycloak` against a real Keycloak: a SAML identity provider from the
 * legacy IdP's settings (with the legacy SP entity ID under --proxy), an OIDC one whose discovery
 * document Keycloak imports from another realm of the same server (acting as the customer's IdP),
 * mappers, and the first-broker-login flow that links to the migrated account. A dry run writes
 * nothing; a second run changes nothing and says so; the client secret is never printed. A first
 * login links silently only to an account whose verified email the IdP asserts; an account that never
 * verified its email is not linked (the flow of earlier versions linked it), and that flow is repaired.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { connectKeycloak, type KeycloakConnection } from '../../src/connectors/keycloak/admin-client.js';
import { LINK_FLOW } from '../../src/connectors/keycloak/sso-setup.js';
import { CONDITION_UNVERIFIED, CONDITION_VERIFIED, linkAuthenticators } from '../../src/connectors/keycloak/sso-link-flow.js';
import { DAY, makeCertificate, type TestCertificate } from '../helpers/certificates.js';
import { flaglessAsync } from '../helpers/cli.js';
import { inventoryOf, oidcConnection, samlConnection } from '../sso/fixtures.js';
import { samlResponse } from '../helpers/saml.js';
import { readFileSync } from 'node:fs';
import { parseSsoProxyConfig } from '../../src/gateway/sso/config.js';
import { releaseKeycloak, useKeycloak, type LocalKeycloak } from './server-helper.js';


/** A cookie jar that honours paths: both realms of one server set cookies with the same names. */
class Jar {
  private cookies: { name: string; value: string; path: string }[] = [];
  store(res: Response): void {
    for (const line of res.headers.getSetCookie()) {
      const [pair, ...attrs] = line.split(';');
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq).trim();
      const value = pair!.slice(eq + 1).trim();
      const path = attrs.map((a) => a.trim()).find((a) => a.toLowerCase().startsWith('path='))?.slice(5) ?? '/';
      this.cookies = this.cookies.filter((c) => !(c.name === name && c.path === path));
      if (value !== '' && !/max-age=0/i.test(line)) this.cookies.push({ name, value, path });
    }
  }
  header(url: string): string {
    const path = new URL(url).pathname;
    return this.cookies.filter((c) => path.startsWith(c.path)).map((c) => `${c.name}=${c.value}`).join('; ');
  }
}

/** Follows redirects by hand (keeping cookies) until a page answers 200 or a redirect leaves the server. */
async function follow(jar: Jar, url: string, init: RequestInit = {}, stopAt?: string): Promise<{ url: string; res: Response }> {
  let current = url;
  let options = init;
  for (let i = 0; i < 20; i++) {
    const res = await fetch(current, { ...options, redirect: 'manual', headers: { ...(options.headers as Record<string, string>), cookie: jar.header(current) } });
    jar.store(res);
    const location = res.headers.get('location');
    if (res.status < 300 || res.status >= 400 || !location) return { url: current, res };
    current = new URL(location, current).href;
    if (stopAt && current.startsWith(stopAt)) return { url: current, res };
    options = {};
  }
  throw new Error('too many redirects');
}

const decodeHtml = (s: string) => s.replace(/&amp;/g, '&');

/** The flow as [level, step, requirement]: a sub-flow by its alias, an execution by its provider. */
const EXPECTED_SHAPE = [
  [0, 'idp-detect-existing-broker-user', 'REQUIRED'],
  [0, 'flagless-link-verified-email', 'CONDITIONAL'],
  [1, CONDITION_VERIFIED, 'REQUIRED'],
  [1, 'idp-auto-link', 'REQUIRED'],
  [0, 'flagless-link-unverified-email', 'CONDITIONAL'],
  [1, CONDITION_UNVERIFIED, 'REQUIRED'],
  [1, 'idp-email-verification', 'REQUIRED'],
];

describe('sso setup --to keycloak (real Keycloak)', { timeout: 600_000 }, () => {
  let kc: LocalKeycloak;
  let conn: KeycloakConnection;
  let cert: TestCertificate;
  const realm = `sso-app-${process.pid}`;
  const idpRealm = `sso-idp-${process.pid}`;
  const dir = mkdtempSync(join(tmpdir(), 'flagless-kc-sso-'));
  const inventory = join(dir, 'inventory.json');
  const SECRET = 'kc-oidc-client-secret-7f3a';
  const env = () => ({ KEYCLOAK_URL: kc.url, KEYCLOAK_ADMIN_USERNAME: kc.username, KEYCLOAK_ADMIN_PASSWORD: kc.password, KEYCLOAK_TIMEOUT_MS: '120000', OIDC_SECRET: SECRET });
  const writeInventory = (signInUrl?: string) => {
    const acme = samlConnection('Acme SAML', cert);
    if (signInUrl) acme.idp.signInUrl = signInUrl;
    writeFileSync(inventory, JSON.stringify(inventoryOf([acme, oidcConnection('initech', `${kc.url}/realms/${idpRealm}`, 'initech-broker')])));
  };
  const setup = (extra: string[] = []) => flaglessAsync(['sso', 'setup', '--to', 'keycloak', '--realm', realm, '--inventory', inventory, '--proxy', '--client-secret-env', 'OIDC_SECRET', '--json', ...extra], { env: env() });

  const flowShape = async (r: string) =>
    (await conn.admin.authenticationManagement.getExecutions({ realm: r, flow: LINK_FLOW })).map((e) => [e.level, e.authenticationFlow ? e.displayName : e.providerId, e.requirement]);
  const callback = 'http://127.0.0.1:9/cb';
  /** A browser login at the application that the hint sends through the IdP realm, as `username`. */
  const brokeredLogin = async (username: string, password: string) => {
    const jar = new Jar();
    const start = `${kc.url}/realms/${realm}/protocol/openid-connect/auth?client_id=app&response_type=code&scope=openid&redirect_uri=${encodeURIComponent(callback)}&kc_idp_hint=initech`;
    const login = await follow(jar, start);
    assert.ok(login.url.includes(`/realms/${idpRealm}/`), `the hint sends the browser to the IdP (${login.url})`);
    const action = decodeHtml(/<form[^>]*id="kc-form-login"[^>]*action="([^"]+)"/.exec(await login.res.text())![1]!);
    return follow(jar, action, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ username, password, credentialId: '' }).toString() }, callback);
  };

  before(async () => {
    kc = await useKeycloak();
    conn = await connectKeycloak({ url: kc.url, username: kc.username, password: kc.password, timeoutMs: 120_000 });
    await conn.admin.realms.create({ realm, enabled: true });
    await conn.admin.realms.create({ realm: idpRealm, enabled: true });
    cert = makeCertificate('idp.acme.test', new Date(Date.now() - DAY), new Date(Date.now() + 365 * DAY));
    writeInventory();
  });
  after(async () => {
    try {
      for (const r of [realm, idpRealm]) await conn?.admin.realms.del({ realm: r }).catch(() => undefined);
    } finally {
      rmSync(dir, { recursive: true, force: true });
      await releaseKeycloak();
    }
  });

  it('the authenticators the flow uses exist in this Keycloak', async () => {
    const res = await fetch(`${kc.url}/admin/realms/${realm}/authentication/authenticator-providers`, { headers: { authorization: `Bearer ${await conn.admin.getAccessToken()}` } });
    const providers = (await res.json()) as { id?: string }[];
    for (const id of linkAuthenticators()) assert.ok(providers.some((p) => p.id === id), `${id} is an authenticator of this server`);
  });

  it('a dry run lists what it would create and creates nothing', async () => {
    const r = await setup(['--dry-run']);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /Acme SAML: Keycloak refuses SAML responses addressed to another ACS URL/, 'a SAML connection behind the proxy needs a person');
    const doc = JSON.parse(r.stdout) as { actions: { connection: string; what: string; action: string }[] };
    assert.ok(doc.actions.some((a) => a.connection === 'Acme SAML' && a.what === 'identity-provider' && a.action === 'would-create'));
    assert.equal((await conn.admin.identityProviders.find({ realm })).length, 0);
    assert.ok(!(await conn.admin.authenticationManagement.getFlows({ realm })).some((f) => f.alias === LINK_FLOW));
  });

  it('creates the identity providers, mappers and the linking flow; the secret is never printed', async () => {
    const r = await setup();
    assert.equal(r.code, 1, r.stderr);
    assert.deepEqual((JSON.parse(r.stdout) as { warnings: string[] }).warnings.map((w) => w.split(':')[0]), ['Acme SAML'], 'only the Destination warning');
    assert.ok(!r.stdout.includes(SECRET) && !r.stderr.includes(SECRET));
    const saml = (await conn.admin.identityProviders.findOne({ realm, alias: 'acme-saml' }))!;
    assert.equal(saml.providerId, 'saml');
    assert.equal(saml.firstBrokerLoginFlowAlias, LINK_FLOW);
    assert.equal(saml.trustEmail, true);
    const c = saml.config as Record<string, string>;
    assert.equal(c.entityId, 'urn:auth0:tenant:acme-saml', '--proxy: the SP entity ID the IdP already trusts');
    assert.equal(c.idpEntityId, 'https://idp.acme-saml.test/entity');
    assert.equal(c.singleSignOnServiceUrl, 'https://idp.acme-saml.test/sso');
    assert.equal(c.signingCertificate, cert.der64);
    assert.equal(c.validateSignature, 'true');
    assert.equal(c.principalType, 'SUBJECT');
    const oidc = (await conn.admin.identityProviders.findOne({ realm, alias: 'initech' }))!;
    const o = oidc.config as Record<string, string>;
    assert.equal(oidc.providerId, 'oidc');
    assert.equal(o.issuer, `${kc.url}/realms/${idpRealm}`);
    assert.equal(o.tokenUrl, `${kc.url}/realms/${idpRealm}/protocol/openid-connect/token`);
    assert.equal(o.clientId, 'initech-broker');
    assert.notEqual(o.clientSecret, undefined, 'a client secret is stored');
    const samlMappers = await conn.admin.identityProviders.findMappers({ realm, alias: 'acme-saml' });
    assert.deepEqual(samlMappers.map((m) => m.name).sort(), ['email', 'email-claim', 'firstName', 'firstName-claim', 'lastName', 'lastName-claim']);
    const oidcMappers = await conn.admin.identityProviders.findMappers({ realm, alias: 'initech' });
    assert.deepEqual(oidcMappers.map((m) => [m.name, (m.config as Record<string, string>).claim]).sort(), [['email', 'email'], ['firstName', 'given_name'], ['lastName', 'family_name']]);
    assert.deepEqual(await flowShape(realm), EXPECTED_SHAPE);
  });

  it('a second run changes nothing and says so; a changed SSO URL is updated', async () => {
    const again = await flaglessAsync(['sso', 'setup', '--to', 'keycloak', '--realm', realm, '--inventory', inventory, '--proxy', '--client-secret-env', 'OIDC_SECRET'], { env: env() });
    assert.equal(again.code, 1, again.stderr);
    assert.match(again.stdout, /Nothing to change/);
    assert.doesNotMatch(again.stdout, /\b(created|updated)\b/);
    writeInventory('https://idp.acme.test/new-sso');
    const changed = await setup();
    const doc = JSON.parse(changed.stdout) as { actions: { connection: string; what: string; action: string; detail?: string }[] };
    const idp = doc.actions.find((a) => a.connection === 'Acme SAML' && a.what === 'identity-provider')!;
    assert.deepEqual([idp.action, idp.detail], ['updated', 'singleSignOnServiceUrl']);
    assert.equal(((await conn.admin.identityProviders.findOne({ realm, alias: 'acme-saml' }))!.config as Record<string, string>).singleSignOnServiceUrl, 'https://idp.acme.test/new-sso');
  });


  it('a first login through the OIDC identity provider links to the migrated account with the same email, creating none', async () => {
    // The customer's IdP: a realm of the same server with the broker's client and the employee.
    await conn.admin.clients.create({ realm: idpRealm, clientId: 'initech-broker', secret: SECRET, publicClient: false, standardFlowEnabled: true, redirectUris: [`${kc.url}/realms/${realm}/broker/initech/endpoint`] });
    await conn.admin.users.create({ realm: idpRealm, username: 'ada', email: 'ada@initech.test', emailVerified: true, firstName: 'Ada', lastName: 'Lovelace', enabled: true, credentials: [{ type: 'password', value: 'Idp-password-1', temporary: false }] });
    // The account flagless migrated earlier, and the application's client.
    const { id: migratedId } = await conn.admin.users.create({ realm, username: 'ada@initech.test', email: 'ada@initech.test', emailVerified: true, firstName: 'Ada', lastName: 'Lovelace', enabled: true });
    await conn.admin.clients.create({ realm, clientId: 'app', publicClient: true, standardFlowEnabled: true, redirectUris: [callback] });
    const before = await conn.admin.users.count({ realm });

    const done = await brokeredLogin('ada', 'Idp-password-1');
    assert.ok(done.url.startsWith(`${callback}?`) && new URL(done.url).searchParams.has('code'), `the login ends at the application with a code (${done.url}, HTTP ${done.res.status})`);
    assert.equal(await conn.admin.users.count({ realm }), before, 'no second account');
    const links = await conn.admin.users.listFederatedIdentities({ realm, id: migratedId });
    assert.deepEqual(links.map((l) => l.identityProvider), ['initech'], 'the IdP identity is linked to the migrated account');
  });

  it('an existing account that never verified its email is not linked by an IdP asserting that address', async () => {
    // The IdP vouches for bob@initech.test (its user is verified there); the account with that
    // address in the application's realm never proved it owns it (a sign-up that never clicked).
    await conn.admin.users.create({ realm: idpRealm, username: 'bob', email: 'bob@initech.test', emailVerified: true, enabled: true, firstName: 'Bob', lastName: 'B', credentials: [{ type: 'password', value: 'Idp-password-2', temporary: false }] });
    const { id: squatterId } = await conn.admin.users.create({ realm, username: 'bob@initech.test', email: 'bob@initech.test', emailVerified: false, firstName: 'Bob', lastName: 'B', enabled: true });
    const before = await conn.admin.users.count({ realm });
    const done = await brokeredLogin('bob', 'Idp-password-2');
    assert.ok(!done.url.startsWith(callback), `the login does not reach the application (${done.url}, HTTP ${done.res.status})`);
    assert.deepEqual(await conn.admin.users.listFederatedIdentities({ realm, id: squatterId }), [], 'the unverified account is not linked');
    assert.equal(await conn.admin.users.count({ realm }), before, 'no account is created either');
    // Once the account has verified its address, the same login links (the check, not the IdP, refused).
    await conn.admin.users.update({ realm, id: squatterId }, { emailVerified: true });
    const again = await brokeredLogin('bob', 'Idp-password-2');
    assert.ok(again.url.startsWith(`${callback}?`), `a verified account is linked (${again.url})`);
    assert.deepEqual((await conn.admin.users.listFederatedIdentities({ realm, id: squatterId })).map((l) => l.identityProvider), ['initech']);
  });

  it('repairs the flow of earlier versions (idp-auto-link straight after detection) into the checked one', async () => {
    const old = `sso-old-${process.pid}`;
    await conn.admin.realms.create({ realm: old, enabled: true });
    try {
      await conn.admin.authenticationManagement.createFlow({ realm: old, alias: LINK_FLOW, providerId: 'basic-flow', topLevel: true, builtIn: false, description: 'old' });
      for (const provider of ['idp-detect-existing-broker-user', 'idp-auto-link']) await conn.admin.authenticationManagement.addExecutionToFlow({ realm: old, flow: LINK_FLOW, provider });
      for (const e of await conn.admin.authenticationManagement.getExecutions({ realm: old, flow: LINK_FLOW })) await conn.admin.authenticationManagement.updateExecution({ realm: old, flow: LINK_FLOW }, { ...e, requirement: 'REQUIRED' });
      const r = await flaglessAsync(['sso', 'setup', '--to', 'keycloak', '--realm', old, '--inventory', inventory, '--connection', 'Acme SAML', '--json'], { env: env() });
      assert.equal(r.code, 0, r.stderr);
      const doc = JSON.parse(r.stdout) as { actions: { what: string; action: string; detail?: string }[] };
      assert.ok(doc.actions.some((a) => a.what === 'flow-step:idp-auto-link' && a.action === 'updated' && /removed/.test(a.detail ?? '')), r.stdout);
      assert.deepEqual(await flowShape(old), EXPECTED_SHAPE);
      const again = await flaglessAsync(['sso', 'setup', '--to', 'keycloak', '--realm', old, '--inventory', inventory, '--connection', 'Acme SAML', '--json'], { env: env() });
      const steps = (JSON.parse(again.stdout) as { actions: { what: string; action: string }[] }).actions.filter((a) => a.what.startsWith('flow'));
      assert.ok(steps.every((a) => a.action === 'unchanged'), again.stdout);
    } finally {
      await conn.admin.realms.del({ realm: old }).catch(() => undefined);
    }
  });


  it('--proxy-url: the IdP sign-in URLs go through the proxy\'s relay, and --proxy-config-out writes a config the proxy takes', async () => {
    const proxied = `sso-proxy-${process.pid}`;
    await conn.admin.realms.create({ realm: proxied, enabled: true });
    try {
      const inv = join(dir, 'proxy-inventory.json');
      const acme = samlConnection('acme', cert);
      writeFileSync(inv, JSON.stringify(inventoryOf([acme, oidcConnection('initech', `${kc.url}/realms/${idpRealm}`, 'initech-broker')])));
      const out = join(dir, 'sso.json');
      const proxy = 'https://login.example.test/';
      const r = await flaglessAsync(['sso', 'setup', '--to', 'keycloak', '--realm', proxied, '--inventory', inv, '--proxy-url', proxy, '--proxy-config-out', out, '--client-secret-env', 'OIDC_SECRET', '--json'], { env: env() });
      assert.equal(r.code, 1, r.stderr);
      assert.deepEqual((JSON.parse(r.stdout) as { warnings: string[] }).warnings.map((w) => w.split(':')[0]), ['acme'], 'the SAML connection needs its ACS URL changed; the OIDC one does not');
      assert.equal((JSON.parse(r.stdout) as { proxyConfigFile?: string }).proxyConfigFile, out);
      assert.match(r.stderr, /relay\/legacy\/<connection>/, 'says what to set at the legacy provider');
      const saml = (await conn.admin.identityProviders.findOne({ realm: proxied, alias: 'acme' }))!.config as Record<string, string>;
      assert.equal(saml.singleSignOnServiceUrl, 'https://login.example.test/v1/sso/relay/target/acme');
      assert.equal(saml.entityId, acme.legacySp.entityId, '--proxy-url implies --proxy');
      const oidc = (await conn.admin.identityProviders.findOne({ realm: proxied, alias: 'initech' }))!.config as Record<string, string>;
      assert.equal(oidc.authorizationUrl, 'https://login.example.test/v1/sso/relay/target/initech');
      const doc = JSON.parse(readFileSync(out, 'utf8')) as unknown;
      const config = parseSsoProxyConfig(doc);
      const a = config.connections.find((c) => c.name === 'acme')!;
      assert.deepEqual(a.callbackPaths, ['/login/callback?connection=acme']);
      assert.equal(a.legacy.callbackUrl, acme.legacySp.acsUrl);
      assert.equal(a.target?.callbackUrl, `${kc.url}/realms/${proxied}/broker/acme/endpoint`);
      assert.equal(a.idpSignInUrl, acme.idp.signInUrl, 'the proxy relays on to the IdP itself');
      const o = config.connections.find((c) => c.name === 'initech')!;
      assert.equal(o.target?.callbackUrl, `${kc.url}/realms/${proxied}/broker/initech/endpoint`);
      assert.equal(o.idpSignInUrl, `${kc.url}/realms/${idpRealm}/protocol/openid-connect/auth`);
      assert.ok(!readFileSync(out, 'utf8').includes(SECRET), 'no secret in the config');
      const noUrl = await flaglessAsync(['sso', 'setup', '--to', 'keycloak', '--realm', proxied, '--inventory', inv, '--proxy-config-out', out], { env: env() });
      assert.equal(noUrl.code, 2, 'a config without the proxy URL is refused');
    } finally {
      await conn.admin.realms.del({ realm: proxied }).catch(() => undefined);
    }
  });

  it('Keycloak refuses a SAML response whose Destination is the legacy ACS URL (what the proxy forwards), not one addressed to its endpoint', async () => {
    // Keycloak stores these events only when asked to (not among the default saved types).
    await conn.admin.realms.update({ realm }, { eventsEnabled: true, enabledEventTypes: ['IDENTITY_PROVIDER_RESPONSE', 'IDENTITY_PROVIDER_RESPONSE_ERROR'] });
    const endpoint = `${kc.url}/realms/${realm}/broker/acme-saml/endpoint`;
    const acme = samlConnection('Acme SAML', cert);
    const refusals = async () => {
      const events = await conn.admin.realms.findEvents({ realm, max: 500 });
      const by = (reason: string) => events.filter((e) => e.error === reason || (e.details as Record<string, string> | undefined)?.reason === reason).length;
      return { destination: by('invalid_destination'), signature: by('invalid_signature') };
    };
    const post = async (destination: string) => {
      const SAMLResponse = samlResponse({ keys: { privateKey: cert.keyPem, publicKey: '' }, issuer: acme.idp.entityId!, nameId: 'ada@initech.test', audience: acme.legacySp.entityId!, destination, digestAlgorithm: 'sha256' });
      const before = await refusals();
      const res = await fetch(endpoint, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ SAMLResponse }).toString() });
      await res.arrayBuffer();
      const after = await refusals();
      return { status: res.status, destination: after.destination - before.destination, signature: after.signature - before.signature };
    };
    assert.deepEqual(await post(acme.legacySp.acsUrl!), { status: 400, destination: 1, signature: 0 }, 'refused for its Destination');
    // The same response addressed to Keycloak's own endpoint passes the Destination and signature
    // checks (it fails later only because no login is under way: an unsolicited response).
    const own = await post(endpoint);
    assert.deepEqual([own.destination, own.signature], [0, 0], JSON.stringify(own));
  });

  it('a SAML connection whose IdP entity ID is unknown (Auth0 keeps none) is set up without the Issuer check, and says so (exit 1)', async () => {
    const partial = join(dir, 'partial.json');
    writeFileSync(partial, JSON.stringify(inventoryOf([samlConnection('globex', cert, { idp: { signInUrl: 'https://idp.globex.test/sso', certificates: samlConnection('globex', cert).idp.certificates } })])));
    const r = await flaglessAsync(['sso', 'setup', '--to', 'keycloak', '--realm', realm, '--inventory', partial, '--json'], { env: env() });
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /globex: the IdP's entity ID is unknown/);
    const idp = (await conn.admin.identityProviders.findOne({ realm, alias: 'globex' }))!;
    const c = idp.config as Record<string, string>;
    assert.equal(c.idpEntityId ?? '', '');
    assert.equal(c.singleSignOnServiceUrl, 'https://idp.globex.test/sso');
    assert.notEqual(c.entityId, 'urn:auth0:tenant:globex', 'without --proxy Keycloak keeps its own SP entity ID');
  });

  it('refuses a realm that does not exist (exit 2) and a --client-secret-env that is not a name', async () => {
    const r = await flaglessAsync(['sso', 'setup', '--to', 'keycloak', '--realm', 'no-such-realm', '--inventory', inventory], { env: env() });
    assert.equal(r.code, 2, r.stderr);
    const v = await flaglessAsync(['sso', 'setup', '--to', 'keycloak', '--realm', realm, '--inventory', inventory, '--client-secret-env', 'sk live value'], { env: env() });
    assert.equal(v.code, 2);
  });
});
