import {
  detectHash,
  fromBcrypt,
  fromFirebaseScrypt,
  fromMd5,
  fromPbkdf2,
  fromSaltedSha,
  HashError,
  parsePhc,
  type PasswordHash,
} from '../../model/password/index.js';
import type { PasswordPlan } from '../../model/user.js';

/**
 * Clerk's `password_hasher` values and the digest layout each one takes, as documented on
 * `UserPasswordHashingParams.passwordHasher` in @clerk/backend 3.25.0
 * (dist/api/endpoints/UserApi.d.ts) and listed by clerk/migration-script `src/types.ts`
 * PASSWORD_HASHERS. A user imported into Clerk with one of them keeps that digest until the
 * next sign-in (Clerk then re-hashes to bcrypt), so a dashboard export can hold any of them.
 */
export const CLERK_PASSWORD_HASHERS = [
  'argon2i',
  'argon2id',
  'awscognito',
  'bcrypt',
  'bcrypt_peppered',
  'bcrypt_sha256_django',
  'hmac_sha256_utf16_b64',
  'md5',
  'md5_phpass',
  'md5_salted',
  'pbkdf2_sha1',
  'pbkdf2_sha256',
  'pbkdf2_sha256_django',
  'pbkdf2_sha512',
  'pbkdf2_sha512_hex',
  'phpass',
  'scrypt_firebase',
  'scrypt_werkzeug',
  'sha256',
  'sha256_salted',
  'sha512_symfony',
  'ldap_ssha',
] as const;

/** Hashers flagless cannot verify, with why, so the report says what those users need. */
const UNSUPPORTED: Record<string, string> = {
  awscognito: 'the digest points at an AWS Cognito user pool, it is not a hash',
  bcrypt_peppered: 'verifying needs the application pepper, which the export does not carry',
  bcrypt_sha256_django: 'Django bcrypt_sha256 (SHA-256 before bcrypt) is not verified by flagless',
  hmac_sha256_utf16_b64: 'verifying needs the HMAC key, which the export does not carry',
  md5_phpass: 'phpass is not verified by flagless',
  phpass: 'phpass is not verified by flagless',
  md5_salted: 'Clerk does not document whether the salt goes before or after the password in salt$hash',
  sha256_salted: 'Clerk does not document whether the salt goes before or after the password in salt$hash',
  sha512_symfony: 'Symfony MessageDigestPasswordEncoder is not verified by flagless',
};

export interface ClerkPassword {
  password?: PasswordHash;
  plan: PasswordPlan;
  problem?: { code: 'E_HASH_UNSUPPORTED' | 'E_HASH_MALFORMED'; message: string };
}

/**
 * Turns a CSV `password_digest` + `password_hasher` pair into a PasswordHash. No digest means
 * no password (`none`, whatever the hasher says: Clerk writes `bcrypt` on rows without one);
 * a digest that cannot be used gives `jit` and a problem. Messages name the hasher, never any
 * part of the digest.
 */
export function clerkPassword(hasherCell: string | undefined, digestCell: string | undefined): ClerkPassword {
  const digest = (digestCell ?? '').trim();
  const hasher = (hasherCell ?? '').trim().toLowerCase();
  if (digest === '') return { plan: 'none' };
  const why = UNSUPPORTED[hasher];
  if (why) return unusable('E_HASH_UNSUPPORTED', `password_hasher ${hasher}: ${why}; the user moves without a password (JIT or reset)`);
  try {
    return { password: parseDigest(hasher, digest), plan: 'import' };
  } catch (e) {
    if (e instanceof HashError) {
      const what = hasher ? `password_hasher ${safeName(hasher)}` : 'a password_digest with no password_hasher';
      return unusable(e.code, `${what}: ${e.message}; the user moves without a password (JIT or reset)`);
    }
    throw e;
  }
}

function unusable(code: 'E_HASH_UNSUPPORTED' | 'E_HASH_MALFORMED', message: string): ClerkPassword {
  return { plan: 'jit', problem: { code, message } };
}

/** Hasher names are shown in messages; anything that does not look like one is not echoed. */
function safeName(hasher: string): string {
  return /^[a-z0-9_]{1,40}$/.test(hasher) ? hasher : '(unrecognised value)';
}

function parseDigest(hasher: string, digest: string): PasswordHash {
  switch (hasher) {
    case 'bcrypt':
      return fromBcrypt(digest);
    case 'argon2i':
    case 'argon2id':
      return expectAlgorithm(parsePhc(digest), hasher);
    case 'pbkdf2_sha256': {
      // pbkdf2_sha256$<iterations>$<salt>$<hash>, salt and hash base64.
      const [iterations, salt, hash] = dollarFields(digest, 'pbkdf2_sha256', 3);
      return fromPbkdf2({ digest: 'sha256', iterations: int(iterations, 'iterations'), salt: b64(salt, 'salt'), hash: b64(hash, 'hash') });
    }
    case 'pbkdf2_sha256_django':
      // Django's own string (salt as text, hash base64): detectHash reads Django layouts.
      return expectAlgorithm(detectHash(digest), 'pbkdf2-sha256');
    case 'pbkdf2_sha1': {
      // pbkdf2_sha1$<iterations>$<salt>$<hex hash>[$<key length>]: the salt is hex when it is
      // valid hex, else its raw bytes (Clerk's wording).
      const fields = digest.split('$');
      if (fields[0] !== 'pbkdf2_sha1' || (fields.length !== 4 && fields.length !== 5)) throw malformedDigest('pbkdf2_sha1');
      const hash = hex(fields[3] ?? '', 'hash');
      if (fields.length === 5 && int(fields[4] ?? '', 'key length') !== hash.length) throw malformedDigest('pbkdf2_sha1');
      const saltText = fields[2] ?? '';
      const salt = /^(?:[0-9a-fA-F]{2})+$/.test(saltText) ? Buffer.from(saltText, 'hex') : Buffer.from(saltText, 'utf8');
      return fromPbkdf2({ digest: 'sha1', iterations: int(fields[1] ?? '', 'iterations'), salt, hash });
    }
    case 'pbkdf2_sha512': {
      // pbkdf2_sha512$<iterations>$<salt as text>$<hex hash>.
      const [iterations, salt, hash] = dollarFields(digest, 'pbkdf2_sha512', 3);
      return fromPbkdf2({ digest: 'sha512', iterations: int(iterations, 'iterations'), salt: Buffer.from(salt, 'utf8'), hash: hex(hash, 'hash') });
    }
    case 'pbkdf2_sha512_hex': {
      const [iterations, salt, hash] = dollarFields(digest, 'pbkdf2_sha512_hex', 3);
      return fromPbkdf2({ digest: 'sha512', iterations: int(iterations, 'iterations'), salt: hex(salt, 'salt'), hash: hex(hash, 'hash') });
    }
    case 'scrypt_firebase': {
      // <hash>$<salt>$<signer key>$<salt separator>$<rounds>$<memory cost>, base64 as Firebase exports them.
      const parts = digest.split('$');
      if (parts.length !== 6) throw malformedDigest('scrypt_firebase');
      const [hash, salt, signerKey, saltSeparator, rounds, memCost] = parts as [string, string, string, string, string, string];
      return fromFirebaseScrypt({ hash, salt, signerKey, saltSeparator, rounds, memCost });
    }
    case 'scrypt_werkzeug':
      // Werkzeug's `scrypt:N:r:p$salt$hexhash` (Clerk writes it with or without a leading `$`).
      return expectAlgorithm(detectHash(digest.replace(/^\$(?=scrypt:)/, '')), 'scrypt');
    case 'sha256':
      // A bare SHA-256 hex digest of the password, unsalted (insecure).
      return fromSaltedSha({ digest: 'sha256', salt: Buffer.alloc(0), hash: hex(digest, 'digest', 32), saltPosition: 'suffix' });
    case 'md5':
      return fromMd5(digest);
    case 'ldap_ssha':
      return expectAlgorithm(detectHash(digest), 'ssha1');
    case '':
      // No hasher named: take the digest if it describes itself ($2b$…, $argon2id$…, {SSHA}…).
      return detectHash(digest);
    default:
      throw new HashError('E_HASH_UNSUPPORTED', 'not a hasher Clerk documents');
  }
}

function expectAlgorithm(h: PasswordHash, algorithm: string): PasswordHash {
  if (h.algorithm !== algorithm) throw new HashError('E_HASH_MALFORMED', `the digest is ${h.algorithm}, not what the hasher names`);
  return h;
}

function malformedDigest(hasher: string): HashError {
  return new HashError('E_HASH_MALFORMED', `the digest does not have the layout Clerk documents for ${hasher}`);
}

/** `<name>$f1$f2...`: the fields after the name, exactly `count` of them. */
function dollarFields(digest: string, name: string, count: 3): [string, string, string] {
  const parts = digest.split('$');
  if (parts[0] !== name || parts.length !== count + 1 || parts.slice(1).some((p) => p === '')) throw malformedDigest(name);
  return [parts[1]!, parts[2]!, parts[3]!];
}

function int(text: string, what: string): number {
  if (!/^[0-9]{1,10}$/.test(text) || Number(text) < 1) throw new HashError('E_HASH_MALFORMED', `the digest's ${what} is not a positive integer`);
  return Number(text);
}

function hex(text: string, what: string, bytes?: number): Buffer {
  if (!/^(?:[0-9a-fA-F]{2})+$/.test(text) || (bytes !== undefined && text.length !== bytes * 2)) {
    throw new HashError('E_HASH_MALFORMED', `the digest's ${what} is not ${bytes ? `${bytes * 2} ` : ''}hex digits`);
  }
  return Buffer.from(text, 'hex');
}

function b64(text: string, what: string): Buffer {
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(text)) throw new HashError('E_HASH_MALFORMED', `the digest's ${what} is not base64`);
  return Buffer.from(text, 'base64');
}
