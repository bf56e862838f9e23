import { fromHex } from './encoding.js';
import { malformed } from './errors.js';
import { fromSaltedDigest, type SaltPosition } from './salted-digest.js';
import type { PasswordHash } from './types.js';

/**
 * MD5 of the password, optionally salted: `hexOrBuffer` is the 32-hex digest or its 16 bytes;
 * a string salt is taken as its UTF-8 bytes. `suffix` (default) means md5(password || salt).
 * Always marked insecure: such users should be re-hashed at their next sign-in.
 */
export function fromMd5(hexOrBuffer: string | Buffer, salt?: Buffer | string, saltPosition: SaltPosition = 'suffix'): PasswordHash {
  const hash = typeof hexOrBuffer === 'string' ? fromHex(hexOrBuffer.trim(), 'md5 hash') : hexOrBuffer;
  if (hash.length !== 16) throw malformed('md5 hash must be 16 bytes (32 hex digits)');
  const saltBytes = salt === undefined ? Buffer.alloc(0) : typeof salt === 'string' ? Buffer.from(salt, 'utf8') : salt;
  return fromSaltedDigest({ digest: 'md5', salt: saltBytes, hash, saltPosition });
}
