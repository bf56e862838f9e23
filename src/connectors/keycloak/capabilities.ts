import type { TargetCapabilities } from '../../protocol/capabilities.js';

/**
 * Keycloak 26: PBKDF2 (SHA-1/256/512) and Argon2 (types id, i and d: the argon2 provider's `type`
 * option; the target conformance suite signs an argon2d user in on the real server) verify natively; bcrypt and Firebase's
 * modified scrypt verify once flagless's password-hash provider extension is deployed in
 * `providers/`. TOTP secrets import as OTP credentials; social links as federated identities;
 * organizations are native since 26. Self-hosted: no documented rate limit.
 */
export const keycloakCapabilities = {
  name: 'keycloak',
  displayName: 'Keycloak',
  nativeHashes: ['pbkdf2-sha1', 'pbkdf2-sha256', 'pbkdf2-sha512', 'argon2id', 'argon2i', 'argon2d'],
  extensionHashes: ['bcrypt', 'firebase-scrypt'],
  jitPasswords: true,
  totpSecrets: true,
  smsFactors: false,
  socialLinks: true,
  organizations: true,
  roles: true,
  usernames: true,
  requiresEmail: false,
  phoneNumbers: false,
  disabledUsers: true,
  // Sync: DELETE /users/{id}; DELETE /organizations/{org}/members/{user} (or leaving the groups).
  deletesUsers: true,
  removesMemberships: true,
  updatesOrganizations: true,
  deletesOrganizations: true,
  metadata: 'single',
  // Users per realm partial import (Target.createUsers): one transaction whose cost grows faster
  // than linearly with its size; 10 was the fastest measured (bench/README.md, Keycloak).
  batchSize: 10,
} as const satisfies TargetCapabilities;
