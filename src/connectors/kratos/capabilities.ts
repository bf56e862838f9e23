import type { TargetCapabilities } from '../../protocol/capabilities.js';

/**
 * Ory Kratos (self-hosted, Ory Network, Ory-based providers), from Kratos's own sources
 * (docs/vendor-facts.md, "Ory Kratos"):
 * - hashes verified natively (hash/hash_comparator.go): bcrypt, argon2id/argon2i, pbkdf2
 *   sha1/sha256/sha512, scrypt, Firebase's scrypt (`$firescrypt$`), salted/unsalted SHA-1/256/512
 *   and MD5; not argon2d. Any other hash imports with `use_password_migration_hook`, and
 *   `flagless serve` answers the hook (jitPasswords);
 * - TOTP secrets import as `credentials.totp.config.totp_url`; social links as
 *   `credentials.oidc.config.providers`; state inactive for disabled users; metadata public and
 *   admin kept apart; phone and username as traits when the identity schema has them;
 * - organization roles: Kratos has none, they are written as Keto relation tuples
 *   (`orgs:<org>#<role>@<identity id>`, and one marker `orgs:<org>#exists@flagless` per
 *   organization) when KETO_WRITE_URL / KETO_READ_URL are set; without them, no organizations;
 * - sync: identities deleted (DELETE /admin/identities/{id}, with their Keto tuples), deactivated
 *   and reactivated (`state` by JSON Patch), memberships removed (their Keto tuples);
 * - batches: PATCH /admin/identities takes up to 1,000 identities (identity/handler.go);
 * - rate limit: self-hosted Kratos has none. On Ory Network the target sets its own instance's
 *   rate from the project limit of the `kratos-admin-low` bucket (see target.ts).
 */
export const kratosCapabilities = {
  name: 'kratos',
  displayName: 'Ory Kratos',
  nativeHashes: ['bcrypt', 'argon2id', 'argon2i', 'pbkdf2-sha1', 'pbkdf2-sha256', 'pbkdf2-sha512', 'scrypt', 'firebase-scrypt', 'ssha1', 'ssha256', 'ssha512', 'md5'],
  extensionHashes: [],
  jitPasswords: true,
  totpSecrets: true,
  smsFactors: false,
  socialLinks: true,
  organizations: true,
  roles: true,
  usernames: true,
  requiresEmail: false,
  phoneNumbers: true,
  disabledUsers: true,
  deletesUsers: true,
  removesMemberships: true,
  // Renames: Keto holds no organization names (they stay in the source and the ledger), so there is nothing to update.
  deletesOrganizations: true,
  metadata: 'public-private',
  batchSize: 1000,
} as const satisfies TargetCapabilities;
