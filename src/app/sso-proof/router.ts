// What the SSO proof needs from whatever stands on the legacy callback URLs: the URLs the IdP is
// configured with, where a service-provider-initiated login starts, which browser requests it
// routes by, and how a connection is flipped. `directRouter` is no proxy at all (the IdP posts
// straight to the legacy provider; nothing can be flipped), the baseline the proxy is compared to.

export type SsoSide = 'legacy' | 'target';

/** Where each provider receives what the router forwards, per connection. */
export interface ProviderEndpoints {
  /** SAML: the provider's own ACS URL for the connection. */
  samlAcsUrl(connection: string): string;
  /** OIDC: the provider's own callback URL. */
  oidcCallbackUrl(connection: string): string;
  /** SP-initiated start at the provider (it issues the AuthnRequest / authorization request). */
  startUrl(connection: string): string;
}

export interface SsoProofConnection {
  name: string;
  protocol: 'saml' | 'oidc';
}

export interface SsoRouter {
  /** What the IdP is configured with for a SAML connection (the legacy ACS URL). */
  legacyAcsUrl(connection: string): string;
  /** The redirect URI the IdP allows for an OIDC connection (the legacy callback). */
  legacyOidcCallbackUrl(connection: string): string;
  /** Where the browser starts an SP-initiated login for a connection. */
  startUrl(connection: string): string;
  /** Whether the router decides where this browser request goes (start, ACS post, OIDC callback). */
  routes(url: string, method: string): boolean;
  /** Where a side's SP sends the browser with its AuthnRequest / authorization request (a relay that tracks it); undefined = straight to the IdP. */
  requestVia?(side: SsoSide, connection: string): string | undefined;
  /** Points a connection at a side; resolves once the next request is routed that way. */
  flip?(connection: string, to: SsoSide): Promise<void>;
  close(): Promise<void>;
}

/** The IdP, known before its realm is created (Keycloak's URLs follow from the realm's name). */
export interface IdpEndpoints {
  samlEntityId: string;
  samlSsoUrl: string;
  oidcIssuer: string;
  oidcAuthorizationEndpoint: string;
}

export interface RouterSetup {
  connections: SsoProofConnection[];
  idp: IdpEndpoints;
  legacy: ProviderEndpoints;
  target: ProviderEndpoints;
}

/** No proxy: the IdP talks to the legacy provider directly. */
export function directRouter(setup: RouterSetup): SsoRouter {
  const routed = new Set<string>();
  for (const c of setup.connections) {
    routed.add(new URL(setup.legacy.startUrl(c.name)).pathname);
    routed.add(new URL(c.protocol === 'saml' ? setup.legacy.samlAcsUrl(c.name) : setup.legacy.oidcCallbackUrl(c.name)).pathname);
  }
  const origin = new URL(setup.legacy.startUrl(setup.connections[0]!.name)).origin;
  return {
    legacyAcsUrl: (c) => setup.legacy.samlAcsUrl(c),
    legacyOidcCallbackUrl: (c) => setup.legacy.oidcCallbackUrl(c),
    startUrl: (c) => setup.legacy.startUrl(c),
    routes: (url) => {
      const u = new URL(url);
      return u.origin === origin && routed.has(u.pathname);
    },
    close: async () => {},
  };
}
