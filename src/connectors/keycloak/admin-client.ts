// Keycloak admin REST through the official @keycloak/keycloak-admin-client (loaded lazily), plus
// the OpenID Connect token endpoint for sign-in proofs (plain fetch: it is not an admin call).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type KeycloakAdminClient from '@keycloak/keycloak-admin-client';
import type UserRepresentation from '@keycloak/keycloak-admin-client/lib/defs/userRepresentation.js';
import type RealmRepresentation from '@keycloak/keycloak-admin-client/lib/defs/realmRepresentation.js';
import { FlaglessError } from '../../protocol/errors.js';
import { httpStatusError } from '../../protocol/http-status.js';
import type { KeycloakCredential } from './credentials.js';

export type { UserRepresentation, RealmRepresentation };

export interface KeycloakConnectionOptions {
  /** Base URL without a trailing slash, e.g. http://127.0.0.1:8080. */
  url: string;
  username: string;
  password: string;
  /** Realm the admin signs in to (default master). */
  adminRealm?: string;
  /** Per-request timeout (default 30 s). */
  timeoutMs?: number;
}

export interface KeycloakConnection {
  url: string;
  admin: KeycloakAdminClient;
}

/** Where scripts/keycloak.mjs records the local server (same rule as the script). */
export function localKeycloakStatePath(): string {
  const cache = process.env.FLAGLESS_CACHE_DIR || path.join(os.homedir(), '.cache', 'flagless');
  return path.join(cache, 'keycloak', 'state.json');
}

/** The bootstrap admin of the server `npm run keycloak:start` runs (scripts/keycloak.mjs), used when KEYCLOAK_ADMIN_* are not set. */
export const LOCAL_ADMIN_USERNAME = 'admin';
export const LOCAL_ADMIN_PASSWORD = 'admin-flagless';

/**
 * The Keycloak `doctor` and `setup keycloak` talk to when nothing says otherwise: KEYCLOAK_URL, or
 * the local server's recorded URL; the admin from KEYCLOAK_ADMIN_* or the local bootstrap admin.
 */
export function defaultKeycloakConnection(env: Record<string, string | undefined> = process.env): { url: string | undefined; username: string; password: string } {
  let url = env.KEYCLOAK_URL?.replace(/\/+$/, '');
  if (!url) {
    try {
      const state = JSON.parse(fs.readFileSync(localKeycloakStatePath(), 'utf8')) as { url?: unknown };
      if (typeof state.url === 'string') url = state.url;
    } catch {
      url = undefined;
    }
  }
  return { url, username: env.KEYCLOAK_ADMIN_USERNAME || LOCAL_ADMIN_USERNAME, password: env.KEYCLOAK_ADMIN_PASSWORD || LOCAL_ADMIN_PASSWORD };
}

interface HttpFailure {
  status: number;
  body: unknown;
  retryAfter: string | null;
}

function httpFailure(e: unknown): HttpFailure | undefined {
  const r = (e as { response?: Response; responseData?: unknown })?.response;
  if (r && typeof r.status === 'number') {
    return { status: r.status, body: (e as { responseData?: unknown }).responseData, retryAfter: r.headers.get('retry-after') };
  }
  return undefined;
}

/** Keycloak's own short reason (errorMessage / error_description), trimmed; never request data. */
function serverReason(body: unknown): string {
  if (body && typeof body === 'object') {
    const b = body as Record<string, unknown>;
    const text = b.errorMessage ?? b.error_description ?? b.error;
    if (typeof text === 'string') return text.slice(0, 200);
  }
  return '';
}

/** Maps an admin-client failure to the engine's error classes. `what` names the call, never data. */
export function toFlaglessError(e: unknown, what: string): FlaglessError {
  if (e instanceof FlaglessError) return e;
  const f = httpFailure(e);
  if (!f) {
    const reason = e instanceof Error ? e.message.slice(0, 200) : 'unknown error';
    return new FlaglessError('E_TARGET_UNAVAILABLE', `Keycloak ${what}: ${reason}`, { errorClass: 'retriable', cause: e });
  }
  const reason = serverReason(f.body);
  return httpStatusError(f.status, `Keycloak ${what}: HTTP ${f.status}${reason ? ` (${reason})` : ''}`, { side: 'target', retryAfter: f.retryAfter });
}

/**
 * Signs the admin in and keeps the token fresh: admin tokens in master live 60 s, so the token
 * provider signs in again shortly before expiry instead of relying on a refresh token that the
 * SSO idle timeout may already have ended.
 */
export async function connectKeycloak(options: KeycloakConnectionOptions): Promise<KeycloakConnection> {
  const { default: AdminClient } = await import('@keycloak/keycloak-admin-client');
  const url = options.url.replace(/\/+$/, '');
  const admin = new AdminClient({ baseUrl: url, realmName: options.adminRealm ?? 'master', timeout: options.timeoutMs ?? 30_000 });
  const credentials = { grantType: 'password' as const, clientId: 'admin-cli', username: options.username, password: options.password };
  let expiresAt = 0;
  const signIn = async (): Promise<void> => {
    try {
      await admin.auth(credentials);
    } catch (e) {
      const err = toFlaglessError(e, 'admin sign-in');
      // Keycloak answers wrong admin credentials with 400/401 invalid_grant: the run cannot go on.
      if (err.code === 'E_TARGET_VALIDATION') {
        throw new FlaglessError('E_TARGET_AUTH', `${err.message}: check KEYCLOAK_ADMIN_USERNAME / KEYCLOAK_ADMIN_PASSWORD`, { cause: e });
      }
      throw err;
    }
    const exp = decodeExp(admin.accessToken);
    expiresAt = exp ? exp * 1000 : Date.now() + 50_000;
  };
  await signIn();
  admin.registerTokenProvider({
    getAccessToken: async () => {
      if (Date.now() > expiresAt - 15_000) await signIn();
      return admin.accessToken;
    },
  });
  return { url, admin };
}

function decodeExp(token: string | undefined): number | undefined {
  const payload = token?.split('.')[1];
  if (!payload) return undefined;
  try {
    const exp = (JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { exp?: unknown }).exp;
    return typeof exp === 'number' ? exp : undefined;
  } catch {
    return undefined;
  }
}

/** Creates the realm when missing. Returns whether it was created. */
export async function ensureRealm(conn: KeycloakConnection, realm: string, extra: RealmRepresentation = {}): Promise<boolean> {
  try {
    const existing = await conn.admin.realms.findOne({ realm });
    if (existing) return false;
    await conn.admin.realms.create({ realm, enabled: true, ...extra });
    return true;
  } catch (e) {
    throw toFlaglessError(e, `ensure realm '${realm}'`);
  }
}

export async function deleteRealm(conn: KeycloakConnection, realm: string): Promise<void> {
  try {
    await conn.admin.realms.del({ realm });
  } catch (e) {
    if (httpFailure(e)?.status === 404) return;
    throw toFlaglessError(e, `delete realm '${realm}'`);
  }
}

/**
 * A public client with the resource-owner password grant enabled (what the sign-in proofs use).
 * Every realm also has `admin-cli` with the same settings; a dedicated client keeps the proofs
 * independent of it. Returns the client's internal id.
 */
export async function ensurePasswordGrantClient(conn: KeycloakConnection, realm: string, clientId: string): Promise<string> {
  try {
    const found = await conn.admin.clients.find({ realm, clientId });
    const existing = found.find((c) => c.clientId === clientId);
    if (existing?.id) return existing.id;
    const created = await conn.admin.clients.create({
      realm,
      clientId,
      enabled: true,
      publicClient: true,
      directAccessGrantsEnabled: true,
      standardFlowEnabled: false,
      protocol: 'openid-connect',
    });
    return created.id;
  } catch (e) {
    throw toFlaglessError(e, `ensure client '${clientId}'`);
  }
}

/**
 * Creates one user with pre-hashed credentials in one call (POST /admin/realms/{realm}/users:
 * Keycloak stores credentialData/secretData as given, without applying the password policy).
 * Returns the new user's id. 409 (same username or email) is E_TARGET_CONFLICT.
 */
export async function createUserWithCredentials(
  conn: KeycloakConnection,
  realm: string,
  user: UserRepresentation,
  credentials: KeycloakCredential[] = [],
): Promise<string> {
  try {
    const { id } = await conn.admin.users.create({ realm, ...user, credentials: [...(user.credentials ?? []), ...credentials] });
    return id;
  } catch (e) {
    throw toFlaglessError(e, 'create user');
  }
}

export interface StoredCredentialInfo {
  id: string | undefined;
  type: string | undefined;
  userLabel: string | undefined;
  /** credentialData parsed (never secret: the admin API does not return secretData). */
  data: Record<string, unknown>;
}

/** A user's stored credentials as the admin API shows them (GET .../users/{id}/credentials). */
export async function getStoredCredentials(conn: KeycloakConnection, realm: string, userId: string): Promise<StoredCredentialInfo[]> {
  try {
    const list = await conn.admin.users.getCredentials({ realm, id: userId });
    return list.map((c) => ({
      id: c.id,
      type: c.type,
      userLabel: c.userLabel,
      data: c.credentialData ? (JSON.parse(c.credentialData) as Record<string, unknown>) : {},
    }));
  } catch (e) {
    throw toFlaglessError(e, 'read credentials');
  }
}

export type TokenLoginResult =
  | { ok: true; status: number; accessToken: string }
  | { ok: false; status: number; error: string; errorDescription: string };

/**
 * Signs a user in through the realm's OpenID Connect token endpoint with the resource-owner
 * password grant (the direct grant flow: username, password, then the conditional OTP step,
 * which reads the `totp` form field). Keycloak 26.7 answers a wrong password, a missing or wrong
 * code with 400 invalid_grant "Invalid user credentials", and pending required actions with
 * 400 invalid_grant "Account is not fully set up".
 */
export async function tokenLogin(options: {
  url: string;
  realm: string;
  clientId: string;
  username: string;
  password: string;
  totp?: string;
}): Promise<TokenLoginResult> {
  const form = new URLSearchParams({
    grant_type: 'password',
    client_id: options.clientId,
    username: options.username,
    password: options.password,
    scope: 'openid',
  });
  if (options.totp !== undefined) form.set('totp', options.totp);
  const res = await fetch(`${options.url.replace(/\/+$/, '')}/realms/${encodeURIComponent(options.realm)}/protocol/openid-connect/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: form,
    signal: AbortSignal.timeout(30_000),
  });
  const body = (await res.json().catch(() => ({}))) as Record<string, unknown>;
  if (res.ok && typeof body.access_token === 'string') return { ok: true, status: res.status, accessToken: body.access_token };
  return {
    ok: false,
    status: res.status,
    error: typeof body.error === 'string' ? body.error : '',
    errorDescription: typeof body.error_description === 'string' ? body.error_description : '',
  };
}
