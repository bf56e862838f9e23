import { randomBytes } from 'node:crypto';
import { base32Decode, base32Encode, isBase32Secret, normalizeBase32, totpMatches } from '../../../model/totp.js';
import { SimApiError, invalid, notFound } from './http.js';
import type { Route, SimContext, SimRequest, SimResponse } from './routes-users.js';
import { factorJson, listJson, listParams, newId, paginate, type SimFactor, type SimUser } from './state.js';

/**
 * TOTP factors of the WorkOS simulator (workos.com/docs/reference/authkit/mfa and
 * /docs/reference/mfa/challenge; shapes as @workos-inc/node 8.13 deserializes them):
 * - `POST /user_management/users/{id}/auth_factors` `{type: 'totp', totp_issuer?, totp_user?, totp_secret?}`
 *   → `{authentication_factor, authentication_challenge}`; a given secret must be base32 (422 otherwise),
 *   a missing one is generated; the secret is answered only here, as WorkOS does;
 * - `GET /user_management/users/{id}/auth_factors` → a list of factors without secrets;
 * - `POST /auth/factors/{id}/challenge` → an authentication challenge for a TOTP factor.
 * The sign-in side (the `mfa_challenge` error and the `mfa-totp` grant) is in routes-auth.ts.
 */

function userOr404(ctx: SimContext, id: string): SimUser {
  const user = ctx.store.users.get(id);
  if (!user) throw notFound('User');
  return user;
}

export interface SimChallenge {
  id: string;
  factorId: string;
  userId: string;
  createdAt: string;
}

export function challengeJson(c: SimChallenge): Record<string, unknown> {
  return { object: 'authentication_challenge', id: c.id, created_at: c.createdAt, updated_at: c.createdAt, expires_at: null, authentication_factor_id: c.factorId };
}

function enroll(ctx: SimContext, req: SimRequest): SimResponse {
  const user = userOr404(ctx, req.params[0]!);
  const b = req.body;
  if (b.type !== 'totp') throw invalid('type must be "totp"', [{ field: 'type', code: 'invalid_type' }]);
  for (const f of ['totp_issuer', 'totp_user', 'totp_secret'] as const) {
    if (b[f] !== undefined && typeof b[f] !== 'string') throw invalid(`${f} must be a string`, [{ field: f, code: 'invalid_string' }]);
  }
  const given = b.totp_secret as string | undefined;
  if (given !== undefined && !isBase32Secret(given)) throw invalid('totp_secret must be a base32 secret', [{ field: 'totp_secret', code: 'invalid_totp_secret' }]);
  const secret = given !== undefined ? normalizeBase32(given) : base32Encode(randomBytes(20));
  const now = new Date().toISOString();
  const factor: SimFactor = {
    id: newId('auth_factor'),
    userId: user.id,
    secret,
    issuer: (b.totp_issuer as string | undefined) ?? 'WorkOS',
    user: (b.totp_user as string | undefined) ?? user.email,
    createdAt: now,
    updatedAt: now,
  };
  (user.factors ??= []).push(factor);
  ctx.commit();
  const challenge: SimChallenge = { id: newId('auth_challenge'), factorId: factor.id, userId: user.id, createdAt: now };
  ctx.challenges.set(challenge.id, challenge);
  const uri = `otpauth://totp/${encodeURIComponent(factor.issuer)}:${encodeURIComponent(factor.user)}?secret=${secret}&issuer=${encodeURIComponent(factor.issuer)}`;
  return {
    status: 201,
    body: {
      authentication_factor: { ...factorJson(factor), totp: { issuer: factor.issuer, user: factor.user, qr_code: 'data:image/png;base64,', secret, uri } },
      authentication_challenge: challengeJson(challenge),
    },
  };
}

function list(ctx: SimContext, req: SimRequest): SimResponse {
  const user = userOr404(ctx, req.params[0]!);
  return { status: 200, body: listJson(paginate(user.factors ?? [], listParams(req.query)), factorJson) };
}

function challenge(ctx: SimContext, req: SimRequest): SimResponse {
  const id = req.params[0]!;
  for (const user of ctx.store.users.values()) {
    const factor = user.factors?.find((f) => f.id === id);
    if (!factor) continue;
    const c: SimChallenge = { id: newId('auth_challenge'), factorId: factor.id, userId: user.id, createdAt: new Date().toISOString() };
    ctx.challenges.set(c.id, c);
    return { status: 201, body: challengeJson(c) };
  }
  throw notFound('Authentication Factor');
}

/** Whether `code` is a current TOTP code of the challenged factor. */
export function checkChallenge(ctx: SimContext, challengeId: string, userId: string, code: string): boolean {
  const c = ctx.challenges.get(challengeId);
  if (!c || c.userId !== userId) throw new SimApiError(400, 'The authentication challenge is invalid.', 'authentication_challenge_invalid');
  const factor = ctx.store.users.get(userId)?.factors?.find((f) => f.id === c.factorId);
  if (!factor) throw new SimApiError(400, 'The authentication challenge is invalid.', 'authentication_challenge_invalid');
  return /^[0-9]{6}$/.test(code) && totpMatches(base32Decode(factor.secret), code);
}

const SEG = '([^/]+)';

export const factorRoutes: Route[] = [
  { method: 'POST', pattern: new RegExp(`^/user_management/users/${SEG}/auth_factors$`), kind: 'write', handle: enroll },
  { method: 'GET', pattern: new RegExp(`^/user_management/users/${SEG}/auth_factors$`), kind: 'read', handle: list },
  { method: 'POST', pattern: new RegExp(`^/auth/factors/${SEG}/challenge$`), kind: 'write', handle: challenge },
];
