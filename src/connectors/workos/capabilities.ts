import type { TargetCapabilities } from '../../protocol/capabilities.js';

/**
 * WorkOS User Management, as documented and as typed by @workos-inc/node 8.x:
 * `password_hash_type` is one of bcrypt | firebase-scrypt | ssha | scrypt | argon2.
 * Rate limit: 500 writes per 10 s on /user_management/* (workos.com/docs/reference/rate-limits).
 * Metadata is one flat map of strings (up to 10 keys, keys ≤ 40 chars, values ≤ 600 chars).
 */
export const workosCapabilities = {
  name: 'workos',
  displayName: 'WorkOS',
  nativeHashes: ['bcrypt', 'firebase-scrypt', 'ssha1', 'ssha256', 'ssha512', 'scrypt', 'argon2id', 'argon2i'],
  extensionHashes: [],
  jitPasswords: true,
  totpSecrets: false,
  smsFactors: false,
  socialLinks: false,
  organizations: true,
  roles: true,
  usernames: false,
  phoneNumbers: false,
  disabledUsers: false,
  metadata: 'single',
  metadataMaxBytes: 10 * 640,
  rateLimitPerSecond: 50,
  batchSize: 1,
} as const satisfies TargetCapabilities;
