/**
 * Shared parts of the Better Auth target tests: canonical users, a temp folder, and sign-in
 * through Better Auth's own API the way an application does it.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { isAPIError } from 'better-auth/api';
import { emptyUser, type CanonicalUser } from '../../src/model/user.js';
import { normalizeEmail } from '../../src/model/email.js';
import type { PasswordHash } from '../../src/model/password/types.js';
import type { Target } from '../../src/protocol/target.js';
import { openFlaglessAuth, type FlaglessAuth } from '../../src/connectors/better-auth/app.js';
import { target as betterAuthTarget } from '../../src/connectors/better-auth/index.js';

export function tempDir(): { dir: string; remove: () => void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flagless-'));
  return { dir, remove: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

export function person(
  sourceId: string,
  email: string,
  extra: Partial<CanonicalUser> & { password?: PasswordHash } = {},
): CanonicalUser {
  const user = emptyUser(sourceId);
  user.emails = [{ address: email, normalized: normalizeEmail(email), verified: true, primary: true }];
  user.firstName = 'Ada';
  user.lastName = 'Lovelace';
  Object.assign(user, extra);
  if (extra.password) user.passwordPlan = 'import';
  return user;
}

export const WITH_HASH = { includePasswordHash: true, missingPassword: 'jit' } as const;

/** The subset of a Better Auth instance the tests call (any config with emailAndPassword). */
export interface SignInApi {
  api: {
    signInEmail(input: { body: { email: string; password: string }; returnHeaders: true }): Promise<{ headers: Headers; response: { user: { id: string } } }>;
  };
}

export type SignInOutcome = { ok: true; userId: string; headers: Headers } | { ok: false; status: string; code: string | undefined };

/** Signs in through `auth.api.signInEmail` and returns the session cookie as request headers. */
export async function signIn(auth: SignInApi, email: string, password: string): Promise<SignInOutcome> {
  try {
    const res = await auth.api.signInEmail({ body: { email, password }, returnHeaders: true });
    const cookie = (res.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
    return { ok: true, userId: res.response.user.id, headers: new Headers({ cookie }) };
  } catch (e) {
    if (!isAPIError(e)) throw e;
    const body = e.body as { code?: string } | undefined;
    return { ok: false, status: String(e.status), code: body?.code };
  }
}

/**
 * The set-up two suites share: flagless's target and, beside it, the application's own Better Auth
 * instance (its own secret) on the same SQLite file. Call from `before`; `close` from `after`.
 */
export async function openTargetAndApp(dbPath: string): Promise<{ target: Target; app: FlaglessAuth; close: () => Promise<void> }> {
  const target = await betterAuthTarget.open({ env: {}, db: dbPath });
  const opened = await openFlaglessAuth(dbPath, { secret: 'application-secret-0123456789-abcdefghijklmnop' });
  return {
    target,
    app: opened.auth,
    close: async () => {
      await target.close();
      opened.database.close();
    },
  };
}
