import { malformed, unsupported } from './errors.js';
import { parsePhc } from './phc.js';
import type { HashParams, HashParts } from './scheme.js';
import { SCHEMES } from './schemes.js';
import { HASH_ALGORITHMS, type HashAlgorithm, type PasswordHash } from './types.js';

/** Re-reads the canonical string, so a hand-built or tampered PasswordHash is caught here. */
function canonical(h: PasswordHash): string {
  const phc = h.phc.reveal();
  if (parsePhc(phc).algorithm !== h.algorithm) throw malformed(`${h.algorithm} hash: algorithm does not match its canonical string`);
  return phc;
}

/**
 * True when `plaintext` (UTF-8, not normalised) matches the hash. Comparisons are constant-time;
 * the slow functions run on the libuv pool. Throws HashError only when the hash itself is broken.
 */
export async function verifyPassword(h: PasswordHash, plaintext: string): Promise<boolean> {
  return SCHEMES[h.algorithm].verify(canonical(h), plaintext);
}

/**
 * Hashes `plaintext` with a fresh random salt. Defaults: bcrypt cost 10; argon2 m=19456, t=2,
 * p=1; scrypt ln=14, r=8, p=1; pbkdf2 27500 iterations with the digest's length; ssha 8-byte
 * salt after the password; md5 unsalted. firebase-scrypt needs the project's signerKey,
 * saltSeparator (base64), rounds and memCost. A `salt` option (base64) fixes the salt, for vectors.
 */
export async function hashPassword(algorithm: HashAlgorithm, plaintext: string, params: HashParams = {}): Promise<PasswordHash> {
  if (!HASH_ALGORITHMS.includes(algorithm)) throw unsupported('hashPassword: unknown algorithm');
  return SCHEMES[algorithm].hash(algorithm, plaintext, params);
}

/**
 * Decoded salt and hash bytes plus the non-secret parameters. bcrypt gives its 16-byte salt and
 * 23-byte hash (targets that import bcrypt should pass the MCF string, `h.phc.reveal()`, instead).
 * firebase-scrypt gives the user's salt and hash; the project's signer key is not in the result.
 */
export function hashParts(h: PasswordHash): HashParts {
  return SCHEMES[h.algorithm].parts(canonical(h));
}

/** A short, non-secret description for reports, e.g. `bcrypt (cost 10)`. */
export function describeHash(h: PasswordHash): string {
  return SCHEMES[h.algorithm].describe(h);
}
