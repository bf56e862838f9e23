// The service-provider simulators the SSO proof lands on are strict: against a real Keycloak
// realm acting as the IdP and real chromium, each accepts a genuine signed response once, and
// refuses it replayed, tampered with, addressed to another ACS URL (Destination / Recipient), for
// another connection's audience, or answering an AuthnRequest it did not issue; an OIDC callback
// is refused replayed. Without these, the proof's "zero failed logins" would mean nothing.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SAML } from '@node-saml/node-saml';
import { chromium, type Browser, type Page } from 'playwright-core';
import { connectKeycloak, deleteRealm, type KeycloakConnection } from '../../src/connectors/keycloak/admin-client.js';
import { setupIdpRealm, type IdpRealm } from '../../src/connectors/keycloak/idp-realm.js';
import { startAuth0SsoSim, type Auth0SsoConnection, type SsoServiceProviderSim } from '../../src/connectors/auth0/sim/sso-callback.js';
import { startWorkosSsoSim } from '../../src/connectors/workos/sim/sso-acs.js';
import { releaseKeycloak, useKeycloak } from '../keycloak/server-helper.js';

const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];
const USER = { username: 'grace', email: 'grace@acme.example', firstName: 'Grace', lastName: 'Hopper', password: `pw-${process.pid}-${Date.now()}` };

describe('SSO service-provider simulators (real Keycloak IdP, real chromium)', { timeout: 8 * 60_000 }, () => {
  let conn: KeycloakConnection;
  let idp: IdpRealm;
  let legacy: SsoServiceProviderSim;
  let browser: Browser;
  let page: Page;
  const realm = `flagless-sp-sims-${process.pid}`;
  const acs = (c: string): string => `${legacy.url}/login/callback?connection=${c}`;

  const post = (url: string, fields: Record<string, string>): Promise<Response> =>
    fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(fields).toString(), redirect: 'manual' });

  /** Signs in (once) and captures the next SAMLResponse the IdP posts to `acsPrefix`, delivering it or not. */
  async function capture(startUrl: string, acsPrefix: string, deliver: boolean): Promise<string> {
    let captured: string | undefined;
    await page.route((u: URL) => u.href.startsWith(acsPrefix), async (route) => {
      const req = route.request();
      if (req.method() === 'POST') captured = new URLSearchParams(req.postData() ?? '').get('SAMLResponse') ?? undefined;
      if (deliver) await route.continue();
      else await route.fulfill({ status: 204, body: '' });
    });
    try {
      await page.goto(startUrl);
      if (await page.locator('#kc-form-login').count()) {
        await page.fill('#username', USER.username);
        await page.fill('#password', USER.password);
        await page.click('#kc-login');
      }
      const deadline = Date.now() + 60_000;
      while (!captured && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      if (deliver) await page.waitForSelector('main#signed-in, main#login-failed', { timeout: 60_000 });
    } finally {
      await page.unrouteAll();
    }
    assert.ok(captured, 'the IdP posted a SAMLResponse');
    return captured;
  }

  before(async () => {
    const kc = await useKeycloak();
    conn = await connectKeycloak({ url: kc.url, username: kc.username, password: kc.password, timeoutMs: 120_000 });
    legacy = await startAuth0SsoSim();
    idp = await setupIdpRealm(conn, {
      realm,
      saml: [
        { name: 'acme', spEntityId: 'urn:auth0:t:acme', acsUrl: acs('acme') },
        { name: 'globex', spEntityId: 'urn:auth0:t:globex', acsUrl: acs('globex') },
      ],
      oidc: [{ name: 'initech', clientId: 't-initech', redirectUri: `${legacy.url}/login/callback` }],
      users: [USER],
    });
    const saml = (name: string): Auth0SsoConnection => ({ name, protocol: 'saml', spEntityId: `urn:auth0:t:${name}`, acsUrl: acs(name), idpEntityId: idp.samlEntityId, idpSsoUrl: idp.samlSsoUrl, idpCertPem: idp.signingCertPem, idpInitiated: true });
    legacy.configure([
      saml('acme'),
      saml('globex'),
      { name: 'initech', protocol: 'oidc', clientId: 't-initech', clientSecret: idp.oidcSecrets.initech!, redirectUri: `${legacy.url}/login/callback`, ...idp.oidc },
    ]);
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: CHROMIUM_ARGS });
    page = await (await browser.newContext()).newPage();
  });

  after(async () => {
    await browser?.close();
    await legacy?.close();
    if (conn) await deleteRealm(conn, realm);
    await releaseKeycloak();
  });

  it('accepts an IdP-initiated response once, and refuses it replayed, tampered with, or posted for another connection', async () => {
    const response = await capture(idp.idpInitiatedUrls.acme!, acs('acme'), true);
    assert.equal(legacy.completed.length, 1, JSON.stringify(legacy.refused));
    assert.equal(legacy.completed[0]!.kind, 'saml-idp-initiated');
    assert.equal(legacy.completed[0]!.email, USER.email);

    const replay = await post(acs('acme'), { SAMLResponse: response });
    assert.equal(replay.status, 400);
    assert.match(legacy.refused.at(-1)!.reason, /replayed assertion/);

    const xml = Buffer.from(response, 'base64').toString('utf8');
    assert.ok(xml.includes(USER.email));
    const tampered = Buffer.from(xml.replaceAll(USER.email, 'mallory@acme.example'), 'utf8').toString('base64');
    assert.equal((await post(acs('acme'), { SAMLResponse: tampered })).status, 400);
    assert.match(legacy.refused.at(-1)!.reason, /signature/i);

    // A fresh response for acme, posted to globex's ACS: wrong audience (and Destination).
    const fresh = await capture(idp.idpInitiatedUrls.acme!, acs('acme'), false);
    assert.equal((await post(acs('globex'), { SAMLResponse: fresh })).status, 400);
    assert.match(legacy.refused.at(-1)!.reason, /audience|Destination/i);
    // The same response is genuine: delivered where it belongs, it is accepted.
    assert.equal((await post(acs('acme'), { SAMLResponse: fresh })).status, 200, legacy.refused.at(-1)?.reason);
    assert.equal(legacy.completed.length, 2);
  });

  it('checks InResponseTo on SP-initiated logins: a response to a request it did not issue is refused', async () => {
    const before = legacy.completed.length;
    const response = await capture(`${legacy.url}/authorize?connection=acme`, acs('acme'), true);
    assert.equal(legacy.completed.length, before + 1, JSON.stringify(legacy.refused.at(-1)));
    assert.equal(legacy.completed.at(-1)!.kind, 'saml-sp-initiated');
    // Replayed: the request id was used up (and the assertion id was seen).
    assert.equal((await post(acs('acme'), { SAMLResponse: response })).status, 400);
    assert.match(legacy.refused.at(-1)!.reason, /InResponseTo|replayed/);
    // A target that did not issue the AuthnRequest refuses the (fresh) response even though it
    // trusts the same IdP, audience and ACS URL: this is why the proxy must route by InResponseTo.
    const target = await startWorkosSsoSim();
    try {
      target.configure([{ name: 'acme', protocol: 'saml', spEntityId: 'urn:auth0:t:acme', acsUrl: acs('acme'), idpEntityId: idp.samlEntityId, idpSsoUrl: idp.samlSsoUrl, idpCertPem: idp.signingCertPem, idpInitiated: true }]);
      const fresh = await capture(`${legacy.url}/authorize?connection=acme`, acs('acme'), false);
      assert.equal((await post(`${target.url}/sso/saml/acs/acme`, { SAMLResponse: fresh })).status, 400);
      assert.match(target.refused.at(-1)!.reason, /InResponseTo/);
      // An IdP-initiated response for the legacy ACS URL is accepted there (Destination = the legacy URL).
      const unsolicited = await capture(idp.idpInitiatedUrls.acme!, acs('acme'), false);
      assert.equal((await post(`${target.url}/sso/saml/acs/acme`, { SAMLResponse: unsolicited })).status, 200, target.refused.at(-1)?.reason);
      // Configured with another ACS URL, the target refuses it: Destination and Recipient are checked.
      target.configure([{ name: 'acme', protocol: 'saml', spEntityId: 'urn:auth0:t:acme', acsUrl: `${target.url}/sso/saml/acs/acme`, idpEntityId: idp.samlEntityId, idpSsoUrl: idp.samlSsoUrl, idpCertPem: idp.signingCertPem, idpInitiated: true }]);
      const another = await capture(idp.idpInitiatedUrls.acme!, acs('acme'), false);
      assert.equal((await post(`${target.url}/sso/saml/acs/acme`, { SAMLResponse: another })).status, 400);
      assert.match(target.refused.at(-1)!.reason, /Destination/);
    } finally {
      await target.close();
    }
  });

  it('OIDC: the code is exchanged and the ID token verified; the callback replayed is refused', async () => {
    const before = legacy.completed.length;
    let callback: string | undefined;
    page.on('request', (r) => {
      if (r.url().startsWith(`${legacy.url}/login/callback?`)) callback = r.url();
    });
    await page.goto(`${legacy.url}/authorize?connection=initech`);
    if (await page.locator('#kc-form-login').count()) {
      await page.fill('#username', USER.username);
      await page.fill('#password', USER.password);
      await page.click('#kc-login');
    }
    await page.waitForSelector('main#signed-in', { timeout: 60_000 });
    assert.equal(legacy.completed.length, before + 1);
    assert.deepEqual({ kind: legacy.completed.at(-1)!.kind, email: legacy.completed.at(-1)!.email }, { kind: 'oidc', email: USER.email });
    assert.ok(callback);
    assert.equal((await fetch(callback)).status, 400);
    assert.match(legacy.refused.at(-1)!.reason, /state/);
  });

  // Why the SP simulators send the browser through the proxy's relay with `requestVia` and keep
  // the AuthnRequest's Destination at the IdP's own URL: Keycloak checks Destination, so an SP
  // whose IdP sign-in URL is simply set to the relay has every SP-initiated login refused.
  it('Keycloak refuses an AuthnRequest whose Destination is not its SSO URL (a relay URL), and accepts its own', async () => {
    const answer = async (entryPoint: string): Promise<{ status: number; body: string }> => {
      const sp = new SAML({ entryPoint, issuer: 'urn:auth0:t:acme', callbackUrl: acs('acme'), idpCert: idp.signingCertPem, disableRequestedAuthnContext: true });
      const sent = new URL(await sp.getAuthorizeUrlAsync('', undefined, {}));
      const res = await fetch(`${idp.samlSsoUrl}${sent.search}`, { redirect: 'manual' });
      return { status: res.status, body: await res.text() };
    };
    const own = await answer(idp.samlSsoUrl);
    assert.equal(own.status, 200);
    assert.match(own.body, /kc-form-login/);
    const relayed = await answer(`${legacy.url}/v1/sso/relay/legacy/acme`);
    assert.equal(relayed.status, 400);
    assert.match(relayed.body, /Invalid Request/);
  });
});
