import { createHmac, randomBytes } from 'node:crypto';
import { verifyPassword } from '../../../model/password/index.js';
import { SimApiError } from './http.js';
import { checkChallenge } from './routes-factors.js';
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
 *   with a pending authentication token (workos.com/docs/reference/authkit/authentication-errors);
 * - a user enrolled in a TOTP factor (MFA enabled in the environment) gets 403 `mfa_challenge` with
 *   `pending_authentication_token`, `authentication_factors: [{id, type}]` and `user` (same page);
 *   the client challenges a factor (`POST /auth/factors/{id}/challenge`) and completes with
 *   `grant_type: urn:workos:oauth:grant-type:mfa-totp` {code, pending_authentication_token,
 *   authentication_challenge_id}. A wrong code is 400 `invalid_one_time_code` (the real code name is
 *   not documented). Pending tokens live 10 minutes. Users without a factor are not asked to enrol
 *   (`mfa_enrollment` is not simulated).
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
  if (b.grant_type !== 'password' && b.grant_type !== MFA_TOTP_GRANT) {
    throw oauthError(400, 'unsupported_grant_type', `The simulator supports only the password and mfa-totp grants, not ${b.grant_type}.`);
  }
  if (b.client_id !== ctx.clientId) throw oauthError(400, 'invalid_client', 'Invalid client ID.');
  if (b.client_secret !== ctx.apiKey) throw oauthError(401, 'invalid_client', 'Invalid client secret.');
  if (b.grant_type === MFA_TOTP_GRANT) return authenticateTotp(ctx, b);
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
  if (user.factors?.length) {
    const token = randomBytes(18).toString('base64url');
    ctx.pendingAuthentications.set(token, { userId: user.id, expiresAt: Date.now() + 10 * 60_000 });
    throw new SimApiError(403, 'The user must complete a multi-factor authentication challenge.', 'mfa_challenge', undefined, {
      extra: {
        pending_authentication_token: token,
        authentication_factors: user.factors.map((f) => ({ id: f.id, type: 'totp' })),
        user: userJson(user),
      },
    });
  }
  return signedIn(ctx, user);
}

const MFA_TOTP_GRANT = 'urn:workos:oauth:grant-type:mfa-totp';

async function authenticateTotp(ctx: SimContext, b: Record<string, unknown>): Promise<SimResponse> {
  const { code, pending_authentication_token: token, authentication_challenge_id: challengeId } = b;
  if (typeof code !== 'string' || typeof token !== 'string' || typeof challengeId !== 'string') {
    throw new SimApiError(400, 'code, pending_authentication_token and authentication_challenge_id are required', 'invalid_request');
  }
  const pending = ctx.pendingAuthentications.get(token);
  if (!pending || pending.expiresAt < Date.now()) {
    ctx.pendingAuthentications.delete(token);
    throw new SimApiError(400, 'The pending authentication token is invalid or expired.', 'invalid_pending_authentication_token');
  }
  const user = ctx.store.users.get(pending.userId);
  if (!user) throw new SimApiError(400, 'The pending authentication token is invalid or expired.', 'invalid_pending_authentication_token');
  if (!checkChallenge(ctx, challengeId, user.id, code)) {
    ctx.onLogin(false);
    throw new SimApiError(400, 'The one-time code is invalid.', 'invalid_one_time_code');
  }
  ctx.pendingAuthentications.delete(token);
  ctx.challenges.delete(challengeId);
  return signedIn(ctx, user);
}

function signedIn(ctx: SimContext, user: SimUser): SimResponse {
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
