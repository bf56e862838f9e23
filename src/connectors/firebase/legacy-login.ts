/**
 * Firebase Auth as the legacy side of the gateway: Identity Toolkit
 * `POST /v1/accounts:signInWithPassword?key=API_KEY` with `{email, password, returnSecureToken: true,
 * tenantId?}` (Google Cloud Identity Platform REST reference). On success the response names the
 * user (`localId`, the source id the Firebase reader uses); one `accounts:lookup` with the fresh
 * id token then gives the profile (display name, photo, linked providers, custom claims).
 *
 * Error messages (`{"error": {"code": 400, "message": ...}}`, the Firebase Auth REST API
 * reference and the Auth emulator): EMAIL_NOT_FOUND → unknown_user; INVALID_PASSWORD and, with
 * email-enumeration protection on, INVALID_LOGIN_CREDENTIALS → invalid_credentials;
 * USER_DISABLED → disabled; TOO_MANY_ATTEMPTS_TRY_LATER (a temporary lock) → invalid_credentials;
 * INVALID_EMAIL (not an email address: Firebase signs in by email only) → unknown_user; anything
 * else (API key not valid, PASSWORD_LOGIN_DISABLED, 5xx, a network failure) → unavailable.
 *
 * `apiUrl` points at the Firebase Auth emulator (`http://127.0.0.1:9099/identitytoolkit.googleapis.com`)
 * or the strict simulator in sim/legacy.ts.
 */
import { looksLikeEmail } from '../../model/email.js';
import { invalidCredentials, legacyUnavailable, type LegacyVerdict, type LegacyVerifier, type LegacyLoginFactory } from '../../protocol/legacy.js';
import { mapFirebaseUser } from './map.js';

export const IDENTITY_TOOLKIT = 'https://identitytoolkit.googleapis.com';

export interface FirebaseLegacyOptions {
  /** The project's Web API key. */
  apiKey: string;
  /** Identity Platform tenant, when the project uses multi-tenancy. */
  tenantId?: string;
  apiUrl?: string;
  timeoutMs?: number;
}

export function firebaseVerdictOf(status: number, message: string): LegacyVerdict {
  const code = message.split(/[\s:]/)[0] ?? '';
  switch (code) {
    case 'EMAIL_NOT_FOUND':
    case 'INVALID_EMAIL':
      return { ok: false, reason: 'unknown_user', detail: code };
    case 'INVALID_PASSWORD':
    case 'INVALID_LOGIN_CREDENTIALS':
      return invalidCredentials(code);
    case 'TOO_MANY_ATTEMPTS_TRY_LATER':
      return invalidCredentials(`${code}: Firebase locked the account for a while`);
    case 'USER_DISABLED':
      return { ok: false, reason: 'disabled', detail: code };
    default:
      return legacyUnavailable(`Firebase answered ${status}${code ? ` ${code.slice(0, 60)}` : ''}`);
  }
}

export function firebaseLegacyVerifier(options: FirebaseLegacyOptions): LegacyVerifier {
  const base = (options.apiUrl ?? IDENTITY_TOOLKIT).replace(/\/+$/, '');
  const call = async (method: string, body: unknown): Promise<{ status: number; json: Record<string, unknown> }> => {
    const res = await fetch(`${base}/v1/accounts:${method}?key=${encodeURIComponent(options.apiKey)}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
    });
    let json: Record<string, unknown> = {};
    try {
      json = (await res.json()) as Record<string, unknown>;
    } catch {
      /* not JSON: a proxy's error page */
    }
    return { status: res.status, json };
  };

  return {
    name: 'firebase',
    async verify(identifier, password): Promise<LegacyVerdict> {
      if (!looksLikeEmail(identifier)) return { ok: false, reason: 'unknown_user', detail: 'Firebase signs in by email address only' };
      let r;
      try {
        r = await call('signInWithPassword', { email: identifier, password, returnSecureToken: true, ...(options.tenantId ? { tenantId: options.tenantId } : {}) });
      } catch (e) {
        return legacyUnavailable(`the Identity Toolkit API cannot be reached (${(e as Error).name})`);
      }
      if (r.status !== 200) {
        const err = r.json.error as { message?: unknown } | undefined;
        return firebaseVerdictOf(r.status, typeof err?.message === 'string' ? err.message : '');
      }
      const localId = typeof r.json.localId === 'string' ? r.json.localId : undefined;
      if (!localId) return legacyUnavailable('signInWithPassword answered 200 without a localId');
      try {
        const lookup = await call('lookup', { idToken: r.json.idToken, ...(options.tenantId ? { tenantId: options.tenantId } : {}) });
        const record = Array.isArray(lookup.json.users) ? lookup.json.users[0] : undefined;
        const user = lookup.status === 200 && record ? mapFirebaseUser(record, {}).user : undefined;
        if (user && user.sourceId === localId) {
          // No hash comes back from a user-token lookup: the gateway sets the password at the target itself.
          delete user.password;
          user.passwordPlan = 'jit';
          return { ok: true, sourceId: localId, user };
        }
      } catch {
        /* the profile is a bonus: the password is proven */
      }
      return { ok: true, sourceId: localId };
    },
    async close() {
      /* nothing held open */
    },
  };
}

/** `serve --legacy api|auto` for Firebase: the Identity Toolkit sign-in, configured from the environment. */
export const firebaseLegacyLogin: LegacyLoginFactory = {
  env: 'FIREBASE_API_KEY (FIREBASE_TENANT_ID optional)',
  async open({ env, apiUrl: url }) {
    if (!env.FIREBASE_API_KEY) return { missing: 'FIREBASE_API_KEY' };
    return { verifier: firebaseLegacyVerifier({ apiKey: env.FIREBASE_API_KEY, ...(env.FIREBASE_TENANT_ID ? { tenantId: env.FIREBASE_TENANT_ID } : {}), ...(url ? { apiUrl: url } : {}) }) };
  },
};
