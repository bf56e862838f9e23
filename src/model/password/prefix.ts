import type { HashAlgorithm } from './types.js';

/** bcrypt reads only the first 72 bytes of the UTF-8 password; the rest is ignored. */
export const BCRYPT_PASSWORD_BYTES = 72;

/**
 * True when verifying `plaintext` with `algorithm` ignores part of it (bcrypt and a password
 * longer than 72 UTF-8 bytes). A success then proves only the first 72 bytes: the typed text may
 * differ from the user's real password after them, so it must never become the user's new
 * password (a native re-hash, a target's setPassword). Keep the verified hash instead.
 */
export function ignoresPartOf(algorithm: HashAlgorithm, plaintext: string): boolean {
  return algorithm === 'bcrypt' && Buffer.byteLength(plaintext, 'utf8') > BCRYPT_PASSWORD_BYTES;
}
