import type { PasswordHash } from './password/types.js';
import type { Secret } from './secret.js';

export interface EmailAddress {
  /** As the source had it (for display and for writing to the target). */
  address: string;
  /** Trimmed and case-folded: the key for matching and duplicate detection. */
  normalized: string;
  verified: boolean;
  primary: boolean;
}

export interface PhoneNumber {
  number: string;
  verified: boolean;
  primary: boolean;
}

export type MfaKind = 'totp' | 'sms' | 'webauthn' | 'email' | 'backup-codes' | 'other';

export interface MfaFactor {
  kind: MfaKind;
  /** TOTP shared secret (base32) when the source exports it. */
  secret?: Secret;
  /** For SMS factors. */
  phoneNumber?: string;
  label?: string;
  enrolledAt?: string;
}

/** A linked login at another identity provider (Google, GitHub, a SAML connection...). */
export interface LinkedIdentity {
  /** Normalised provider name: google, github, apple, microsoft, facebook, saml, oidc, ... */
  provider: string;
  /** The user's id at that provider (the OAuth `sub`). */
  providerUserId: string;
  kind: 'social' | 'enterprise';
  /** The source's own connection name when it has one (Auth0 `connection`, Firebase `providerId`). */
  connection?: string;
  email?: string;
}

export interface Membership {
  /** The organization's id in the source. */
  organizationId: string;
  roles: string[];
}

export interface Organization {
  sourceId: string;
  name: string;
  slug?: string;
  externalId?: string;
  metadata: Record<string, unknown>;
  createdAt?: string;
}

/** What the move would lose or change for this record, and why: shown in reports, never hidden. */
export interface LossyNote {
  field: string;
  reason: string;
}

/**
 * What to do about the password at the target:
 * - `import`: the hash is present and parsed;
 * - `jit`: no usable hash; the gateway moves the password at the next successful legacy login
 *   (or the user resets it);
 * - `none`: the user has no password at all (social-only, passwordless).
 */
export type PasswordPlan = 'import' | 'jit' | 'none';

/** One user in flagless's canonical form: every source maps to this, every target maps from it. */
export interface CanonicalUser {
  /** The user's id in the source (Clerk `user_...`, Auth0 `auth0|...`, Firebase `localId`). */
  sourceId: string;
  /** An id the source carried from an earlier system (Clerk `external_id`), if any. */
  externalId?: string;
  username?: string;
  emails: EmailAddress[];
  phones: PhoneNumber[];
  firstName?: string;
  lastName?: string;
  displayName?: string;
  imageUrl?: string;
  password?: PasswordHash;
  passwordPlan: PasswordPlan;
  mfa: MfaFactor[];
  identities: LinkedIdentity[];
  memberships: Membership[];
  /** Public metadata may be shown to the user; private metadata never is. Kept apart. */
  metadata: {
    public: Record<string, unknown>;
    private: Record<string, unknown>;
  };
  createdAt?: string;
  updatedAt?: string;
  lastSignInAt?: string;
  /**
   * When the user's password was last set or changed at the source, where the source says so
   * (Clerk `password_last_updated_at`). Sync compares it with when the target got the password:
   * a newer one means the target's copy is stale.
   */
  passwordChangedAt?: string;
  disabled: boolean;
  /** Source-specific status kept for reports (Cognito UserStatus, Auth0 blocked...). */
  sourceStatus?: string;
  lossy: LossyNote[];
}

export function primaryEmail(user: CanonicalUser): EmailAddress | undefined {
  return user.emails.find((e) => e.primary) ?? user.emails[0];
}

export function emptyUser(sourceId: string): CanonicalUser {
  return {
    sourceId,
    emails: [],
    phones: [],
    passwordPlan: 'none',
    mfa: [],
    identities: [],
    memberships: [],
    metadata: { public: {}, private: {} },
    disabled: false,
    lossy: [],
  };
}
