import { createHmac, randomBytes } from 'node:crypto';
import { verifyPassword } from '../../../model/password/index.js';
import { SimApiError } from './http.js';
import type { Route, SimContext, SimRequest, SimResponse } from './routes-users.js';
import { newId, userJson, type SimUser } from './state.js';

/**
 * `POST /user_management/authenticate` with `grant_type: 'password'` (the body @workos-inc/node's
 * authenticateWithPassword sends: grant_type, client_id, client_secret = the API key, email,
 * password). The stored hash is verified for real with the model's verifyPassword, whatever
 * algorithm it was imported as.
 *
 * Failures:
 * - wrong password, unknown email, or a user without a password: 401 (or 400 with
 *   `invalidCredentialsStatus`) `{code: 'invalid_credentials', message: 'Invalid credentials'}`
 *   (workos/emulate; the real status is not documented — the connector handles both);
 * - 10 attempts per 60 s per email (workos.com/docs/reference/rate-limits): 429 with Retry-After;
 * - unknown client_id: 400 `{error: 'invalid_client'}`; a client_secret that is not the API key:
 *   401 `{error: 'invalid_client'}` (OAuth-style bodies, OauthException in the SDK);
 * - with `requireEmailVerification`, an unverified user gets 403 `email_verification_required`
 *   with a pending authentication token (workos.com/docs/reference/authkit/authentication-errors).
 */

function oauthError(status: number, error: string, description: string): SimApiError {
  return new SimApiError(status, description, undefined, undefined, { oauth: { error, description } });
}

function b64url(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

/** A JWT-shaped access token (HS256 over a per-process key): the SDK only passes it through. */
const TOKEN_KEY = randomBytes(32);
function accessToken(user: SimUser, clientId: string): string {
  const now = Math.floor(Date.now() / 1000);
  const head = b64url({ alg: 'HS256', typ: 'JWT' });
  const body = b64url({ iss: 'https://api.workos.com', sub: user.id, sid: newId('session'), client_id: clientId, iat: now, exp: now + 300 });
  const sig = createHmac('sha256', TOKEN_KEY).update(`${head}.${body}`).digest('base64url');
  return `${head}.${body}.${sig}`;
}

async function authenticate(ctx: SimContext, req: SimRequest): Promise<SimResponse> {
  const b = req.body;
  if (typeof b.grant_type !== 'string' || b.grant_type === '') {
    throw new SimApiError(400, 'grant_type is required', 'invalid_request');
  }
  if (b.grant_type !== 'password') {
    throw oauthError(400, 'unsupported_grant_type', `The simulator supports only the password grant, not ${b.grant_type}.`);
  }
  if (b.client_id !== ctx.clientId) throw oauthError(400, 'invalid_client', 'Invalid client ID.');
  if (b.client_secret !== ctx.apiKey) throw oauthError(401, 'invalid_client', 'Invalid client secret.');
  const email = b.email;
  const password = b.password;
  if (typeof email !== 'string' || email === '' || typeof password !== 'string' || password === '') {
    throw new SimApiError(400, 'email and password are required', 'invalid_request');
  }
  if (ctx.loginLimiter) {
    const take = ctx.loginLimiter.take(email.trim().toLowerCase());
    if (!take.ok) {
      throw new SimApiError(429, 'Too many authentication attempts for this email.', 'rate_limit_exceeded', undefined, {
        headers: { 'retry-after': String(take.retryAfterSeconds) },
      });
    }
  }
  const user = ctx.store.userByEmail(email);
  const ok = user?.password ? await verifyPassword(user.password.hash, password).catch(() => false) : false;
  if (!user || !ok) {
    ctx.onLogin(false);
    throw new SimApiError(ctx.invalidCredentialsStatus, 'Invalid credentials', 'invalid_credentials');
  }
  if (ctx.requireEmailVerification && !user.emailVerified) {
    ctx.onLogin(false);
    throw new SimApiError(403, 'Email ownership must be verified before authentication.', 'email_verification_required', undefined, {
      extra: {
        pending_authentication_token: randomBytes(18).toString('base64url'),
        email: user.email,
        email_verification_id: newId('email_verification'),
      },
    });
  }
  user.lastSignInAt = new Date().toISOString();
  ctx.onLogin(true);
  return {
    status: 200,
    body: {
      user: userJson(user),
      access_token: accessToken(user, ctx.clientId),
      refresh_token: randomBytes(24).toString('base64url'),
      authentication_method: 'Password',
    },
  };
}

export const authRoutes: Route[] = [{ method: 'POST', pattern: /^\/user_management\/authenticate$/, kind: 'login', handle: authenticate }];
