// A strict simulator of an identity provider's service-provider side for enterprise SSO
// connections, shared by the vendor simulators (src/connectors/auth0/sim/sso-callback.ts: the
// legacy side; src/connectors/workos/sim/sso-acs.ts: the target), which give it their names and
// paths (`SpProfile`). SAML responses are validated with @node-saml/node-saml (xml-crypto
// underneath) against the IdP's certificate: signed response and signed assertion, the IdP's
// Issuer, the Audience, Destination and Recipient (the post-back URL the IdP is configured with:
// the proxy forwards responses unchanged, so they still name it), InResponseTo for SP-initiated
// logins, NotBefore / NotOnOrAfter, and replay (each assertion ID once). OIDC: the code is
// exchanged at the IdP's token endpoint and the ID token's RS256 signature is checked against the
// IdP's JWKS with node:crypto, with iss, aud, exp, iat and nonce. Each serves GET /_sim/logins:
// the logins it completed and refused (JSON).
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SAML, ValidateInResponseTo } from '@node-saml/node-saml';
import { checkSignedResponseTargets, escapeHtml, readFormBody, verifyIdToken, type OidcEndpoints } from './sp-checks.js';

export interface SpSamlConnection {
  name: string;
  protocol: 'saml';
  /** The Audience the IdP writes (the SP entity ID the IdP trusts). */
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

export interface SpOidcConnection extends OidcEndpoints {
  name: string;
  protocol: 'oidc';
  clientId: string;
  clientSecret: string;
  /** The redirect URI registered at the IdP: the legacy callback (the proxy's when one is in front). */
  redirectUri: string;
  /** Where the browser is sent with the authorization request when not straight to the IdP (an SSO proxy's relay). */
  requestVia?: string;
}

export type SpConnection = SpSamlConnection | SpOidcConnection;

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
  configure(connections: SpConnection[]): void;
  close(): Promise<void>;
}

const MAX_BODY = 256 * 1024;
const PENDING_TTL_MS = 10 * 60_000;

/** What differs between two vendors' SP sides: their names, one error code and their paths. */
export interface SpProfile {
  /** `data-provider` on the result page: the vendor's registry key. */
  provider: string;
  /** The vendor's name as people write it. */
  label: string;
  /** The error code the vendor answers an unknown connection with. */
  unknownConnection: string;
  /**
   * Which endpoint a request is for ("GET /path"); may put the connection named by the path into
   * `url.searchParams` (`connection`).
   */
  route(route: string, url: URL): 'authorize' | 'saml' | 'oidc' | undefined;
}

/** Starts a simulator of `profile`'s SP side on 127.0.0.1 (port 0 = any free port). */
export async function startSsoSpSim(profile: SpProfile, options: { connections?: SpConnection[]; port?: number; clockSkewMs?: number } = {}): Promise<SsoServiceProviderSim> {
  const completed: CompletedSsoLogin[] = [];
  const refused: RefusedSsoLogin[] = [];
  const byName = new Map<string, SpConnection>();
  const saml = new Map<string, SAML>();
  const configure = (connections: SpConnection[]): void => {
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
    res.end(`<!doctype html><title>Signed in (${profile.label})</title><main id="signed-in" data-provider="${profile.provider}" data-connection="${escapeHtml(login.connection)}" data-kind="${login.kind}">Signed in through ${escapeHtml(login.connection)} at ${profile.label}.</main>`);
  };
  const refuse = (res: ServerResponse, connection: string | undefined, reason: string, status = 400): void => {
    refused.push({ connection, reason, at: Date.now() });
    res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
    res.end(`<!doctype html><title>Login failed (${profile.label})</title><main id="login-failed" data-provider="${profile.provider}">${escapeHtml(reason)}</main>`);
  };

  async function authorize(url: URL, res: ServerResponse): Promise<void> {
    const name = url.searchParams.get('connection') ?? '';
    const c = byName.get(name);
    if (!c) return refuse(res, undefined, `${profile.unknownConnection}: unknown connection`);
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
    let asserted;
    try {
      ({ profile: asserted } = await saml.get(name)!.validatePostResponseAsync({ SAMLResponse: samlResponse }));
    } catch (e) {
      return refuse(res, name, `invalid SAML response: ${(e as Error).message.slice(0, 160)}`);
    }
    if (!asserted) return refuse(res, name, 'invalid SAML response: no assertion');
    const xml = asserted.getSamlResponseXml?.();
    if (!xml) return refuse(res, name, 'invalid SAML response: no response document');
    const checked = checkSignedResponseTargets(xml, c.acsUrl, seenAssertions);
    if (!checked.ok) return refuse(res, name, checked.reason);
    const email = String(asserted.email ?? asserted.nameID ?? '');
    done(res, { connection: name, kind: asserted.inResponseTo ? 'saml-sp-initiated' : 'saml-idp-initiated', email, at: Date.now(), samlResponseSha256: digest });
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
      const endpoint = profile.route(route, url);
      if (endpoint === 'authorize') return authorize(url, res);
      if (endpoint === 'saml') return samlCallback(url, req, res);
      if (endpoint === 'oidc') return oidcCallback(url, res);
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
