/**
 * `sso inventory --from auth0` against the strict Auth0 Management API simulator, through the real
 * `auth0` SDK: enterprise connections by strategy (checkpoint paging), organizations' enabled
 * connections, certificates parsed for real, the users of an export counted, the dump saved
 * without secrets and read back, and the CLI's exit codes.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ssoInventory } from '../../src/app/sso-inventory.js';
import { startAuth0Simulator, type Auth0Simulator } from '../../src/connectors/auth0/sim/management-api.js';
import { isFlaglessError } from '../../src/protocol/errors.js';
import { DAY, makeCertificate, type TestCertificate } from '../helpers/certificates.js';
import { flaglessAsync } from '../helpers/cli.js';

describe('sso inventory --from auth0 (Management API simulator, auth0 SDK)', { timeout: 120_000 }, () => {
  let sim: Auth0Simulator;
  let soon: TestCertificate;
  let good: TestCertificate;
  const dir = mkdtempSync(join(tmpdir(), 'flagless-sso-auth0-'));
  const env = () => ({ AUTH0_DOMAIN: sim.domain, AUTH0_CLIENT_ID: sim.clientId, AUTH0_CLIENT_SECRET: sim.clientSecret });

  before(async () => {
    const now = Date.now();
    soon = makeCertificate('acme-idp', new Date(now - DAY), new Date(now + 12 * DAY));
    good = makeCertificate('globex-idp', new Date(now - DAY), new Date(now + 300 * DAY));
    const connections: Record<string, unknown>[] = [
      { id: 'con_db', name: 'Username-Password-Authentication', strategy: 'auth0', options: {} },
      { id: 'con_google', name: 'google-oauth2', strategy: 'google-oauth2', options: { client_id: 'g', client_secret: 'social-secret' } },
      { id: 'con_acme', name: 'acme-saml', strategy: 'samlp', options: { signInEndpoint: 'https://idp.acme.test/sso', signingCert: Buffer.from(soon.pem).toString('base64'), domain_aliases: ['acme.test'], signing_key: { key: 'PRIVATE-KEY-MATERIAL', cert: 'x' } } },
      { id: 'con_globex', name: 'globex-saml', strategy: 'samlp', options: { signInEndpoint: 'https://idp.globex.test/saml', cert: good.der64, entityId: 'urn:custom:globex', domain_aliases: ['globex.test'] } },
      { id: 'con_initech', name: 'initech-oidc', strategy: 'oidc', options: { client_id: 'initech-client', client_secret: 'OIDC-CLIENT-SECRET', issuer: 'https://login.initech.test', authorization_endpoint: 'https://login.initech.test/authorize', discovery_url: 'https://login.initech.test/.well-known/openid-configuration', domain_aliases: ['initech.test'] } },
      { id: 'con_hooli', name: 'hooli-azure', strategy: 'waad', options: { client_id: 'hooli-app', client_secret: 'WAAD-SECRET', tenant_domain: 'hooli.onmicrosoft.com', domain_aliases: ['hooli.test'] } },
    ];
    // More organizations than one page of 50 checkpoint results, so paging is exercised.
    const organizations = Array.from({ length: 55 }, (_, i) => ({ id: `org_${String(i).padStart(3, '0')}`, name: `org-${i}` }));
    sim = await startAuth0Simulator({
      connections,
      organizations,
      enabledConnections: [
        { organization_id: 'org_000', connection_id: 'con_acme' },
        { organization_id: 'org_054', connection_id: 'con_acme' },
        { organization_id: 'org_001', connection_id: 'con_globex' },
        { organization_id: 'org_002', connection_id: 'con_db' },
      ],
    });
  });
  after(async () => {
    await sim?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('lists only the enterprise connections, with their IdP, certificates, domains, organizations and legacy SP', async () => {
    const saveDump = join(dir, 'dump.json');
    const r = await ssoInventory({ from: 'auth0', env: env(), apiUrl: sim.url, saveDump, now: new Date() });
    const names = r.inventory.connections.map((c) => c.name).sort();
    assert.deepEqual(names, ['acme-saml', 'globex-saml', 'hooli-azure', 'initech-oidc']);
    const acme = r.inventory.connections.find((c) => c.name === 'acme-saml')!;
    assert.equal(acme.protocol, 'saml');
    assert.equal(acme.idp.signInUrl, 'https://idp.acme.test/sso');
    assert.equal(acme.idp.certificates[0]!.fingerprintSha256, soon.fingerprint);
    assert.equal(acme.legacySp.acsUrl, `https://${sim.domain}/login/callback?connection=acme-saml`);
    assert.equal(acme.legacySp.entityId, `urn:auth0:${sim.domain.split('.')[0]}:acme-saml`);
    assert.deepEqual(acme.organizations.sort(), ['org_000', 'org_054']);
    assert.deepEqual(acme.domains, ['acme.test']);
    const globex = r.inventory.connections.find((c) => c.name === 'globex-saml')!;
    assert.equal(globex.legacySp.entityId, 'urn:custom:globex', 'options.entityId overrides the default SP entity ID');
    assert.equal(globex.idp.certificates[0]!.fingerprintSha256, good.fingerprint);
    const initech = r.inventory.connections.find((c) => c.name === 'initech-oidc')!;
    assert.deepEqual([initech.protocol, initech.idp.issuer, initech.idp.clientId, initech.legacySp.callbackUrl], ['oidc', 'https://login.initech.test', 'initech-client', `https://${sim.domain}/login/callback`]);
    const hooli = r.inventory.connections.find((c) => c.name === 'hooli-azure')!;
    assert.equal(hooli.idp.issuer, 'https://login.microsoftonline.com/hooli.onmicrosoft.com/v2.0');
    assert.deepEqual(r.attention.map((a) => [a.connection, a.state]), [['acme-saml', 'expiring']]);
    assert.equal(r.inventory.recommendedPath, 'handoff');
    // The SDK asked for the enterprise strategies only, and paged the organizations.
    const conReq = sim.requests.find((q) => q.path === '/api/v2/connections')!;
    assert.equal(conReq.status, 200);
    assert.equal(sim.requests.filter((q) => q.path === '/api/v2/organizations').length, 2);
    const dump = readFileSync(saveDump, 'utf8');
    for (const secret of ['OIDC-CLIENT-SECRET', 'WAAD-SECRET', 'PRIVATE-KEY-MATERIAL', 'social-secret', sim.clientSecret]) assert.ok(!dump.includes(secret), `the dump holds ${secret}`);
    // The dump alone gives the same inventory.
    const again = await ssoInventory({ from: 'auth0', dump: saveDump });
    assert.deepEqual(again.inventory.connections, r.inventory.connections);
  });

  it('counts the users of an export per connection, from their identities', async () => {
    const file = join(dir, 'users.ndjson');
    const lines = [
      { user_id: 'samlp|acme-saml|a1', email: 'a1@acme.test', email_verified: true, identities: [{ provider: 'samlp', connection: 'acme-saml', user_id: 'acme-saml|a1', isSocial: false }] },
      { user_id: 'samlp|acme-saml|a2', email: 'a2@acme.test', email_verified: true, identities: [{ provider: 'samlp', connection: 'acme-saml', user_id: 'acme-saml|a2', isSocial: false }] },
      { user_id: 'oidc|initech-oidc|i1', email: 'i1@initech.test', email_verified: true, identities: [{ provider: 'oidc', connection: 'initech-oidc', user_id: 'i1', isSocial: false }] },
      { user_id: 'auth0|p1', email: 'p1@example.com', email_verified: true, identities: [{ provider: 'auth0', connection: 'Username-Password-Authentication', user_id: 'p1', isSocial: false }] },
    ];
    writeFileSync(file, lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
    const r = await ssoInventory({ from: 'auth0', env: env(), apiUrl: sim.url, export: { file } });
    const users = Object.fromEntries(r.inventory.connections.map((c) => [c.name, c.usersInExport]));
    assert.deepEqual(users, { 'acme-saml': 2, 'globex-saml': 0, 'initech-oidc': 1, 'hooli-azure': 0 });
  });

  it('recommends the proxy from 15 connections on', async () => {
    const many = Array.from({ length: 15 }, (_, i) => ({ id: `con_${i}`, name: `customer-${i}`, strategy: 'samlp', options: { signInEndpoint: `https://idp${i}.test/sso` } }));
    const big = await startAuth0Simulator({ connections: many });
    try {
      const r = await ssoInventory({ from: 'auth0', env: { AUTH0_DOMAIN: big.domain, AUTH0_CLIENT_ID: big.clientId, AUTH0_CLIENT_SECRET: big.clientSecret }, apiUrl: big.url });
      assert.equal(r.inventory.connections.length, 15);
      assert.equal(r.inventory.recommendedPath, 'proxy');
    } finally {
      await big.close();
    }
  });

  it('refuses wrong credentials as a fatal source error', async () => {
    await assert.rejects(
      ssoInventory({ from: 'auth0', env: { ...env(), AUTH0_CLIENT_SECRET: 'wrong' }, apiUrl: sim.url }),
      (e: unknown) => isFlaglessError(e) && e.code === 'E_SOURCE_API' && e.errorClass === 'fatal' && !e.message.includes('wrong'),
    );
  });

  it('the simulator refuses a strategy Auth0 does not have, through the SDK', async () => {
    const { ManagementClient } = await import('auth0');
    const { redirectingFetch } = await import('../../src/connectors/auth0/read-api.js');
    const client = new ManagementClient({ domain: sim.domain, clientId: sim.clientId, clientSecret: sim.clientSecret, fetch: redirectingFetch(sim.domain, sim.url), maxRetries: 0 });
    await assert.rejects(client.connections.list({ strategy: ['saml-nope' as never] }), (e: unknown) => (e as { statusCode?: number }).statusCode === 400);
    const page = await client.organizations.enabledConnections.list('org_000');
    assert.deepEqual(page.data.map((c) => c.connection_id), ['con_acme']);
    await assert.rejects(client.organizations.enabledConnections.list('org_missing'), (e: unknown) => (e as { statusCode?: number }).statusCode === 404);
  });

  it('CLI: table on stdout, --json document, exit 1 for the expiring certificate, exit 2 for bad credentials', async () => {
    const base = ['sso', 'inventory', '--from', 'auth0', '--source-url', sim.url];
    const human = await flaglessAsync(base, { env: env() });
    assert.equal(human.code, 1, human.stderr);
    assert.match(human.stdout, /acme-saml/);
    assert.match(human.stdout, /ATTENTION: acme-saml/);
    assert.match(human.stdout, /Recommended path: Admin Portal handoff/);
    const json = await flaglessAsync([...base, '--json'], { env: env() });
    assert.equal(json.code, 1);
    const doc = JSON.parse(json.stdout) as { vendor: string; connections: unknown[]; recommendedPath: string; attention: unknown[] };
    assert.deepEqual([doc.vendor, doc.connections.length, doc.recommendedPath, doc.attention.length], ['auth0', 4, 'handoff', 1]);
    // The --json document is what `sso setup --inventory` reads.
    const invFile = join(dir, 'inventory.json');
    writeFileSync(invFile, json.stdout);
    const kratos = await flaglessAsync(['sso', 'setup', '--to', 'kratos', '--inventory', invFile]);
    assert.equal(kratos.code, 1, 'SAML connections need Ory Network or Polis');
    assert.match(kratos.stdout, /id: "initech-oidc"/);
    assert.match(kratos.stdout, /issuer_url: "https:\/\/login\.microsoftonline\.com\/hooli\.onmicrosoft\.com\/v2\.0"/);
    const bad = await flaglessAsync([...base, '--json'], { env: { ...env(), AUTH0_CLIENT_SECRET: 'wrong-secret' } });
    assert.equal(bad.code, 2, bad.stderr);
    assert.ok(!bad.stderr.includes('wrong-secret') && !bad.stdout.includes('wrong-secret'));
    const usage = await flaglessAsync(['sso', 'inventory', '--from', 'auth0', '--dump', 'x.json', '--save-dump', 'y.json']);
    assert.equal(usage.code, 2);
    const noSub = await flaglessAsync(['sso']);
    assert.equal(noSub.code, 2);
    assert.match(noSub.stderr, /sso inventory/);
  });
});
