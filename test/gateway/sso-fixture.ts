/**
 * The SSO proxy's test world: one IdP key pair per issuer, a legacy and a target service provider
 * (real HTTP servers validating with node-saml), and a proxy configuration with four connections:
 * acme (SAML, Auth0-style `/login/callback?connection=acme`), globex and initech (SAML, sharing a
 * Cognito-style `/saml2/idpresponse` and one legacy ACS), hooli (OIDC, `/oauth2/idpresponse`).
 */
import { parseSsoProxyConfig, type SsoProxyConfig } from '../../src/gateway/sso/config.js';
import { idpKeys, samlResponse, startServiceProvider, type IdpKeys } from '../helpers/saml.js';

export const SP_ENTITY_ID = 'urn:legacy:sp';
export const ISSUERS = { acme: 'https://idp.acme.test/', globex: 'https://idp.globex.test/', initech: 'https://idp.initech.test/' } as const;

export interface SsoWorld {
  keys: IdpKeys;
  legacy: Awaited<ReturnType<typeof startServiceProvider>>;
  target: Awaited<ReturnType<typeof startServiceProvider>>;
  config(extra?: Record<string, unknown>): SsoProxyConfig;
  /** A signed response from `who`'s IdP for `email`. */
  response(who: keyof typeof ISSUERS, email: string, inResponseTo?: string, prolog?: string): string;
  close(): Promise<void>;
}

export async function ssoWorld(): Promise<SsoWorld> {
  const keys = idpKeys();
  const sp = { idpCert: keys.publicKey, audience: SP_ENTITY_ID, spEntityId: SP_ENTITY_ID };
  const legacy = await startServiceProvider('legacy', sp);
  const target = await startServiceProvider('target', sp);
  const conn = (name: string, paths: string[], protocol: 'saml' | 'oidc', legacyCb: string, issuer?: string) => ({
    name,
    protocol,
    callbackPaths: paths,
    ...(issuer ? { issuer } : {}),
    legacy: { callbackUrl: legacyCb, startUrl: `${legacy.url}/start/${name}?connection=${name}`, returnUrl: `${legacy.url}/app/${name}` },
    target: { callbackUrl: protocol === 'saml' ? `${target.url}/acs/${name}` : `${target.url}/cb/${name}`, startUrl: `${target.url}/start/${name}`, returnUrl: `${target.url}/app/${name}` },
    idpSignInUrl: `https://idp.${name}.test/sso?tenant=${name}`,
  });
  return {
    keys,
    legacy,
    target,
    config: (extra = {}) =>
      parseSsoProxyConfig({
        connections: [
          conn('acme', ['/login/callback?connection=acme'], 'saml', `${legacy.url}/acs/login/callback?connection=acme`, ISSUERS.acme),
          conn('globex', ['/saml2/idpresponse'], 'saml', `${legacy.url}/acs/saml2/idpresponse`, ISSUERS.globex),
          conn('initech', ['/saml2/idpresponse'], 'saml', `${legacy.url}/acs/saml2/idpresponse`, ISSUERS.initech),
          { ...conn('hooli', ['/oauth2/idpresponse'], 'oidc', `${legacy.url}/cb/oauth2/idpresponse`, 'https://op.hooli.test'), certificateNotAfter: new Date(Date.now() + 10 * 86_400_000).toISOString() },
        ],
        startPaths: ['/authorize'],
        flagTtlMs: 50,
        ...extra,
      }),
    response: (who, email, inResponseTo, prolog) =>
      samlResponse({ keys, issuer: ISSUERS[who], nameId: email, audience: SP_ENTITY_ID, destination: 'https://legacy.example/acs', ...(inResponseTo ? { inResponseTo } : {}), ...(prolog ? { prolog } : {}) }),
    async close() {
      await legacy.close();
      await target.close();
    },
  };
}

/** Posts a SAML response to the proxy as a browser's auto-submitted form does. */
export function postForm(url: string, fields: Record<string, string>, redirect: 'manual' | 'follow' = 'manual'): Promise<Response> {
  return fetch(url, { method: 'POST', redirect, headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(fields).toString() });
}
