import type { Secret } from '../secret.js';

/** Every password-hash algorithm the model can parse, format and verify. */
export const HASH_ALGORITHMS = [
  'bcrypt',
  'argon2id',
  'argon2i',
  'argon2d',
  'scrypt',
  'firebase-scrypt',
  'pbkdf2-sha1',
  'pbkdf2-sha256',
  'pbkdf2-sha512',
  'ssha1',
  'ssha256',
  'ssha512',
  'md5',
] as const;
export type HashAlgorithm = (typeof HASH_ALGORITHMS)[number];

/** Algorithms kept only so users can sign in once and be re-hashed: weak by today's standards. */
export const INSECURE_ALGORITHMS: ReadonlySet<HashAlgorithm> = new Set<HashAlgorithm>(['md5', 'ssha1']);

/**
 * A parsed password hash. `phc` is the canonical, lossless string form (PHC-style,
 * `$<id>$<params>$<salt>$<hash>`; bcrypt keeps its modular-crypt form `$2b$10$...`), wrapped
 * in a Secret so it never leaks into logs. `params` holds the non-secret parameters that
 * reports may show (cost, rounds, memory, variant); nothing in `params` is secret.
 */
export interface PasswordHash {
  algorithm: HashAlgorithm;
  phc: Secret;
  params: Record<string, string | number>;
  /** True for algorithms kept only for one-time sign-in (MD5, unsalted or SHA-1 digests). */
  insecure: boolean;
}
