import { createHash } from 'node:crypto';
import { Secret } from '../model/secret.js';
import type { CanonicalUser, Organization } from '../model/user.js';

/**
 * Digests of what a record would write to the target. The ledger keeps the digest of the last
 * record it settled; a re-run whose record digests the same does nothing (zero writes), and one
 * whose record changed in the source becomes an update.
 *
 * Secrets enter only as their own SHA-256 inside the digest (so a changed hash is an update), never
 * as text; the digest of a salted password hash reveals nothing usable.
 */
function stable(value: unknown): unknown {
  if (value instanceof Secret) return { secretDigest: createHash('sha256').update(value.reveal()).digest('hex') };
  if (Array.isArray(value)) return value.map(stable);
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(value as Record<string, unknown>).sort()) {
      const v = (value as Record<string, unknown>)[k];
      if (v !== undefined) out[k] = stable(v);
    }
    return out;
  }
  return value;
}

export function digest(value: unknown): string {
  return createHash('sha256').update(JSON.stringify(stable(value))).digest('base64url').slice(0, 27);
}

/**
 * Fields that change without the user changing (sign-in times) or live in their own records
 * (memberships). A password change shows in the hash itself where the export has one; its
 * timestamp alone writes nothing (sync acts on it).
 */
const VOLATILE: readonly (keyof CanonicalUser)[] = ['lastSignInAt', 'updatedAt', 'passwordChangedAt', 'memberships', 'lossy', 'sourceStatus'];

export function userFingerprint(user: CanonicalUser, extra: unknown): string {
  const copy: Record<string, unknown> = { ...user };
  for (const k of VOLATILE) delete copy[k];
  return digest({ user: copy, extra });
}

export function organizationFingerprint(org: Organization): string {
  return digest(org);
}

/** Role sets repeat across memberships (a handful of roles): each distinct set is digested once. */
const membershipDigests = new Map<string, string>();
const MEMBERSHIP_DIGESTS_MAX = 1024;

export function membershipFingerprint(roles: readonly string[]): string {
  const sorted = [...roles].sort();
  const key = JSON.stringify(sorted);
  let fp = membershipDigests.get(key);
  if (fp === undefined) {
    fp = digest(sorted);
    // Bounded: an export with many distinct role sets only loses the cache's benefit.
    if (membershipDigests.size >= MEMBERSHIP_DIGESTS_MAX) membershipDigests.clear();
    membershipDigests.set(key, fp);
  }
  return fp;
}
