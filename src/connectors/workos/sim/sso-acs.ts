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
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SAML, ValidateInResponseTo } from '@node-saml/node-saml';
import { checkSignedResponseTargets, escapeHtml, readFormBody, verifyIdToken, type OidcEndpoints } from './sso-checks.js';

export interface WorkosSamlConnection {
  name: string;
  protocol: 'saml';
  /** The Audience the IdP writes: the legacy SP entity ID the connection keeps. */
  spEntityId: string;
  /** The post-back URL the IdP is configured with (Destination / Recipient); the proxy's when one is in front. */
  acsUrl: string;
  idpEntityId: string;
  idpSsoUrl: string;
  idpCertPem: string;
  /**
   * Where the browser is sent with the AuthnRequest when not straight to `idpSsoUrl` (an SSO
   * proxy's relay, which records the request id); the request's Destination stays `idpSsoUrl`.
   */
  requestVia?: string;
  /** Whether unsolicited (IdP-initiated) responses are accepted for this connection. */
  idpInitiated: boolean;
}

export interface WorkosOidcConnection extends OidcEndpoints {
  name: string;
  protocol: 'oidc';
  clientId: string;
  clientSecret: string;
  /** The redirect URI registered at the IdP: the legacy callback (the proxy's when one is in front). */
  redirectUri: string;
  /** Where the browser is sent with the authorization request when not straight to the IdP (an SSO proxy's relay). */
  requestVia?: string;
}

export type WorkosSsoConnection = WorkosSamlConnection | WorkosOidcConnection;

export interface CompletedSsoLogin {
  connection: string;
  kind: 'saml-sp-initiated' | 'saml-idp-initiated' | 'oidc';
  email: string;
  at: number;
  /** SHA-256 of the SAMLResponse form value as received: proves it arrived byte-for-byte as signed. */
  samlResponseSha256?: string;
}

export interface RefusedSsoLogin {
  connection: string | undefined;
  reason: string;
  at: number;
}

export interface SsoServiceProviderSim {
  url: string;
  completed: CompletedSsoLogin[];
  refused: RefusedSsoLogin[];
  /** Replaces the connections (their URLs may name servers started after this one). */
  configure(connections: WorkosSsoConnection[]): void;
  close(): Promise<void>;
}

const MAX_BODY = 256 * 1024;
const PENDING_TTL_MS = 10 * 60_000;

/** Starts the simulator on 127.0.0.1 (port 0 = any free port). */
export async function startWorkosSsoSim(options: { connections?: WorkosSsoConnection[]; port?: number; clockSkewMs?: number } = {}): Promise<SsoServiceProviderSim> {
  const completed: CompletedSsoLogin[] = [];
  const refused: RefusedSsoLogin[] = [];
  const byName = new Map<string, WorkosSsoConnection>();
  const saml = new Map<string, SAML>();
  const configure = (connections: WorkosSsoConnection[]): void => {
    byName.clear();
    saml.clear();
    for (const c of connections) {
      byName.set(c.name, c);
      if (c.protocol !== 'saml') continue;
      saml.set(
        c.name,
        new SAML({
          entryPoint: c.idpSsoUrl,
          issuer: c.spEntityId,
          audience: c.spEntityId,
          callbackUrl: c.acsUrl,
          idpCert: c.idpCertPem,
          idpIssuer: c.idpEntityId,
          wantAuthnResponseSigned: true,
          wantAssertionsSigned: true,
          validateInResponseTo: c.idpInitiated ? ValidateInResponseTo.ifPresent : ValidateInResponseTo.always,
          requestIdExpirationPeriodMs: PENDING_TTL_MS,
          acceptedClockSkewMs: options.clockSkewMs ?? 5_000,
          identifierFormat: 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress',
          disableRequestedAuthnContext: true,
        }),
      );
    }
  };
  configure(options.connections ?? []);
  const seenAssertions = new Map<string, number>();
  const pendingOidc = new Map<string, { connection: string; nonce: string; expires: number }>();

  const done = (res: ServerResponse, login: CompletedSsoLogin): void => {
    completed.push(login);
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
    res.end(`<!doctype html><title>Signed in (WorkOS)</title><main id="signed-in" data-provider="workos" data-connection="${escapeHtml(login.connection)}" data-kind="${login.kind}">Signed in through ${escapeHtml(login.connection)} at WorkOS.</main>`);
  };
  const refuse = (res: ServerResponse, connection: string | undefined, reason: string, status = 400): void => {
    refused.push({ connection, reason, at: Date.now() });
    res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
    res.end(`<!doctype html><title>Login failed (WorkOS)</title><main id="login-failed" data-provider="workos">${escapeHtml(reason)}</main>`);
  };

  async function authorize(url: URL, res: ServerResponse): Promise<void> {
    const name = url.searchParams.get('connection') ?? '';
    const c = byName.get(name);
    if (!c) return refuse(res, undefined, 'invalid_connection: unknown connection');
    const appState = url.searchParams.get('state') ?? '';
    if (appState.length > 512) return refuse(res, name, 'invalid_request: state too long');
    if (c.protocol === 'saml') {
      let location = await saml.get(name)!.getAuthorizeUrlAsync(appState, undefined, {});
      if (c.requestVia) location = `${c.requestVia}${c.requestVia.includes('?') ? '&' : '?'}${new URL(location).search.slice(1)}`;
      res.writeHead(302, { location, 'cache-control': 'no-store' });
      return void res.end();
    }
    const state = randomBytes(16).toString('base64url');
    const nonce = randomBytes(16).toString('base64url');
    pendingOidc.set(state, { connection: name, nonce, expires: Date.now() + PENDING_TTL_MS });
    const to = new URL(c.requestVia ?? c.authorizationEndpoint);
    to.search = new URLSearchParams({ response_type: 'code', client_id: c.clientId, redirect_uri: c.redirectUri, scope: 'openid email profile', state, nonce }).toString();
    res.writeHead(302, { location: to.toString(), 'cache-control': 'no-store' });
    res.end();
  }

  async function samlCallback(url: URL, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const name = url.searchParams.get('connection') ?? '';
    const c = byName.get(name);
    if (!c || c.protocol !== 'saml') return refuse(res, undefined, 'invalid_request: unknown SAML connection');
    const form = await readFormBody(req, MAX_BODY);
    if (!form.ok) return refuse(res, name, form.reason, form.status);
    const samlResponse = form.fields.get('SAMLResponse');
    if (!samlResponse) return refuse(res, name, 'invalid_request: no SAMLResponse');
    const digest = createHash('sha256').update(samlResponse).digest('hex');
    let profile;
    try {
      ({ profile } = await saml.get(name)!.validatePostResponseAsync({ SAMLResponse: samlResponse }));
    } catch (e) {
      return refuse(res, name, `invalid SAML response: ${(e as Error).message.slice(0, 160)}`);
    }
    if (!profile) return refuse(res, name, 'invalid SAML response: no assertion');
    const xml = profile.getSamlResponseXml?.();
    if (!xml) return refuse(res, name, 'invalid SAML response: no response document');
    const checked = checkSignedResponseTargets(xml, c.acsUrl, seenAssertions);
    if (!checked.ok) return refuse(res, name, checked.reason);
    const email = String(profile.email ?? profile.nameID ?? '');
    done(res, { connection: name, kind: profile.inResponseTo ? 'saml-sp-initiated' : 'saml-idp-initiated', email, at: Date.now(), samlResponseSha256: digest });
  }

  async function oidcCallback(url: URL, res: ServerResponse): Promise<void> {
    const state = url.searchParams.get('state') ?? '';
    const pending = pendingOidc.get(state);
    pendingOidc.delete(state);
    if (!pending || pending.expires < Date.now()) return refuse(res, undefined, 'invalid_request: unknown or expired state');
    const c = byName.get(pending.connection);
    if (!c || c.protocol !== 'oidc') return refuse(res, pending.connection, 'invalid_request: not an OIDC connection');
    if (url.searchParams.has('error')) return refuse(res, c.name, `the IdP answered ${String(url.searchParams.get('error')).slice(0, 80)}`);
    const code = url.searchParams.get('code');
    if (!code) return refuse(res, c.name, 'invalid_request: no code');
    const verified = await verifyIdToken(c, { code, clientId: c.clientId, clientSecret: c.clientSecret, redirectUri: c.redirectUri, nonce: pending.nonce });
    if (!verified.ok) return refuse(res, c.name, verified.reason);
    done(res, { connection: c.name, kind: 'oidc', email: verified.email, at: Date.now() });
  }

  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://sim.invalid');
    const route = `${req.method} ${url.pathname}`;
    const handle = async (): Promise<void> => {
      if (route === 'GET /sso/authorize') return authorize(url, res);
      const acs = /^POST \/sso\/saml\/acs\/([^/]+)$/.exec(route);
      if (acs) {
        url.searchParams.set('connection', decodeURIComponent(acs[1]!));
        return samlCallback(url, req, res);
      }
      if (route === 'GET /sso/oidc/callback') return oidcCallback(url, res);
      if (route === 'GET /_sim/logins') {
        res.writeHead(200, { 'content-type': 'application/json' });
        return void res.end(JSON.stringify({ completed, refused }));
      }
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ statusCode: 404, error: 'Not Found' }));
    };
    handle().catch((e: unknown) => {
      if (!res.headersSent) refuse(res, undefined, `server error: ${(e as Error).message.slice(0, 120)}`, 500);
      else res.destroy();
    });
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    completed,
    refused,
    configure,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
