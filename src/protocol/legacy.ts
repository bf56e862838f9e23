import type { HashAlgorithm } from '../model/password/types.js';
import type { CanonicalUser } from '../model/user.js';

/**
 * The legacy side of the gateway: something that can tell whether a password is right for a user
 * of the provider being left, without moving anything. Two kinds exist: the export's own hashes
 * (vendor-free, in the gateway) and the legacy providers' login APIs (one per vendor connector,
 * `src/connectors/<vendor>/legacy-login.ts`).
 *
 * A verifier never throws for an answer it got: a wrong password, an unknown user, a blocked
 * account and an outage are all verdicts. It throws only for a bug. A verdict never carries the
 * password or a hash; `detail` is safe to log.
 */
export type LegacyFailureReason =
  /** The user exists and the password is wrong (or the provider will not say which of the two). */
  | 'invalid_credentials'
  /** No user with this identifier (only when the provider says so; many never do). */
  | 'unknown_user'
  /** The user exists but this verifier cannot check a password for it (social-only, no usable hash, reset required). */
  | 'no_password'
  /** The account is disabled, banned, blocked or locked at the legacy provider: never moved. */
  | 'disabled'
  /** The legacy provider could not answer (down, timing out, rate limiting, misconfigured). */
  | 'unavailable'
  /**
   * The identifier names several users of the legacy provider (one email on two accounts) and the
   * password is right for one of them: which account keeps the address is an administrator's call.
   */
  | 'needs_decision';

export const LEGACY_FAILURE_REASONS: readonly LegacyFailureReason[] = ['invalid_credentials', 'unknown_user', 'no_password', 'disabled', 'unavailable', 'needs_decision'];

export type LegacyVerdict =
  | {
      ok: true;
      /** The user's id at the legacy provider: the same `sourceId` the vendor's source reader gives. */
      sourceId: string;
      /** What the provider's answer tells about the user, when it tells anything. */
      user?: CanonicalUser;
      /**
       * The algorithm that checked the password, when the verifier knows it. bcrypt reads only the
       * first 72 bytes: the gateway then never sets the typed text as the user's password.
       */
      verifiedWith?: HashAlgorithm;
    }
  | {
      ok: false;
      reason: LegacyFailureReason;
      /** For `unavailable`: how long the provider asked us to wait (HTTP Retry-After), when it did. */
      retryAfterSeconds?: number;
      /** A short, secret-free explanation for logs (the vendor's error code, "no usable hash"...). */
      detail?: string;
      /** For `invalid_credentials`/`disabled`/`no_password`: the user, when the provider names it. */
      sourceId?: string;
      /**
       * Why a hash was not checked, for the gateway's own metrics (never shown to the caller):
       * `over_budget` (the verification ran past its time budget), `busy` (no verification
       * process was free within it), `too_costly` (the hash's cost is above the ceiling).
       */
      cause?: 'over_budget' | 'busy' | 'too_costly';
    };

export interface LegacyVerifyContext {
  /** The end user's address, for providers that count failures per address (Auth0 `auth0-forwarded-for`). */
  clientIp?: string;
}

export interface LegacyVerifier {
  /** For logs and metrics: `export`, `auth0`, `cognito`, `firebase`, `clerk`, `chain`. */
  readonly name: string;
  /** Checks `password` for the user `identifier` names (an email address or a username). */
  verify(identifier: string, password: string, context?: LegacyVerifyContext): Promise<LegacyVerdict>;
  /**
   * Finds a user without a password (the lazy-migration lookups targets make before asking for
   * one). Absent when the provider offers no such lookup with the credentials the verifier has.
   */
  lookup?(identifier: string): Promise<{ sourceId: string; user?: CanonicalUser } | undefined>;
  /**
   * Spends what one ordinary verification costs, against no user (a wrong password of a user the
   * target already holds answers in the same time as any other wrong password). Optional.
   */
  spendDecoy?(password: string): Promise<void>;
  /** Starts what verifications need (processes, calibration) before the first login. Optional. */
  warm?(): Promise<void>;
  close(): Promise<void>;
}

/** A wrong-password-or-unknown verdict that reveals nothing about which of the two it was. */
export function invalidCredentials(detail?: string, sourceId?: string): LegacyVerdict {
  return { ok: false, reason: 'invalid_credentials', ...(detail ? { detail } : {}), ...(sourceId ? { sourceId } : {}) };
}

export function legacyUnavailable(detail: string, retryAfterSeconds?: number): LegacyVerdict {
  return { ok: false, reason: 'unavailable', detail, ...(retryAfterSeconds !== undefined ? { retryAfterSeconds } : {}) };
}

/**
 * A source vendor's login API as the gateway's legacy side (`serve --legacy api|auto`): the
 * connector reads its own credentials from the environment. Declared by the source connector
 * (`SourceConnector.legacy`), so the vendor's environment variables live in its folder.
 */
export interface LegacyLoginFactory {
  /** The environment variables it reads, for messages: `CLERK_SECRET_KEY`. */
  readonly env: string;
  /**
   * The verifier the environment describes, or what is missing from it (`AUTH0_DOMAIN and a
   * client id`). `apiUrl` overrides the login API's base URL (a local simulator, a proxy).
   */
  open(options: { env: Record<string, string | undefined>; apiUrl?: string }): Promise<{ verifier: LegacyVerifier } | { missing: string }>;
}
