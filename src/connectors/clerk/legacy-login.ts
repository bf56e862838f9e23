/**
 * Clerk as the legacy side of the gateway, through the official SDK (`@clerk/backend`, loaded on
 * first use): the user is found by email (`GET /v1/users?email_address=`) or username
 * (`?username=`), then `POST /v1/users/{user_id}/verify_password {password}` checks the password
 * (Clerk docs, "verifyPassword()"; BAPI answers `{"verified": true}`).
 *
 * Clerk documents the success only. A wrong password comes back as a 4xx with
 * `{"errors": [{code, message, long_message}]}` (the SDK throws ClerkAPIResponseError with
 * `status` and `errors`); its exact status and code are not documented (UNVERIFIED: 422 with a
 * code such as `incorrect_password`), so every 4xx other than 401/403/429 on verify_password is
 * read as "not verified", and `verified` must be exactly true for a success.
 *
 * A banned or locked user with the right password is `disabled`; a user with
 * `password_enabled: false` is `no_password`; 401/403 (a bad secret key), 429 (with the SDK's
 * `retryAfter`), 5xx and network failures are `unavailable`.
 */
import type { CanonicalUser } from '../../model/user.js';
import { looksLikeEmail } from '../../model/email.js';
import { invalidCredentials, legacyUnavailable, type LegacyVerdict, type LegacyVerifier, type LegacyLoginFactory } from '../../protocol/legacy.js';
import { userFromApiJson } from './map.js';
import type { ClerkUserJson } from './types.js';

export interface ClerkLegacyOptions {
  secretKey: string;
  /** Override https://api.clerk.com (a local simulator). */
  apiUrl?: string;
}

interface ClerkApiErrorLike {
  status?: number;
  retryAfter?: number;
  errors?: { code?: string }[];
}

interface ClerkUserResource {
  id: string;
  raw?: ClerkUserJson | null;
  banned?: boolean;
  locked?: boolean;
  passwordEnabled?: boolean;
}

type ClerkClient = {
  users: {
    getUserList(params: Record<string, unknown>): Promise<{ data: ClerkUserResource[] }>;
    verifyPassword(params: { userId: string; password: string }): Promise<{ verified?: boolean }>;
  };
};

function failure(e: unknown, what: string): LegacyVerdict {
  const err = e as ClerkApiErrorLike;
  const code = err.errors?.[0]?.code;
  return legacyUnavailable(`Clerk ${what} failed${err.status ? ` (HTTP ${err.status}${code ? ` ${code}` : ''})` : code ? ` (${code})` : ''}`, err.status === 429 ? err.retryAfter : undefined);
}

export function clerkLegacyVerifier(options: ClerkLegacyOptions): LegacyVerifier {
  let client: Promise<ClerkClient> | undefined;
  const open = () =>
    (client ??= (async () => {
      const { createClerkClient } = await import('@clerk/backend');
      return createClerkClient({ secretKey: options.secretKey, ...(options.apiUrl ? { apiUrl: options.apiUrl } : {}) }) as unknown as ClerkClient;
    })());

  const find = async (identifier: string): Promise<ClerkUserResource[]> => {
    const c = await open();
    const key = identifier.trim();
    const params = looksLikeEmail(key) ? { emailAddress: [key], limit: 2 } : { username: [key], limit: 2 };
    return (await c.users.getUserList(params)).data;
  };

  const canonical = (u: ClerkUserResource): CanonicalUser | undefined => (u.raw ? userFromApiJson(u.raw).user : undefined);

  return {
    name: 'clerk',
    async verify(identifier, password): Promise<LegacyVerdict> {
      let found: ClerkUserResource[];
      try {
        found = await find(identifier);
      } catch (e) {
        return failure(e, 'user lookup');
      }
      if (found.length === 0) return { ok: false, reason: 'unknown_user', detail: 'no Clerk user has this identifier' };
      if (found.length > 1) return invalidCredentials('several Clerk users have this identifier');
      const u = found[0]!;
      if (u.passwordEnabled === false || u.raw?.password_enabled === false) return { ok: false, reason: 'no_password', detail: 'the Clerk user has no password', sourceId: u.id };
      let verified = false;
      try {
        const r = await (await open()).users.verifyPassword({ userId: u.id, password });
        verified = r?.verified === true;
      } catch (e) {
        const status = (e as ClerkApiErrorLike).status;
        if (status === undefined || status === 401 || status === 403 || status === 429 || status >= 500) return failure(e, 'verify_password');
        verified = false;
      }
      if (!verified) return invalidCredentials('verify_password did not verify', u.id);
      if (u.banned || u.locked || u.raw?.banned || u.raw?.locked) return { ok: false, reason: 'disabled', detail: 'the Clerk user is banned or locked', sourceId: u.id };
      const user = canonical(u);
      return { ok: true, sourceId: u.id, ...(user ? { user } : {}) };
    },
    async lookup(identifier) {
      const found = await find(identifier);
      if (found.length !== 1) return undefined;
      const u = found[0]!;
      const user = canonical(u);
      return { sourceId: u.id, ...(user ? { user } : {}) };
    },
    async close() {
      /* the SDK holds nothing open */
    },
  };
}

/** `serve --legacy api|auto` for Clerk: the Backend API's password check, configured from the environment. */
export const clerkLegacyLogin: LegacyLoginFactory = {
  env: 'CLERK_SECRET_KEY',
  async open({ env, apiUrl: url }) {
    if (!env.CLERK_SECRET_KEY) return { missing: 'CLERK_SECRET_KEY' };
    return { verifier: clerkLegacyVerifier({ secretKey: env.CLERK_SECRET_KEY, ...(url ? { apiUrl: url } : {}) }) };
  },
};
