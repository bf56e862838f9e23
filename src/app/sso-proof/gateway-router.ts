// The SSO proof's router when it is the real thing: `flagless serve` with only the SSO cutover
// proxy (app `serve({ sso })`) on a SQLite state file, configured with the legacy callback paths
// the IdP posts to, each side's callback and start URLs, and the IdP's sign-in URL its relay
// forwards tracked requests to. A flip goes through `flipSsoConnection`, as `flagless sso flip`
// does from another process, and counts as applied once the gateway's /metrics shows the flag it
// routes by (flagless_sso_flag_target_share, set when the instance loads the flags).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { serve } from '../serve.js';
import { flipSsoConnection, parseSsoConfigDocument } from '../sso-cutover.js';
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
  const config = parseSsoConfigDocument({
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
  const gateway = await serve({ sso: { config, flushMs: 200 }, state: statePath, port: 0, logLevel: 'silent' });
  const url = gateway.url.replace('localhost', '127.0.0.1');
  o.onProgress?.(`gateway: the SSO cutover proxy at ${url} (state ${statePath})`);
  const proxied = new Set(['/v1/sso/start', ...config.connections.flatMap((c) => c.callbackPaths.map((p) => p.split('?')[0]!))]);
  const base = new URL(url);
  /** The share of a connection the instance routes to the target right now, from its /metrics. */
  const inForce = async (connection: string): Promise<number | undefined> => {
    const text = await (await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(5_000) })).text();
    const line = text.split('\n').find((l) => l.startsWith(`flagless_sso_flag_target_share{connection="${connection}"}`));
    return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
  };
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
      await flipSsoConnection({ state: statePath, connection, to, who: 'flagless demo sso' });
      const want = to === 'target' ? 1 : 0;
      const deadline = Date.now() + 10 * flagTtlMs + 5_000;
      while ((await inForce(connection)) !== want) {
        if (Date.now() > deadline) throw new Error(`the gateway did not pick up the flip of ${connection} in time`);
        await new Promise((r) => setTimeout(r, 5));
      }
    },
    async close() {
      await gateway.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
