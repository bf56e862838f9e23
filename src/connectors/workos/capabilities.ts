import type { TargetCapabilities } from '../../protocol/capabilities.js';

/**
 * WorkOS User Management, as documented and as typed by @workos-inc/node 8.x.
 * - `password_hash_type` is one of bcrypt | firebase-scrypt | ssha | scrypt | argon2 (SDK type
 *   PasswordHashType). "ssha" is LDAP {SSHA}, i.e. salted SHA-1: ssha256/ssha512 are not claimed.
 *   argon2 covers argon2id and argon2i PHC strings. String formats: see hash-types.ts.
 * - Rate limit: 500 writes per 10 s on /user_management/* (workos.com/docs/reference/rate-limits) = 50/s;
 *   reads 1,000 per 10 s = 100/s (paced by the engine with a separate bucket).
 * - Metadata (workos.com/docs/authkit/metadata): one flat map of up to 10 ASCII string pairs, key
 *   ≤ 40 and value ≤ 600 characters; 10 × (40 + 600) bytes is the byte budget the engine uses,
 *   the key and length limits are enforced by the connector's map (lossyNotes).
 * - Username, phone numbers and the other email addresses go into metadata (`username`,
 *   `phone_numbers`, `additional_emails`; map.ts), within the limits above.
 * - TOTP: a factor is enrolled with the source's secret (POST /user_management/users/:id/auth_factors,
 *   `totp_secret`, base32) right after the user is created; a create that was applied but not
 *   acknowledged gets its factors through `repairUser` (listed first, so never twice). Sign-in then
 *   answers `mfa_challenge` and completes with the `mfa-totp` grant.
 */
export const workosCapabilities = {
  name: 'workos',
  displayName: 'WorkOS',
  nativeHashes: ['bcrypt', 'firebase-scrypt', 'ssha1', 'scrypt', 'argon2id', 'argon2i'],
  extensionHashes: [],
  jitPasswords: true,
  totpSecrets: true,
  factorWrites: 1,
  smsFactors: false,
  socialLinks: false,
  organizations: true,
  roles: true,
  usernames: false,
  requiresEmail: true,
  phoneNumbers: false,
  disabledUsers: false,
  // Sync: DELETE /user_management/users/{id} and /user_management/organization_memberships/{id}.
  deletesUsers: true,
  removesMemberships: true,
  updatesOrganizations: true,
  // WorkOS documents metadata on update only as "key/value pairs" (no way to remove one key), and
  // flagless cannot tell its keys from the application's: a key removed at the source stays.
  keepsRemovedOrganizationMetadata: true,
  deletesOrganizations: true,
  metadata: 'single',
  metadataCarries: ['username', 'phones'],
  metadataMaxBytes: 10 * (40 + 600),
  rateLimitPerSecond: 50,
  readRateLimitPerSecond: 100,
  batchSize: 1,
} as const satisfies TargetCapabilities;
