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
 * - TOTP: the API can enrol a factor with a known secret (POST /user_management/users/:id/auth_factors,
 *   totp_secret), but this connector does not do it yet, so secrets are not claimed.
 */
export const workosCapabilities = {
  name: 'workos',
  displayName: 'WorkOS',
  nativeHashes: ['bcrypt', 'firebase-scrypt', 'ssha1', 'scrypt', 'argon2id', 'argon2i'],
  extensionHashes: [],
  jitPasswords: true,
  totpSecrets: false,
  smsFactors: false,
  socialLinks: false,
  organizations: true,
  roles: true,
  usernames: false,
  requiresEmail: true,
  phoneNumbers: false,
  disabledUsers: false,
  metadata: 'single',
  metadataMaxBytes: 10 * (40 + 600),
  rateLimitPerSecond: 50,
  readRateLimitPerSecond: 100,
  batchSize: 1,
} as const satisfies TargetCapabilities;
