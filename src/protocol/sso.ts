/**
 * One enterprise SSO connection at the legacy provider, as `flagless sso inventory` reads it and
 * as `sso setup` and the cutover proxy inside `serve` consume it. Vendor-neutral: each source
 * connector maps its own shape (Auth0 enterprise connections, Cognito identity providers, Clerk
 * SAML connections, Firebase/Identity Platform inbound configs) into this one.
 *
 * Nothing secret is held here: an OIDC client secret stays at the vendor or in the environment,
 * and certificates are public material (PEM kept only so `sso setup` can configure the target).
 */
export type SsoProtocol = 'saml' | 'oidc';

export interface SsoCertificate {
  /** SHA-256 of the DER certificate, upper-case hex with colons (as IdP admin consoles show it). */
  fingerprintSha256: string;
  /** ISO 8601; absent when the certificate could not be parsed. */
  notAfter?: string;
  /** The PEM text (public), for setting the connection up at the target. */
  pem?: string;
}

export interface SsoIdentityProvider {
  /** SAML: the IdP's entity ID (the response's Issuer). */
  entityId?: string;
  /** OIDC: the issuer URL. */
  issuer?: string;
  /** SAML SSO URL or OIDC authorization endpoint. */
  signInUrl?: string;
  metadataUrl?: string;
  nameIdFormat?: string;
  /** OIDC client id registered at the IdP (public); the secret never appears here. */
  clientId?: string;
  certificates: SsoCertificate[];
}

/** What the customer's IdP is configured with today: where it sends responses. */
export interface SsoLegacyServiceProvider {
  /** SAML Assertion Consumer Service URL at the legacy provider. */
  acsUrl?: string;
  /** SAML SP entity ID (audience) the IdP trusts. */
  entityId?: string;
  /** OIDC redirect URI at the legacy provider. */
  callbackUrl?: string;
}

export interface SsoConnection {
  /** Stable name used by flags, CLI arguments and metrics: the legacy connection's name. */
  name: string;
  /** The legacy provider's own id for the connection. */
  legacyId: string;
  /** Registry key of the legacy vendor (auth0, cognito, clerk, firebase). */
  vendor: string;
  protocol: SsoProtocol;
  /** The vendor's own kind: samlp, oidc, waad, google-apps, adfs, SAML, OIDC... */
  kind: string;
  enabled: boolean;
  idp: SsoIdentityProvider;
  legacySp: SsoLegacyServiceProvider;
  /** Email domains routed to this connection (home-realm discovery). */
  domains: string[];
  /** Legacy organization ids the connection is enabled for. */
  organizations: string[];
  /** Users of the export who signed in through this connection; absent without an export. */
  usersInExport?: number;
}

/** The playbook's threshold: fewer than this many connections → handoff links; this many or more → the proxy. */
export const SSO_PROXY_THRESHOLD = 15;

export interface SsoInventory {
  vendor: string;
  /** ISO 8601 time the inventory was taken. */
  takenAt: string;
  connections: SsoConnection[];
  recommendedPath: 'handoff' | 'proxy';
}
