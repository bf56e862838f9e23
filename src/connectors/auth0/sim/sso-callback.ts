// A strict simulator of Auth0's service-provider side for enterprise connections: the legacy
// provider the SSO cutover proxy moves connections away from. It serves
//   GET  /authorize?connection=NAME[&state=S]   SP-initiated start (SAML AuthnRequest or OIDC redirect)
//   POST /login/callback?connection=NAME        SAML ACS (Auth0's post-back URL; IdP-initiated too)
//   GET  /login/callback?code=…&state=…         OIDC callback (Auth0's one callback, routed by state)
//   GET  /_sim/logins                           the logins it completed and refused (JSON)
// SAML responses are validated with @node-saml/node-saml (xml-crypto underneath) against the IdP's
// certificate: signed response and signed assertion, the IdP's Issuer, the Audience (Auth0's SP
// entity ID, urn:auth0:{tenant}:{connection}), Destination and Recipient (the post-back URL the IdP
// is configured with: the proxy forwards responses unchanged, so they still name it), InResponseTo
// for SP-initiated logins, NotBefore / NotOnOrAfter, and replay (each assertion ID once).
// OIDC: the code is exchanged at the IdP's token endpoint and the ID token's RS256 signature is
// checked against the IdP's JWKS with node:crypto, with iss, aud, exp, iat and nonce.
// Auth0 facts (docs.auth0.com "SAML Identity Provider Configuration Settings"): post-back URL
// https://{domain}/login/callback?connection={name}; entity ID urn:auth0:{tenant}:{name}.
import { startSsoSpSim, type SpConnection, type SpOidcConnection, type SpSamlConnection, type SsoServiceProviderSim } from '../../../lib/sso/sp-simulator.js';

export type { CompletedSsoLogin, RefusedSsoLogin, SsoServiceProviderSim } from '../../../lib/sso/sp-simulator.js';
/** spEntityId: urn:auth0:{tenant}:{name} unless a custom entity ID is set; idpInitiated: Auth0 accepts unsolicited responses only when the connection enables IdP-initiated SSO; requestVia: Auth0's SAML request template can write Destination independently of the sign-in URL. */
export type Auth0SamlConnection = SpSamlConnection;
export type Auth0OidcConnection = SpOidcConnection;
export type Auth0SsoConnection = SpConnection;

/** Starts the simulator on 127.0.0.1 (port 0 = any free port). */
export function startAuth0SsoSim(options: { connections?: Auth0SsoConnection[]; port?: number; clockSkewMs?: number } = {}): Promise<SsoServiceProviderSim> {
  return startSsoSpSim(
    {
      provider: 'auth0',
      label: 'Auth0',
      unknownConnection: 'invalid_request',
      route: (route) => (route === 'GET /authorize' ? 'authorize' : route === 'POST /login/callback' ? 'saml' : route === 'GET /login/callback' ? 'oidc' : undefined),
    },
    options,
  );
}
