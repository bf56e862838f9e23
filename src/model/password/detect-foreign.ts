import { parseArgon2 } from './argon2.js';
import { parseBcrypt } from './bcrypt.js';
import { fromAb64, fromB64, fromHex, parseIntStrict } from './encoding.js';
import { malformed, unsupported } from './errors.js';
import { fromPbkdf2, type Pbkdf2Digest } from './pbkdf2.js';
import { fromSaltedDigest, type SaltedDigest } from './salted-digest.js';
import { scryptFromParts } from './scrypt.js';
import type { PasswordHash } from './types.js';

// Readers for the layouts other tools write. Each one decodes to the canonical form; none of
// their messages repeat any part of the input except fixed scheme names.

const LDAP_DIGESTS: Record<string, { digest: SaltedDigest; salted: boolean }> = {
  SSHA: { digest: 'sha1', salted: true },
  SSHA256: { digest: 'sha256', salted: true },
  SSHA512: { digest: 'sha512', salted: true },
  SMD5: { digest: 'md5', salted: true },
  SHA: { digest: 'sha1', salted: false },
  SHA256: { digest: 'sha256', salted: false },
  SHA512: { digest: 'sha512', salted: false },
  MD5: { digest: 'md5', salted: false },
};
const DIGEST_LENGTH: Record<SaltedDigest, number> = { md5: 16, sha1: 20, sha256: 32, sha512: 64 };

/**
 * LDAP userPassword values (RFC 2307 style): `{SSHA}` and friends are base64(digest || salt)
 * with digest(password || salt); `{SHA}`/`{MD5}` are unsalted. `{CRYPT}` and `{ARGON2}` wrap
 * a crypt string, handed to `inner`.
 */
export function parseLdap(text: string, inner: (s: string) => PasswordHash): PasswordHash {
  const m = /^\{([A-Za-z0-9.-]{1,20})\}([\s\S]*)$/.exec(text);
  if (!m) throw malformed('LDAP password value has no {SCHEME} prefix');
  const scheme = (m[1] ?? '').toUpperCase();
  const body = m[2] ?? '';
  if (scheme === 'CRYPT') return inner(body);
  if (scheme === 'ARGON2') return parseArgon2(body);
  const spec = LDAP_DIGESTS[scheme];
  if (!spec) throw unsupported(`LDAP scheme {${scheme}} is not supported`);
  const bytes = fromB64(body, `LDAP {${scheme}} value`);
  const n = DIGEST_LENGTH[spec.digest];
  if (spec.salted ? bytes.length < n : bytes.length !== n) {
    throw malformed(`LDAP {${scheme}} value has the wrong length for a ${spec.digest} digest`);
  }
  return fromSaltedDigest({ digest: spec.digest, hash: bytes.subarray(0, n), salt: bytes.subarray(n), saltPosition: 'suffix' });
}

const DJANGO_PBKDF2: Record<string, Pbkdf2Digest> = { pbkdf2_sha256: 'sha256', pbkdf2_sha1: 'sha1' };

/** True when the text starts with a Django hasher name followed by `$`. */
export function looksLikeDjango(text: string): boolean {
  return /^(pbkdf2_sha256|pbkdf2_sha1|argon2|bcrypt|bcrypt_sha256|md5|sha1|unsalted_md5|unsalted_sha1|crypt|scrypt)\$/.test(text);
}

/**
 * Django's `<algorithm>$…` strings: pbkdf2_sha256/pbkdf2_sha1 (salt used as its UTF-8 text,
 * hash base64), argon2$ and bcrypt$ wrappers, and the legacy md5$/sha1$ hashers, which compute
 * digest(salt || password).
 */
export function parseDjango(text: string): PasswordHash {
  const dollar = text.indexOf('$');
  const name = text.slice(0, dollar);
  const rest = text.slice(dollar + 1);
  const digest = DJANGO_PBKDF2[name];
  if (digest) {
    const parts = rest.split('$');
    if (parts.length !== 3) throw malformed(`Django ${name} hash is not ${name}$iterations$salt$hash`);
    return fromPbkdf2({
      digest,
      iterations: parseIntStrict(parts[0] ?? '', `Django ${name} iterations`, 1, 2 ** 31 - 1),
      salt: Buffer.from(parts[1] ?? '', 'utf8'),
      hash: fromB64(parts[2] ?? '', `Django ${name} hash field`),
    });
  }
  if (name === 'argon2') return parseArgon2(`$${rest}`);
  if (name === 'bcrypt') return parseBcrypt(rest);
  if (name === 'md5' || name === 'sha1') {
    const parts = rest.split('$');
    if (parts.length !== 2) throw malformed(`Django ${name} hash is not ${name}$salt$hexdigest`);
    return fromSaltedDigest({
      digest: name,
      salt: Buffer.from(parts[0] ?? '', 'utf8'),
      hash: fromHex(parts[1] ?? '', `Django ${name} digest`),
      saltPosition: 'prefix',
    });
  }
  throw unsupported(`Django ${name} hashes are not supported`);
}

/**
 * Werkzeug's `generate_password_hash` strings: `scrypt:N:r:p$salt$hexhash` and
 * `pbkdf2:<digest>:<iterations>$salt$hexhash`; the salt is used as its UTF-8 text.
 */
export function parseWerkzeug(text: string): PasswordHash {
  const [method = '', salt = '', hex = '', ...extra] = text.split('$');
  if (extra.length > 0 || hex === '') throw malformed('Werkzeug hash is not method$salt$hexhash');
  const args = method.split(':');
  const saltBytes = Buffer.from(salt, 'utf8');
  const hash = fromHex(hex, 'Werkzeug hash field');
  if (args[0] === 'scrypt') {
    if (args.length !== 4) throw malformed('Werkzeug scrypt method is not scrypt:N:r:p');
    const N = parseIntStrict(args[1] ?? '', 'Werkzeug scrypt N', 2, 2 ** 30);
    if ((N & (N - 1)) !== 0) throw malformed('Werkzeug scrypt N is not a power of two');
    return scryptFromParts({
      logN: Math.log2(N),
      r: parseIntStrict(args[2] ?? '', 'Werkzeug scrypt r', 1, 2 ** 30),
      p: parseIntStrict(args[3] ?? '', 'Werkzeug scrypt p', 1, 2 ** 30),
      salt: saltBytes,
      hash,
    });
  }
  if (args[0] === 'pbkdf2') {
    if (args.length !== 3) throw unsupported('Werkzeug pbkdf2 hash without an explicit digest and iteration count');
    const digest = args[1];
    if (digest !== 'sha1' && digest !== 'sha256' && digest !== 'sha512') throw unsupported('Werkzeug pbkdf2 digest is not sha1, sha256 or sha512');
    return fromPbkdf2({
      digest,
      iterations: parseIntStrict(args[2] ?? '', 'Werkzeug pbkdf2 iterations', 1, 2 ** 31 - 1),
      salt: saltBytes,
      hash,
    });
  }
  throw unsupported('Werkzeug method is not scrypt or pbkdf2');
}

/** passlib's `$pbkdf2[-sha256|-sha512]$<rounds>$<ab64salt>$<ab64hash>` (no `i=`: that is PHC). */
export function parsePasslibPbkdf2(text: string): PasswordHash {
  const [, id = '', rounds = '', salt = '', hash = '', ...extra] = text.split('$');
  const digest: Pbkdf2Digest | undefined = id === 'pbkdf2' ? 'sha1' : id === 'pbkdf2-sha256' ? 'sha256' : id === 'pbkdf2-sha512' ? 'sha512' : undefined;
  if (!digest || extra.length > 0 || hash === '') throw malformed('passlib pbkdf2 hash is not $pbkdf2-<digest>$rounds$salt$hash');
  return fromPbkdf2({
    digest,
    iterations: parseIntStrict(rounds, 'passlib pbkdf2 rounds', 1, 2 ** 31 - 1),
    salt: fromAb64(salt, 'passlib pbkdf2 salt'),
    hash: fromAb64(hash, 'passlib pbkdf2 hash field'),
  });
}
