import { malformed } from './errors.js';
import { fromSaltedDigest, type SaltPosition } from './salted-digest.js';
import type { PasswordHash } from './types.js';

export interface SaltedShaInput {
  digest: 'sha1' | 'sha256' | 'sha512';
  salt: Buffer;
  hash: Buffer;
  /** `suffix`: sha(password || salt), as LDAP {SSHA}; `prefix`: sha(salt || password), as Django's sha1$. */
  saltPosition: SaltPosition;
}

/** A salted (or, with an empty salt, unsalted) SHA digest from decoded parts. */
export function fromSaltedSha(input: SaltedShaInput): PasswordHash {
  if (input.digest !== 'sha1' && input.digest !== 'sha256' && input.digest !== 'sha512') {
    throw malformed('salted SHA digest must be sha1, sha256 or sha512');
  }
  return fromSaltedDigest(input);
}
