/**
 * `sso inventory` from Cognito, Clerk and Firebase against their strict simulators: the Cognito
 * one through @aws-sdk/client-cognito-identity-provider (SigV4 checked), Clerk through
 * @clerk/backend, Firebase's Identity Toolkit admin v2 lists through plain HTTP (no Firebase SDK is
 * a dependency). Secrets the APIs return (OIDC client secrets) never reach the dump or the result.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ssoInventory } from '../../src/app/sso-inventory.js';
import { startClerkSimulator } from '../../src/connectors/clerk/sim/backend-api.js';
import { startCognitoSsoSimulator, type CognitoSimProvider, type CognitoSsoSim } from '../../src/connectors/cognito/sim/sso-api.js';
import { startFirebaseAdminSimulator } from '../../src/connectors/firebase/sim/identity-toolkit-admin.js';
import { isFlaglessError } from '../../src/protocol/errors.js';
import { DAY, idpMetadata, makeCertificate, type TestCertificate } from '../helpers/certificates.js';

const dir = mkdtempSync(join(tmpdir(), 'flagless-sso-vendors-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('sso inventory --from cognito (simulator, AWS SDK)', { timeout: 60_000 }, () => {
  let sim: CognitoSsoSim;
  let cert: TestCertificate;
  const POOL = 'eu-west-1_AbCdEf123';
  const KEY = { AWS_ACCESS_KEY_ID: 'AKIDFLAGLESSTEST', AWS_SECRET_ACCESS_KEY: 'flagless-secret-access-key', AWS_REGION: 'eu-west-1' };
  before(async () => {
    cert = makeCertificate('okta-acme', new Date(Date.now() - DAY), new Date(Date.now() + 200 * DAY));
    const providers: CognitoSimProvider[] = [
      { ProviderName: 'AcmeOkta', ProviderType: 'SAML' as const, ProviderDetails: { MetadataFile: idpMetadata('http://www.okta.com/exk1', 'https://acme.okta.test/app/sso/saml', cert), SSORedirectBindingURI: 'https://acme.okta.test/app/sso/saml' }, IdpIdentifiers: ['acme.test'] },
      { ProviderName: 'Google', ProviderType: 'Google' as const, ProviderDetails: { client_id: 'g', client_secret: 'GOOGLE-SECRET', authorize_scopes: 'email' } },
      { ProviderName: 'GlobexEntra', ProviderType: 'OIDC' as const, ProviderDetails: { client_id: 'globex-app', client_secret: 'OIDC-SECRET-COGNITO', oidc_issuer: 'https://login.microsoftonline.com/globex/v2.0', authorize_scopes: 'openid email', attributes_request_method: 'GET' }, IdpIdentifiers: ['globex.test'] },
      // More than one page of 60 identity providers.
      ...Array.from({ length: 60 }, (_, i) => ({ ProviderName: `Social${i}`, ProviderType: 'Facebook' as const, ProviderDetails: { client_id: `f${i}` } })),
    ];
    sim = await startCognitoSsoSimulator({ userPoolId: POOL, region: 'eu-west-1', accessKeyId: KEY.AWS_ACCESS_KEY_ID, secretAccessKey: KEY.AWS_SECRET_ACCESS_KEY, domain: 'acme-auth', providers });
  });
  after(() => sim?.close());

  it('reads SAML and OIDC identity providers with the pool domain, the legacy ACS URL and SP entity ID', async () => {
    const saveDump = join(dir, 'cognito.json');
    const r = await ssoInventory({ from: 'cognito', env: { ...KEY, COGNITO_USER_POOL_ID: POOL }, apiUrl: sim.url, saveDump });
    assert.deepEqual(r.inventory.connections.map((c) => c.name), ['AcmeOkta', 'GlobexEntra']);
    const [acme, globex] = r.inventory.connections;
    assert.equal(acme!.idp.entityId, 'http://www.okta.com/exk1');
    assert.equal(acme!.idp.signInUrl, 'https://acme.okta.test/app/sso/saml');
    assert.equal(acme!.idp.certificates[0]!.fingerprintSha256, cert.fingerprint);
    assert.equal(acme!.legacySp.acsUrl, 'https://acme-auth.auth.eu-west-1.amazoncognito.com/saml2/idpresponse');
    assert.equal(acme!.legacySp.entityId, `urn:amazon:cognito:sp:${POOL}`);
    assert.deepEqual(acme!.domains, ['acme.test']);
    assert.deepEqual([globex!.protocol, globex!.idp.issuer, globex!.idp.clientId, globex!.legacySp.callbackUrl], ['oidc', 'https://login.microsoftonline.com/globex/v2.0', 'globex-app', 'https://acme-auth.auth.eu-west-1.amazoncognito.com/oauth2/idpresponse']);
    assert.ok(!readFileSync(saveDump, 'utf8').includes('OIDC-SECRET-COGNITO'));
    assert.equal(sim.requests.filter((q) => q.operation === 'ListIdentityProviders').length, 2, 'two pages of providers');
    const custom = await ssoInventory({ from: 'cognito', dump: saveDump, legacyHost: 'login.acme.test' });
    assert.equal(custom.inventory.connections[0]!.legacySp.acsUrl, 'https://login.acme.test/saml2/idpresponse');
  });


  it('reads a provider given by MetadataURL from that URL, and refuses a document over 1 MB with a warning', async () => {
    const meta = createServer((req, res) => {
      if (req.url === '/meta.xml') res.writeHead(200, { 'content-type': 'application/xml' }).end(idpMetadata('https://idp.url.test', 'https://idp.url.test/sso', cert));
      else res.writeHead(200, { 'content-type': 'application/xml' }).end('<x>' + 'a'.repeat(1_100_000) + '</x>');
    });
    await new Promise<void>((resolve) => meta.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(meta.address() as AddressInfo).port}`;
    const byUrl = await startCognitoSsoSimulator({
      userPoolId: POOL, region: 'eu-west-1', accessKeyId: KEY.AWS_ACCESS_KEY_ID, secretAccessKey: KEY.AWS_SECRET_ACCESS_KEY, customDomain: 'login.acme.test',
      providers: [
        { ProviderName: 'ByUrl', ProviderType: 'SAML', ProviderDetails: { MetadataURL: `${base}/meta.xml` } },
        { ProviderName: 'Huge', ProviderType: 'SAML', ProviderDetails: { MetadataURL: `${base}/huge.xml` } },
      ],
    });
    try {
      const r = await ssoInventory({ from: 'cognito', env: { ...KEY, COGNITO_USER_POOL_ID: POOL }, apiUrl: byUrl.url });
      const [ok, huge] = r.inventory.connections;
      assert.deepEqual([ok!.idp.entityId, ok!.idp.signInUrl, ok!.idp.metadataUrl, ok!.legacySp.acsUrl], ['https://idp.url.test', 'https://idp.url.test/sso', `${base}/meta.xml`, 'https://login.acme.test/saml2/idpresponse']);
      assert.equal(ok!.idp.certificates[0]!.fingerprintSha256, cert.fingerprint);
      assert.equal(huge!.idp.entityId, undefined);
      assert.match(r.warnings.join('\n'), /Huge: its metadata URL could not be read \(larger than 1 MB\)/);
    } finally {
      await byUrl.close();
      meta.closeAllConnections();
      meta.close();
    }
  });

  it('a wrong secret fails the signature check: a fatal error naming no secret', async () => {
    await assert.rejects(
      ssoInventory({ from: 'cognito', env: { ...KEY, AWS_SECRET_ACCESS_KEY: 'not-the-secret', COGNITO_USER_POOL_ID: POOL }, apiUrl: sim.url }),
      (e: unknown) => isFlaglessError(e) && e.errorClass === 'fatal' && /InvalidSignatureException/.test(e.message) && !e.message.includes('not-the-secret'),
    );
    await assert.rejects(ssoInventory({ from: 'cognito', env: { ...KEY, COGNITO_USER_POOL_ID: 'eu-west-1_Nope' }, apiUrl: sim.url }), (e: unknown) => isFlaglessError(e) && /ResourceNotFoundException/.test(e.message));
  });

  it('the simulator answers the SDK with its documented limits', async () => {
    const sdk = await import('@aws-sdk/client-cognito-identity-provider');
    const client = new sdk.CognitoIdentityProviderClient({ endpoint: sim.url, region: 'eu-west-1', credentials: { accessKeyId: KEY.AWS_ACCESS_KEY_ID, secretAccessKey: KEY.AWS_SECRET_ACCESS_KEY }, maxAttempts: 1 });
    try {
      await assert.rejects(client.send(new sdk.ListIdentityProvidersCommand({ UserPoolId: POOL, MaxResults: 61 })), (e: unknown) => (e as Error).name === 'InvalidParameterException');
      await assert.rejects(client.send(new sdk.DescribeIdentityProviderCommand({ UserPoolId: POOL, ProviderName: 'Nope' })), (e: unknown) => (e as Error).name === 'ResourceNotFoundException');
      const one = await client.send(new sdk.DescribeIdentityProviderCommand({ UserPoolId: POOL, ProviderName: 'AcmeOkta' }));
      assert.equal(one.IdentityProvider?.ProviderType, 'SAML');
    } finally {
      client.destroy();
    }
  });
});

describe('sso inventory --from clerk (Backend API simulator, @clerk/backend)', { timeout: 60_000 }, () => {
  it('takes acs_url and sp_entity_id as Clerk returns them', async () => {
    const cert = makeCertificate('clerk-idp', new Date(Date.now() - 400 * DAY), new Date(Date.now() - DAY));
    const KEY = 'sk_test_flagless_sso';
    const sim = await startClerkSimulator(
      {
        users: [],
        samlConnections: [
          {
            id: 'samlc_1', name: 'Acme Okta', domain: 'acme.test', organization_id: 'org_1', idp_entity_id: 'http://www.okta.com/exk9', idp_sso_url: 'https://acme.okta.test/sso', idp_certificate: cert.der64,
            idp_certificate_issued_at: 0, idp_certificate_expires_at: 0, idp_certificates: [], idp_metadata_url: '', idp_metadata: '', acs_url: 'https://clerk.app.test/v1/saml/acs/samlc_1', sp_entity_id: 'https://clerk.app.test/saml/samlc_1',
            sp_metadata_url: 'https://clerk.app.test/v1/saml/metadata/samlc_1', active: true, provider: 'saml_okta', user_count: 3, sync_user_attributes: true, allow_subdomains: false, allow_idp_initiated: true, created_at: 1, updated_at: 1,
            attribute_mapping: { user_id: '', email_address: 'mail', first_name: 'givenName', last_name: 'sn' },
          },
        ],
      },
      { secretKey: KEY },
    );
    try {
      const r = await ssoInventory({ from: 'clerk', env: { CLERK_SECRET_KEY: KEY }, apiUrl: sim.url });
      const [c] = r.inventory.connections;
      assert.deepEqual([c!.name, c!.legacyId, c!.protocol, c!.kind, c!.enabled], ['Acme Okta', 'samlc_1', 'saml', 'saml_okta', true]);
      assert.deepEqual(c!.legacySp, { acsUrl: 'https://clerk.app.test/v1/saml/acs/samlc_1', entityId: 'https://clerk.app.test/saml/samlc_1' });
      assert.deepEqual([c!.domains, c!.organizations], [['acme.test'], ['org_1']]);
      assert.deepEqual(r.attention.map((a) => a.state), ['expired']);
      assert.ok(sim.requests.some((q) => q.path === '/v1/saml_connections' && q.status === 200));
      await assert.rejects(ssoInventory({ from: 'clerk', env: { CLERK_SECRET_KEY: 'sk_test_wrong' }, apiUrl: sim.url }), (e: unknown) => isFlaglessError(e) && e.errorClass === 'fatal');
    } finally {
      await sim.close();
    }
  });
});

describe('sso inventory --from firebase (Identity Toolkit admin v2 simulator)', { timeout: 60_000 }, () => {
  it('pages inbound SAML and OIDC configs and drops client secrets', async () => {
    const cert = makeCertificate('fb-idp', new Date(Date.now() - DAY), new Date(Date.now() + 90 * DAY));
    const sim = await startFirebaseAdminSimulator({
      projectId: 'acme-prod',
      accessToken: 'ya29.flagless-test-token',
      inboundSamlConfigs: [{ name: 'projects/acme-prod/inboundSamlConfigs/saml.acme', displayName: 'Acme', enabled: true, idpConfig: { idpEntityId: 'https://idp.acme.test', ssoUrl: 'https://idp.acme.test/sso', idpCertificates: [{ x509Certificate: cert.pem }] }, spConfig: { spEntityId: 'acme-prod-sp', callbackUri: 'https://acme-prod.firebaseapp.com/__/auth/handler' } }],
      // 101 OIDC configs: two pages of 100.
      oauthIdpConfigs: Array.from({ length: 101 }, (_, i) => ({ name: `projects/acme-prod/oauthIdpConfigs/oidc.c${i}`, clientId: `client-${i}`, issuer: `https://issuer${i}.test`, enabled: i !== 3, clientSecret: `FIREBASE-OIDC-SECRET-${i}` })),
    });
    try {
      const saveDump = join(dir, 'firebase.json');
      const r = await ssoInventory({ from: 'firebase', env: { FIREBASE_PROJECT_ID: 'acme-prod', FIREBASE_ACCESS_TOKEN: 'ya29.flagless-test-token' }, apiUrl: sim.url, saveDump });
      assert.equal(r.inventory.connections.length, 102);
      assert.equal(r.inventory.recommendedPath, 'proxy');
      const saml = r.inventory.connections[0]!;
      assert.deepEqual([saml.name, saml.idp.entityId, saml.legacySp.entityId, saml.legacySp.acsUrl], ['saml.acme', 'https://idp.acme.test', 'acme-prod-sp', 'https://acme-prod.firebaseapp.com/__/auth/handler']);
      assert.equal(saml.idp.certificates[0]!.fingerprintSha256, cert.fingerprint);
      assert.equal(r.inventory.connections.find((c) => c.name === 'oidc.c3')!.enabled, false);
      assert.ok(!readFileSync(saveDump, 'utf8').includes('FIREBASE-OIDC-SECRET'));
      assert.equal(sim.requests.filter((q) => q.path.endsWith('/oauthIdpConfigs')).length, 2);
      await assert.rejects(
        ssoInventory({ from: 'firebase', env: { FIREBASE_PROJECT_ID: 'acme-prod', FIREBASE_ACCESS_TOKEN: 'expired' }, apiUrl: sim.url }),
        (e: unknown) => isFlaglessError(e) && e.errorClass === 'fatal' && /401/.test(e.message) && !e.message.includes('expired'),
      );
      await assert.rejects(ssoInventory({ from: 'firebase', env: {}, apiUrl: sim.url }), (e: unknown) => isFlaglessError(e) && e.code === 'E_USAGE');
    } finally {
      await sim.close();
    }
  });
});
