import type { IncomingHttpHeaders } from 'node:http';
import { hashPassword } from '../../../model/password/index.js';
import type { SlidingWindowLimiter } from './limits.js';
import { SimApiError, notFound } from './http.js';
import { SimStore, listJson, listParams, newId, paginate, userJson, type SimUser } from './state.js';
import { mergeMetadata, validateUserBody, type UserFields } from './validate.js';

/** What every route handler gets. */
export interface SimContext {
  store: SimStore;
  apiKey: string;
  clientId: string;
  /** Role slugs that exist in the environment; undefined accepts any well-formed slug. */
  roles: readonly string[] | undefined;
  requireEmailVerification: boolean;
  invalidCredentialsStatus: 400 | 401;
  loginLimiter: SlidingWindowLimiter | undefined;
  /** Authentication challenges by id (TOTP factors). */
  challenges: Map<string, import('./routes-factors.js').SimChallenge>;
  /** Pending authentication tokens of sign-ins waiting for their MFA step → the user and when it expires. */
  pendingAuthentications: Map<string, { userId: string; expiresAt: number }>;
  /** Counts one applied mutation (stats.writesApplied). */
  commit(): void;
  onLogin(ok: boolean): void;
}

export interface SimRequest {
  method: string;
  /** Decoded path parameters, in pattern order. */
  params: string[];
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: Record<string, unknown>;
}

export interface SimResponse {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface Route {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  pattern: RegExp;
  /** Which rate limit applies: reads, writes, or the per-email login limit. */
  kind: 'read' | 'write' | 'login';
  handle(ctx: SimContext, req: SimRequest): Promise<SimResponse> | SimResponse;
}

const SEG = '([^/]+)';

function userOr404(store: SimStore, id: string): SimUser {
  const user = store.users.get(id);
  if (!user) throw notFound('User');
  return user;
}

/** 400 with sub-errors: the shape WorkOS returns for a taken email (observed live, workos/emulate PR #108). */
function conflict(action: 'create' | 'update', sub: { code: string; message: string }): SimApiError {
  return action === 'create'
    ? new SimApiError(400, 'Could not create user.', 'user_creation_error', [sub])
    : new SimApiError(400, 'Could not update user.', 'user_update_error', [sub]);
}

const EMAIL_TAKEN = { code: 'email_not_available', message: 'This email is not available.' };
const EXTERNAL_ID_TAKEN = { code: 'external_id_already_used', message: 'This external ID is already in use.' };

/** Hashes a plaintext `password` before any state is checked, so no await splits check and write. */
async function passwordFor(fields: UserFields): Promise<SimUser['password'] | undefined> {
  if (fields.password !== undefined) {
    return { source: 'plaintext', hash: await hashPassword('bcrypt', fields.password, { cost: 10 }) };
  }
  if (fields.passwordHash) return { source: fields.passwordHash.type, hash: fields.passwordHash.hash };
  return undefined;
}

async function createUser(ctx: SimContext, req: SimRequest): Promise<SimResponse> {
  const fields = validateUserBody(req.body, 'create');
  const password = await passwordFor(fields);
  const { store } = ctx;
  const email = fields.email!;
  if (store.userByEmail(email)) throw conflict('create', EMAIL_TAKEN);
  if (fields.externalId && store.usersByExternalId.has(fields.externalId)) throw conflict('create', EXTERNAL_ID_TAKEN);
  const now = new Date().toISOString();
  const user: SimUser = {
    id: newId('user'),
    email,
    emailVerified: fields.emailVerified ?? false,
    firstName: fields.firstName ?? null,
    lastName: fields.lastName ?? null,
    externalId: fields.externalId ?? null,
    metadata: mergeMetadata({}, fields.metadata ?? {}),
    locale: null,
    lastSignInAt: null,
    createdAt: now,
    updatedAt: now,
    ...(password ? { password } : {}),
  };
  store.users.set(user.id, user);
  store.usersByEmail.set(SimStore.emailKey(email), user.id);
  if (user.externalId) store.usersByExternalId.set(user.externalId, user.id);
  ctx.commit();
  return { status: 201, body: userJson(user) };
}

async function updateUser(ctx: SimContext, req: SimRequest): Promise<SimResponse> {
  const { store } = ctx;
  userOr404(store, req.params[0]!);
  const fields = validateUserBody(req.body, 'update');
  const password = await passwordFor(fields);
  // Re-read after the await: the user may have been deleted meanwhile.
  const user = userOr404(store, req.params[0]!);
  if (fields.email !== undefined) {
    const other = store.userByEmail(fields.email);
    if (other && other.id !== user.id) throw conflict('update', EMAIL_TAKEN);
  }
  if (fields.externalId) {
    const other = store.usersByExternalId.get(fields.externalId);
    if (other !== undefined && other !== user.id) throw conflict('update', EXTERNAL_ID_TAKEN);
  }
  const metadata = fields.metadata ? mergeMetadata(user.metadata, fields.metadata) : user.metadata;
  if (fields.email !== undefined && SimStore.emailKey(fields.email) !== SimStore.emailKey(user.email)) {
    store.usersByEmail.delete(SimStore.emailKey(user.email));
    store.usersByEmail.set(SimStore.emailKey(fields.email), user.id);
  }
  if (fields.email !== undefined) user.email = fields.email;
  if (fields.externalId !== undefined) {
    if (user.externalId) store.usersByExternalId.delete(user.externalId);
    user.externalId = fields.externalId;
    if (user.externalId) store.usersByExternalId.set(user.externalId, user.id);
  }
  if (fields.emailVerified !== undefined) user.emailVerified = fields.emailVerified;
  if (fields.firstName !== undefined) user.firstName = fields.firstName;
  if (fields.lastName !== undefined) user.lastName = fields.lastName;
  if (fields.locale !== undefined) user.locale = fields.locale;
  user.metadata = metadata;
  if (password) user.password = password;
  user.updatedAt = new Date().toISOString();
  ctx.commit();
  return { status: 200, body: userJson(user) };
}

function deleteUser(ctx: SimContext, req: SimRequest): SimResponse {
  const { store } = ctx;
  const user = userOr404(store, req.params[0]!);
  for (const m of store.membershipsOf({ userId: user.id })) store.memberships.delete(m.id);
  store.users.delete(user.id);
  store.usersByEmail.delete(SimStore.emailKey(user.email));
  if (user.externalId) store.usersByExternalId.delete(user.externalId);
  ctx.commit();
  return { status: 204 };
}

function listUsers(ctx: SimContext, req: SimRequest): SimResponse {
  const { store } = ctx;
  const p = listParams(req.query);
  const email = req.query.get('email');
  const orgId = req.query.get('organization_id');
  let candidates: Iterable<SimUser> = store.users.values();
  if (email !== null) {
    const u = store.userByEmail(email);
    candidates = u ? [u] : [];
  }
  if (orgId !== null) {
    const members = new Set(store.membershipsOf({ organizationId: orgId }).map((m) => m.userId));
    candidates = [...candidates].filter((u) => members.has(u.id));
  }
  return { status: 200, body: listJson(paginate(candidates, p), userJson) };
}

export const userRoutes: Route[] = [
  { method: 'POST', pattern: /^\/user_management\/users$/, kind: 'write', handle: createUser },
  { method: 'GET', pattern: /^\/user_management\/users$/, kind: 'read', handle: listUsers },
  {
    method: 'GET',
    pattern: new RegExp(`^/user_management/users/external_id/${SEG}$`),
    kind: 'read',
    handle: (ctx, req) => {
      const id = ctx.store.usersByExternalId.get(req.params[0]!);
      const user = id === undefined ? undefined : ctx.store.users.get(id);
      if (!user) throw notFound('User');
      return { status: 200, body: userJson(user) };
    },
  },
  {
    method: 'GET',
    pattern: new RegExp(`^/user_management/users/${SEG}$`),
    kind: 'read',
    handle: (ctx, req) => ({ status: 200, body: userJson(userOr404(ctx.store, req.params[0]!)) }),
  },
  { method: 'PUT', pattern: new RegExp(`^/user_management/users/${SEG}$`), kind: 'write', handle: updateUser },
  { method: 'DELETE', pattern: new RegExp(`^/user_management/users/${SEG}$`), kind: 'write', handle: deleteUser },
];
