// A Keycloak realm acting as a customer's enterprise identity provider: SAML IdP for some
// connections, OpenID provider for others, with its own users. `flagless demo sso` and the SSO
// proof tests configure it through the admin REST API at run time; its signing key is the one
// Keycloak generates for the realm, and the OIDC client secret is generated here per run.
import { randomBytes } from 'node:crypto';
import { LOCAL_ADMIN_PASSWORD, LOCAL_ADMIN_USERNAME, toFlaglessError, type KeycloakConnection } from './admin-client.js';

export interface IdpSamlConnection {
  /** The connection's name at the service provider (used for the IdP-initiated URL name too). */
  name: string;
  /** The SP entity ID the IdP is configured with (the Audience it writes): the legacy SP's. */
  spEntityId: string;
  /** The ACS URL the IdP posts responses to: the legacy callback (the proxy, when one is in front). */
  acsUrl: string;
}

export interface IdpOidcConnection {
  name: string;
  /** The client id the SP uses at this IdP. */
  clientId: string;
  /** The redirect URI the IdP allows: the legacy callback. */
  redirectUri: string;
}

export interface IdpUser {
  username: string;
  email: string;
  firstName: string;
  lastName: string;
  password: string;
}

export interface IdpRealmOptions {
  realm: string;
  saml: IdpSamlConnection[];
  oidc: IdpOidcConnection[];
  users: IdpUser[];
}

export interface IdpRealm {
  realm: string;
  /** SAML: the IdP's entity ID (the Issuer of its responses). */
  samlEntityId: string;
  /** SAML: the SSO URL (HTTP-Redirect and POST bindings). */
  samlSsoUrl: string;
  /** The realm's signing certificate, PEM: what a SAML SP trusts. */
  signingCertPem: string;
  /** Per SAML connection: the URL that starts an IdP-initiated login. */
  idpInitiatedUrls: Record<string, string>;
  /** OIDC: the issuer and its endpoints (from the discovery document). */
  oidc: { issuer: string; authorizationEndpoint: string; tokenEndpoint: string; jwksUri: string };
  /** Per OIDC connection: the client secret generated for this run. */
  oidcSecrets: Record<string, string>;
}

const SAML_NAME_ID_EMAIL = 'email';

/** The SAML client of one connection: signed responses and signed assertions, POST binding, IdP-initiated URL name set. */
function samlClient(c: IdpSamlConnection): Record<string, unknown> {
  return {
    clientId: c.spEntityId,
    name: c.name,
    protocol: 'saml',
    enabled: true,
    redirectUris: [c.acsUrl],
    frontchannelLogout: false,
    attributes: {
      'saml.server.signature': 'true',
      'saml.assertion.signature': 'true',
      'saml.signature.algorithm': 'RSA_SHA256',
      saml_signature_canonicalization_method: 'http://www.w3.org/2001/10/xml-exc-c14n#',
      // The SP does not sign its AuthnRequests (as most SaaS SPs by default).
      'saml.client.signature': 'false',
      'saml.force.post.binding': 'true',
      'saml.authnstatement': 'true',
      saml_name_id_format: SAML_NAME_ID_EMAIL,
      saml_force_name_id_format: 'true',
      saml_assertion_consumer_url_post: c.acsUrl,
      saml_idp_initiated_sso_url_name: c.name,
    },
  };
}

/** Creates (or re-creates) the realm with its clients and users and returns what the SPs must trust. */
export async function setupIdpRealm(conn: KeycloakConnection, options: IdpRealmOptions): Promise<IdpRealm> {
  const { realm } = options;
  const admin = conn.admin;
  const oidcSecrets: Record<string, string> = {};
  try {
    const existing = await admin.realms.findOne({ realm });
    if (existing) await admin.realms.del({ realm });
    await admin.realms.create({ realm, enabled: true, loginWithEmailAllowed: true, bruteForceProtected: false });
    for (const c of options.saml) await admin.clients.create({ realm, ...samlClient(c) });
    for (const c of options.oidc) {
      const secret = randomBytes(24).toString('base64url');
      oidcSecrets[c.name] = secret;
      await admin.clients.create({
        realm,
        clientId: c.clientId,
        name: c.name,
        protocol: 'openid-connect',
        enabled: true,
        publicClient: false,
        clientAuthenticatorType: 'client-secret',
        secret,
        standardFlowEnabled: true,
        directAccessGrantsEnabled: false,
        redirectUris: [c.redirectUri],
      });
    }
    for (const u of options.users) {
      await admin.users.create({
        realm,
        username: u.username,
        email: u.email,
        emailVerified: true,
        enabled: true,
        firstName: u.firstName,
        lastName: u.lastName,
        requiredActions: [],
        credentials: [{ type: 'password', value: u.password, temporary: false }],
      });
    }
  } catch (e) {
    throw toFlaglessError(e, `set up the IdP realm '${realm}'`);
  }
  const signingCertPem = await realmSigningCertificate(conn, realm);
  const base = `${conn.url}/realms/${encodeURIComponent(realm)}`;
  const discovery = await fetch(`${base}/.well-known/openid-configuration`, { signal: AbortSignal.timeout(10_000) });
  if (!discovery.ok) throw toFlaglessError(Object.assign(new Error('discovery'), { response: discovery }), `read the OIDC discovery of '${realm}'`);
  const d = (await discovery.json()) as { issuer: string; authorization_endpoint: string; token_endpoint: string; jwks_uri: string };
  const idpInitiatedUrls: Record<string, string> = {};
  for (const c of options.saml) idpInitiatedUrls[c.name] = `${base}/protocol/saml/clients/${encodeURIComponent(c.name)}`;
  return {
    realm,
    // Keycloak's SAML Issuer is the realm URL.
    samlEntityId: base,
    samlSsoUrl: `${base}/protocol/saml`,
    signingCertPem,
    idpInitiatedUrls,
    oidc: { issuer: d.issuer, authorizationEndpoint: d.authorization_endpoint, tokenEndpoint: d.token_endpoint, jwksUri: d.jwks_uri },
    oidcSecrets,
  };
}

/** The certificate of the realm's active RS256 signing key (Keycloak generates it with the realm). */
async function realmSigningCertificate(conn: KeycloakConnection, realm: string): Promise<string> {
  let keys;
  try {
    keys = await conn.admin.realms.getKeys({ realm });
  } catch (e) {
    throw toFlaglessError(e, `read the keys of '${realm}'`);
  }
  const rs256 = (keys.keys ?? []).find((k) => k.algorithm === 'RS256' && k.status === 'ACTIVE' && k.type === 'RSA' && k.certificate);
  if (!rs256?.certificate) throw toFlaglessError(new Error('the realm has no active RS256 key with a certificate'), `read the keys of '${realm}'`);
  const body = rs256.certificate.replace(/(.{64})/g, '$1\n').trim();
  return `-----BEGIN CERTIFICATE-----\n${body}\n-----END CERTIFICATE-----\n`;
}

/**
 * The Keycloak named by the environment only (KEYCLOAK_URL, with KEYCLOAK_ADMIN_USERNAME /
 * KEYCLOAK_ADMIN_PASSWORD, else the local bootstrap admin); no URL when KEYCLOAK_URL is unset.
 */
export function configuredKeycloak(env: Record<string, string | undefined>): { url: string | undefined; username: string; password: string } {
  return {
    url: env.KEYCLOAK_URL?.trim().replace(/\/+$/, '') || undefined,
    username: env.KEYCLOAK_ADMIN_USERNAME || LOCAL_ADMIN_USERNAME,
    password: env.KEYCLOAK_ADMIN_PASSWORD || LOCAL_ADMIN_PASSWORD,
  };
}
