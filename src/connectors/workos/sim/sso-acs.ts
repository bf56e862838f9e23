// A strict simulator of WorkOS's service-provider side for SSO connections: the target the SSO
// cutover proxy moves connections to. Connections are set up as WorkOS's migration guidance has
// them when a proxy forwards responses: the SP entity ID and ACS URL are the legacy provider's
// (what the customer's IdP already trusts), so the Audience, Destination and Recipient it checks
// are the legacy ones while the response is posted here. It serves
//   GET  /sso/authorize?connection=NAME[&state=S]  SP-initiated start (WorkOS's documented authorize path)
//   POST /sso/saml/acs/NAME                        SAML ACS (IdP-initiated too)
//   GET  /sso/oidc/callback?code=…&state=…         OIDC callback (routed by state)
//   GET  /_sim/logins                              the logins it completed and refused (JSON)
// The ACS and OIDC callback paths are this simulator's own (WorkOS gives each connection its own
// ACS URL in its dashboard); the proxy is configured with them. Validation is the same as a real
// SP's: @node-saml/node-saml for signatures, Issuer, Audience, InResponseTo and time conditions,
// plus Destination, Recipient and replay; OIDC code exchange with ID-token verification.
import { startSsoSpSim, type SpConnection, type SpOidcConnection, type SpSamlConnection, type SsoServiceProviderSim } from '../../../lib/sso/sp-simulator.js';

export type { CompletedSsoLogin, RefusedSsoLogin, SsoServiceProviderSim } from '../../../lib/sso/sp-simulator.js';
/** spEntityId: the legacy SP entity ID the connection keeps; acsUrl: the legacy post-back URL. */
export type WorkosSamlConnection = SpSamlConnection;
export type WorkosOidcConnection = SpOidcConnection;
export type WorkosSsoConnection = SpConnection;

/** Starts the simulator on 127.0.0.1 (port 0 = any free port). */
export function startWorkosSsoSim(options: { connections?: WorkosSsoConnection[]; port?: number; clockSkewMs?: number } = {}): Promise<SsoServiceProviderSim> {
  return startSsoSpSim(
    {
      provider: 'workos',
      label: 'WorkOS',
      unknownConnection: 'invalid_connection',
      route: (route, url) => {
        if (route === 'GET /sso/authorize') return 'authorize';
        if (route === 'GET /sso/oidc/callback') return 'oidc';
        const acs = /^POST \/sso\/saml\/acs\/([^/]+)$/.exec(route);
        if (!acs) return undefined;
        url.searchParams.set('connection', decodeURIComponent(acs[1]!));
        return 'saml';
      },
    },
    options,
  );
}
