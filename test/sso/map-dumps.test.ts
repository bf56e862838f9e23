/** The pure dump → connection mappings: what `sso inventory --dump` does without any API. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { mapAuth0Connections } from '../../src/connectors/auth0/sso.js';
import { mapClerkConnections } from '../../src/connectors/clerk/sso.js';
import { mapCognitoConnections } from '../../src/connectors/cognito/sso.js';
import { mapFirebaseConnections } from '../../src/connectors/firebase/sso.js';
import { isFlaglessError } from '../../src/protocol/errors.js';

const takenAt = '2026-12-07T00:00:00.000Z';

describe('SSO dumps mapped to connections', () => {
  it('Auth0: a custom domain moves the ACS URL, not the entity ID; ADFS is flagged; SAML without the IdP entity ID warns', () => {
    const dump = {
      vendor: 'auth0', takenAt, domain: 'acme-prod.eu.auth0.com', tenant: 'acme-prod', organizationConnections: {},
      connections: [
        { id: 'con_1', name: 'globex', strategy: 'samlp', options: { signInEndpoint: 'https://idp.globex.test/sso' } },
        { id: 'con_2', name: 'contoso-adfs', strategy: 'adfs', options: { adfs_server: 'https://adfs.contoso.test/FederationMetadata/2007-06/FederationMetadata.xml' } },
        { id: 'con_3', name: 'gsuite', strategy: 'google-apps', options: { domain: 'initech.test', client_id: 'g-app' } },
      ],
    };
    const r = mapAuth0Connections(dump, { legacyHost: 'login.acme.test' });
    const [globex, adfs, gsuite] = r.connections;
    assert.equal(globex!.legacySp.acsUrl, 'https://login.acme.test/login/callback?connection=globex');
    assert.equal(globex!.legacySp.entityId, 'urn:auth0:acme-prod:globex');
    assert.equal(adfs!.idp.metadataUrl, 'https://adfs.contoso.test/FederationMetadata/2007-06/FederationMetadata.xml');
    assert.equal(adfs!.idp.signInUrl, undefined);
    assert.deepEqual([gsuite!.protocol, gsuite!.idp.issuer, gsuite!.domains], ['oidc', 'https://accounts.google.com', ['initech.test']]);
    assert.match(r.warnings.join('\n'), /globex: Auth0 does not return the IdP's entity ID/);
    assert.match(r.warnings.join('\n'), /contoso-adfs: Auth0 speaks WS-Federation/);
  });

  it('Cognito: metadata that does not parse and a pool without a domain are warnings, not guesses', () => {
    const r = mapCognitoConnections(
      { vendor: 'cognito', takenAt, userPoolId: 'us-east-1_X', region: 'us-east-1', providers: [
          { ProviderName: 'Broken', ProviderType: 'SAML', ProviderDetails: { MetadataFile: '<not-metadata/>' }, IdpIdentifiers: [] },
          { ProviderName: 'Text', ProviderType: 'SAML', ProviderDetails: { MetadataFile: 'plain text, not XML' }, IdpIdentifiers: [] },
          { ProviderName: 'Nothing', ProviderType: 'SAML', ProviderDetails: {}, IdpIdentifiers: [] },
        ] },
      {},
    );
    const [c] = r.connections;
    assert.equal(c!.legacySp.acsUrl, undefined);
    assert.equal(c!.legacySp.entityId, 'urn:amazon:cognito:sp:us-east-1_X');
    assert.equal(c!.idp.entityId, undefined);
    assert.match(r.warnings.join('\n'), /no domain/);
    assert.match(r.warnings.join('\n'), /Broken: its SAML metadata could not be parsed/);
    assert.match(r.warnings.join('\n'), /Text: its SAML metadata could not be parsed/);
    assert.equal(r.connections[2]!.idp.certificates.length, 0);
  });

  it('Firebase: the handler on the auth domain when a SAML config has no callbackUri', () => {
    const r = mapFirebaseConnections({ vendor: 'firebase', takenAt, projectId: 'p', authDomain: 'p.firebaseapp.com', inboundSamlConfigs: [{ name: 'projects/p/inboundSamlConfigs/saml.x', idpConfig: { idpEntityId: 'e' } }], oauthIdpConfigs: [] }, { legacyHost: 'auth.p.test' });
    assert.equal(r.connections[0]!.legacySp.acsUrl, 'https://auth.p.test/__/auth/handler');
    assert.equal(r.connections[0]!.enabled, false, 'absent enabled is false in proto3 JSON');
  });

  it('a dump of another shape is refused', () => {
    assert.throws(() => mapClerkConnections({ vendor: 'clerk', takenAt }, {}), (e: unknown) => isFlaglessError(e) && e.code === 'E_SOURCE_PARSE');
    assert.throws(() => mapAuth0Connections({ vendor: 'auth0', takenAt }, {}), (e: unknown) => isFlaglessError(e) && e.code === 'E_SOURCE_PARSE');
  });
});
