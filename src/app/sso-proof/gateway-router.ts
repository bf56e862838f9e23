// The SSO proof's router when it is the real thing: the gateway's SSO cutover proxy
// (createSsoGateway: the proxy with its /healthz, /metrics and dashboard) on a SQLite state file,
// configured with the legacy callback paths the IdP posts to, each side's callback and start URLs,
// and the IdP's sign-in URL its relay forwards tracked requests to. A flip is written to the state
// by a second handle, as `flagless sso flip` from another process would, and counts as applied
// once the gateway's own flag cache holds it (within the proxy's flag TTL).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseSsoProxyConfig } from '../../gateway/sso/config.js';
import { createSsoGateway } from '../../gateway/sso/server.js';
import { createGatewayLogger } from '../../gateway/logger.js';
import { openSsoStore } from '../../state/sso/open.js';
import type { RouterSetup, SsoRouter, SsoSide } from './router.js';

export interface GatewayRouterOptions {
  /** How often the gateway re-reads the flags (default 100 ms). */
  flagTtlMs?: number;
  onProgress?: (line: string) => void;
}

/** The legacy (Auth0) callback path the IdP posts to: `/login/callback?connection=NAME` for SAML, `/login/callback` for OIDC. */
function callbackPathOf(url: string): string {
  const u = new URL(url);
  const connection = u.searchParams.get('connection');
  return `${u.pathname}${connection ? `?connection=${encodeURIComponent(connection)}` : ''}`;
}

export async function gatewayRouter(setup: RouterSetup, o: GatewayRouterOptions = {}): Promise<SsoRouter> {
  const dir = mkdtempSync(path.join(tmpdir(), 'flagless-sso-proof-'));
  const statePath = path.join(dir, 'state.db');
  const flagTtlMs = o.flagTtlMs ?? 100;
  const config = parseSsoProxyConfig({
    connections: setup.connections.map((c) => {
      const legacyCallback = c.protocol === 'saml' ? setup.legacy.samlAcsUrl(c.name) : setup.legacy.oidcCallbackUrl(c.name);
      return {
        name: c.name,
        protocol: c.protocol,
        callbackPaths: [callbackPathOf(legacyCallback)],
        issuer: c.protocol === 'saml' ? setup.idp.samlEntityId : setup.idp.oidcIssuer,
        legacy: { callbackUrl: legacyCallback, startUrl: setup.legacy.startUrl(c.name) },
        target: { callbackUrl: c.protocol === 'saml' ? setup.target.samlAcsUrl(c.name) : setup.target.oidcCallbackUrl(c.name), startUrl: setup.target.startUrl(c.name) },
        idpSignInUrl: c.protocol === 'saml' ? setup.idp.samlSsoUrl : setup.idp.oidcAuthorizationEndpoint,
      };
    }),
    flagTtlMs,
  });
  const store = await openSsoStore(statePath);
  const gateway = await createSsoGateway({ config, store, logger: createGatewayLogger({ level: 'silent' }), flushMs: 200 });
  let url: string;
  try {
    url = (await gateway.listen({ port: 0, host: '127.0.0.1' })).replace('localhost', '127.0.0.1');
  } catch (e) {
    await gateway.close();
    throw e;
  }
  o.onProgress?.(`gateway: the SSO cutover proxy at ${url} (state ${statePath})`);
  // What `flagless sso flip` does, from its own handle on the state.
  const operator = await openSsoStore(statePath);
  const proxied = new Set(['/v1/sso/start', ...config.connections.flatMap((c) => c.callbackPaths.map((p) => p.split('?')[0]!))]);
  const base = new URL(url);
  return {
    legacyAcsUrl: (c) => `${url}${callbackPathOf(setup.legacy.samlAcsUrl(c))}`,
    legacyOidcCallbackUrl: (c) => `${url}${callbackPathOf(setup.legacy.oidcCallbackUrl(c))}`,
    startUrl: (c) => `${url}/v1/sso/start?connection=${encodeURIComponent(c)}`,
    requestVia: (side, c) => `${url}/v1/sso/relay/${side}/${encodeURIComponent(c)}`,
    routes: (u) => {
      const parsed = new URL(u);
      return parsed.origin === base.origin && proxied.has(parsed.pathname);
    },
    async flip(connection: string, to: SsoSide) {
      const done = await operator.flip({ connection, to, who: 'flagless demo sso', reason: 'manual' });
      if (!done) throw new Error(`the flip of ${connection} to ${to} was not applied (another flip won)`);
      const deadline = Date.now() + 10 * flagTtlMs + 5_000;
      while (gateway.proxy.flags.get(connection)?.flipId !== done.id) {
        if (Date.now() > deadline) throw new Error(`the gateway did not pick up the flip of ${connection} in time`);
        await new Promise((r) => setTimeout(r, 5));
      }
    },
    async close() {
      await gateway.close();
      await operator.close().catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
