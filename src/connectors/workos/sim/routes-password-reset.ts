import { createHash, randomBytes } from 'node:crypto';
import { hashPassword } from '../../../model/password/index.js';
import { SimApiError, invalid, notFound } from './http.js';
import { newId, userJson } from './state.js';
import type { Route, SimContext, SimRequest, SimResponse } from './routes-users.js';
import { isValidEmail } from './validate.js';

/**
 * WorkOS's password reset (AuthKit): `POST /user_management/password_reset` {email} creates a
 * one-time token and, with the environment's default emails on (WorkOS sends AuthKit's password
 * reset email unless the team turned default emails off), mails the link to the user;
 * `GET /user_management/password_reset/:id` reads it back; `POST /user_management/password_reset/confirm`
 * {token, new_password} sets the password, verifies the email and revokes the token.
 *
 * Shapes from the API reference (workos.com/docs/reference/authkit/password-reset) and
 * @workos-inc/node 8.13's PasswordResetResponse (object, id, user_id, email, password_reset_token,
 * password_reset_url, expires_at, created_at). The token expires after 15 minutes, as in the
 * reference's example. The simulator's "outbox" records each email WorkOS would send (to whom,
 * when, which reset) without the token, so tests can count emails exactly.
 */

export interface SimPasswordReset {
  id: string;
  userId: string;
  email: string;
  /** SHA-256 of the token: the plaintext token is only in the create answer (and the email). */
  tokenDigest: string;
  expiresAt: number;
  createdAt: string;
  used: boolean;
}

export interface SimOutboxEmail {
  kind: 'password_reset';
  to: string;
  userId: string;
  passwordResetId: string;
  sentAt: string;
}

export const PASSWORD_RESET_TTL_MS = 15 * 60_000;
/** Where the email's link points (the environment's password reset URL setting). */
export const SIM_RESET_URL = 'https://sim.workos.invalid/reset-password';

const digest = (token: string) => createHash('sha256').update(token).digest('hex');

function resetJson(r: SimPasswordReset, token?: string): Record<string, unknown> {
  return {
    object: 'password_reset',
    id: r.id,
    user_id: r.userId,
    email: r.email,
    // The reference returns the token on create; a later GET returns the object again (the token is
    // not kept in the clear here, so the simulator answers it only on create).
    password_reset_token: token ?? '',
    password_reset_url: token ? `${SIM_RESET_URL}?token=${token}` : SIM_RESET_URL,
    expires_at: new Date(r.expiresAt).toISOString(),
    created_at: r.createdAt,
  };
}

function onlyKeys(body: Record<string, unknown>, allowed: readonly string[]): void {
  const extra = Object.keys(body).filter((k) => !allowed.includes(k));
  if (extra.length) throw invalid(`Unknown parameter${extra.length > 1 ? 's' : ''}: ${extra.join(', ')}`, extra.map((field) => ({ field, code: 'unknown_parameter' })));
}

function createPasswordReset(ctx: SimContext, req: SimRequest): SimResponse {
  onlyKeys(req.body, ['email']);
  const email = req.body.email;
  if (email === undefined || email === null || email === '') throw invalid('email is required', [{ field: 'email', code: 'required' }]);
  if (typeof email !== 'string' || !isValidEmail(email.trim())) throw invalid('email is not a valid email address', [{ field: 'email', code: 'invalid_email' }]);
  const user = ctx.store.userByEmail(email);
  if (!user) throw new SimApiError(404, 'User not found.', 'entity_not_found');
  const token = randomBytes(19).toString('base64url');
  const now = Date.now();
  const reset: SimPasswordReset = { id: newId('password_reset'), userId: user.id, email: user.email, tokenDigest: digest(token), expiresAt: now + PASSWORD_RESET_TTL_MS, createdAt: new Date(now).toISOString(), used: false };
  ctx.store.passwordResets.set(reset.id, reset);
  ctx.store.outbox.push({ kind: 'password_reset', to: user.email, userId: user.id, passwordResetId: reset.id, sentAt: reset.createdAt });
  ctx.commit();
  return { status: 201, body: resetJson(reset, token) };
}

function getPasswordReset(ctx: SimContext, req: SimRequest): SimResponse {
  const r = ctx.store.passwordResets.get(req.params[0]!);
  if (!r) throw notFound('Password reset');
  return { status: 200, body: resetJson(r) };
}

async function confirmPasswordReset(ctx: SimContext, req: SimRequest): Promise<SimResponse> {
  onlyKeys(req.body, ['token', 'new_password']);
  const { token, new_password: password } = req.body;
  if (typeof token !== 'string' || token === '') throw invalid('token is required', [{ field: 'token', code: 'required' }]);
  if (typeof password !== 'string' || password === '') throw invalid('new_password is required', [{ field: 'new_password', code: 'required' }]);
  // Hash before reading state, so no await splits the check from the write.
  const hash = await hashPassword('bcrypt', password, { cost: 10 });
  const d = digest(token);
  const reset = [...ctx.store.passwordResets.values()].find((r) => r.tokenDigest === d);
  if (!reset || reset.used || reset.expiresAt < Date.now()) throw new SimApiError(404, 'Password reset token not found.', 'password_reset_token_not_found');
  const user = ctx.store.users.get(reset.userId);
  if (!user) throw notFound('User');
  reset.used = true;
  user.password = { source: 'plaintext', hash };
  user.emailVerified = true;
  user.updatedAt = new Date().toISOString();
  ctx.commit();
  return { status: 200, body: { user: userJson(user) } };
}

export const passwordResetRoutes: Route[] = [
  { method: 'POST', pattern: /^\/user_management\/password_reset$/, kind: 'write', handle: createPasswordReset },
  { method: 'POST', pattern: /^\/user_management\/password_reset\/confirm$/, kind: 'write', handle: confirmPasswordReset },
  { method: 'GET', pattern: /^\/user_management\/password_reset\/([^/]+)$/, kind: 'read', handle: getPasswordReset },
];
