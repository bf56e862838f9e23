import { HASH_ALGORITHMS } from '../../model/password/types.js';
import type { TargetCapabilities } from '../../protocol/capabilities.js';

/**
 * Better Auth (better-auth 1.7) on SQLite or PostgreSQL. Its native hash is its own scrypt
 * (`salt:key`); every imported algorithm verifies through `flagless/better-auth`, the verifier
 * an application adds to its Better Auth config, which re-hashes on first sign-in.
 * No TOTP import (its two-factor plugin encrypts secrets with the app secret), no SMS factor.
 * Metadata: public and private kept apart in two JSON columns the plugin declares (`publicMetadata`
 * is returned with the user, `privateMetadata` never is). First-time creates and memberships are
 * written `batchSize` at a time, one database transaction per batch (users with their credential
 * and social accounts and, for users created the first time, their memberships; memberships);
 * anything else one record per transaction. The local database
 * has no documented rate limit.
 */
export const betterAuthCapabilities = {
  name: 'better-auth',
  displayName: 'Better Auth',
  nativeHashes: [],
  extensionHashes: HASH_ALGORITHMS,
  jitPasswords: true,
  reportsPassword: true,
  totpSecrets: false,
  smsFactors: false,
  socialLinks: true,
  organizations: true,
  roles: true,
  usernames: false,
  requiresEmail: true,
  phoneNumbers: false,
  disabledUsers: false,
  // Sync: rows deleted through the adapter (user, accounts, sessions, members).
  deletesUsers: true,
  removesMemberships: true,
  updatesOrganizations: true,
  deletesOrganizations: true,
  metadata: 'public-private',
  batchSize: 500,
  // createUsers writes the new users' memberships in the users' transaction.
  membershipsWithUsers: true,
} as const satisfies TargetCapabilities;
