/**
 * Auth0 as the legacy side of the gateway: the Resource Owner Password grant with realm support,
 * `POST https://{domain}/oauth/token` with grant_type `http://auth0.com/oauth/grant-type/password-realm`,
 * `username`, `password`, `realm` (the database connection), `client_id`, `client_secret`, `scope`
 * (`openid` so an id token names the user), optional `audience` (Auth0 docs, "Resource Owner
 * Password Flow", "Call Your API Using Resource Owner Password Flow", realm support).
 *
 * The `auth0` npm SDK v7 here ships only the Management API, so this is one plain HTTPS request.
 * The id token comes straight from the token endpoint over TLS, which OpenID Connect Core §3.1.3.7
 * accepts in place of a signature check; its `sub` is the Auth0 user_id, the source id the Auth0
 * reader gives (`auth0|...`).
 *
 * With `forwardClientIp`, the end user's address goes in `auth0-forwarded-for`, so Auth0's
 * brute-force protection counts the user and not the gateway (the application must have "Trust
 * Token Endpoint IP Header" on and authenticate with a secret; Auth0 docs, "Avoid Common Issues
 * with Resource Owner Password Flow and Attack Protection").
 *
 * Answers (Auth0 Authentication API errors):
 *   200 → ok · 403 invalid_grant "Wrong email or password." → invalid_credentials (Auth0 does not
 *   say which of the two) · `unauthorized` "user is blocked" → disabled · 429 too_many_attempts
 *   (brute-force block) → disabled · 403 mfa_required → no_password (the gateway cannot complete
 *   a second factor) · 429 too_many_requests, 5xx, a network failure, invalid_client,
 *   unauthorized_client, invalid_request → unavailable (with X-RateLimit-Reset / Retry-After).
 */
import { emptyUser, type CanonicalUser } from '../../model/user.js';
import { normalizeEmail } from '../../model/email.js';
import { invalidCredentials, legacyUnavailable, type LegacyVerdict, type LegacyVerifier, type LegacyLoginFactory } from '../../protocol/legacy.js';

export const PASSWORD_REALM_GRANT = 'http://auth0.com/oauth/grant-type/password-realm';

export interface Auth0LegacyOptions {
  /** your-tenant.eu.auth0.com (or a custom domain). */
  domain: string;
  clientId: string;
  clientSecret?: string;
  /** The database connection's name, e.g. Username-Password-Authentication. */
  realm: string;
  audience?: string;
  scope?: string;
  forwardClientIp?: boolean;
  /** Send requests here instead of https://{domain} (a local simulator, a proxy). */
  apiUrl?: string;
  timeoutMs?: number;
}

function claimsOf(token: unknown): Record<string, unknown> {
  const part = typeof token === 'string' ? token.split('.')[1] : undefined;
  if (!part) return {};
  try {
    return JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as Record<string, unknown>;
  } catch {
    return {};
  }
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() !== '' ? v : undefined);

/** The id token's standard claims → a canonical user (what a bare login can tell). */
export function userFromIdToken(claims: Record<string, unknown>): CanonicalUser | undefined {
  const sub = str(claims.sub);
  if (!sub) return undefined;
  const u = emptyUser(sub);
  const email = str(claims.email);
  if (email) u.emails = [{ address: email, normalized: normalizeEmail(email), verified: claims.email_verified === true, primary: true }];
  const first = str(claims.given_name);
  const last = str(claims.family_name);
  if (first) u.firstName = first;
  if (last) u.lastName = last;
  const name = str(claims.name);
  if (name && name !== email) u.displayName = name;
  const picture = str(claims.picture);
  if (picture) u.imageUrl = picture;
  u.passwordPlan = 'jit';
  return u;
}

function retryAfterOf(res: Response): number | undefined {
  const ra = Number(res.headers.get('retry-after'));
  if (Number.isFinite(ra) && ra > 0) return ra;
  const reset = Number(res.headers.get('x-ratelimit-reset'));
  if (Number.isFinite(reset) && reset > 0) return Math.max(1, Math.ceil(reset - Date.now() / 1000));
  return undefined;
}

export function auth0LegacyVerifier(options: Auth0LegacyOptions): LegacyVerifier {
  const domain = options.domain.replace(/^https?:\/\//, '').replace(/\/+$/, '');
  const base = (options.apiUrl ?? `https://${domain}`).replace(/\/+$/, '');
  return {
    name: 'auth0',
    async verify(identifier, password, context): Promise<LegacyVerdict> {
      const form = new URLSearchParams({
        grant_type: PASSWORD_REALM_GRANT,
        client_id: options.clientId,
        username: identifier,
        password,
        realm: options.realm,
        scope: options.scope ?? 'openid profile email',
      });
      if (options.clientSecret) form.set('client_secret', options.clientSecret);
      if (options.audience) form.set('audience', options.audience);
      const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' };
      if (options.forwardClientIp && context?.clientIp) headers['auth0-forwarded-for'] = context.clientIp;
      let res: Response;
      try {
        res = await fetch(`${base}/oauth/token`, { method: 'POST', headers, body: form, signal: AbortSignal.timeout(options.timeoutMs ?? 10_000) });
      } catch (e) {
        return legacyUnavailable(`the Auth0 token endpoint cannot be reached (${(e as Error).name})`);
      }
      let body: Record<string, unknown> = {};
      try {
        body = (await res.json()) as Record<string, unknown>;
      } catch {
        /* a 5xx page or an empty body */
      }
      const error = str(body.error) ?? '';
      const description = str(body.error_description) ?? '';
      if (res.status === 200) {
        const claims = claimsOf(body.id_token);
        const user = userFromIdToken(claims);
        if (!user) return legacyUnavailable('Auth0 answered 200 without an id token naming the user: add the openid scope');
        return { ok: true, sourceId: user.sourceId, user };
      }
      if (res.status === 403 && error === 'invalid_grant') return invalidCredentials('invalid_grant');
      if (error === 'unauthorized' && /blocked/i.test(description)) return { ok: false, reason: 'disabled', detail: 'unauthorized: the user is blocked' };
      if (error === 'too_many_attempts') return { ok: false, reason: 'disabled', detail: 'too_many_attempts: blocked by Auth0 brute-force protection' };
      if (error === 'mfa_required') return { ok: false, reason: 'no_password', detail: 'mfa_required: the password is right but Auth0 requires a second factor' };
      if (error === 'password_leaked') return { ok: false, reason: 'disabled', detail: 'password_leaked: Auth0 blocked this login' };
      return legacyUnavailable(`Auth0 answered ${res.status}${error ? ` ${error}` : ''}`, res.status === 429 || res.status >= 500 ? retryAfterOf(res) : undefined);
    },
    async close() {
      /* nothing held open */
    },
  };
}

/** `serve --legacy api|auto` for Auth0: the password-realm grant, configured from the environment. */
export const auth0LegacyLogin: LegacyLoginFactory = {
  env: 'AUTH0_DOMAIN, AUTH0_LOGIN_CLIENT_ID (or AUTH0_CLIENT_ID), AUTH0_LOGIN_CLIENT_SECRET (or AUTH0_CLIENT_SECRET), AUTH0_REALM',
  async open({ env, apiUrl: url }) {
    const domain = env.AUTH0_DOMAIN ?? (url ? new URL(url).host : undefined);
    const clientId = env.AUTH0_LOGIN_CLIENT_ID ?? env.AUTH0_CLIENT_ID;
    if (!domain || !clientId) return { missing: 'AUTH0_DOMAIN and a client id' };
    const secret = env.AUTH0_LOGIN_CLIENT_SECRET ?? env.AUTH0_CLIENT_SECRET;
    return {
      verifier: auth0LegacyVerifier({
        domain,
        clientId,
        ...(secret ? { clientSecret: secret } : {}),
        realm: env.AUTH0_REALM ?? 'Username-Password-Authentication',
        ...(env.AUTH0_AUDIENCE ? { audience: env.AUTH0_AUDIENCE } : {}),
        forwardClientIp: env.AUTH0_FORWARD_CLIENT_IP !== 'false',
        ...(url ? { apiUrl: url } : {}),
      }),
    };
  },
};
