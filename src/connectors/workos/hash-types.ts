import { parseWorkosFirebaseScrypt, toWorkosFirebaseScrypt } from './firebase-scrypt-form.js';
import { detectHash, hashParts } from '../../model/password/index.js';
import type { HashAlgorithm, PasswordHash } from '../../model/password/types.js';

/**
 * WorkOS `password_hash_type` values and the strings WorkOS is sent for each. Pure: used by the
 * connector (encode) and the simulator (decode), so both sides agree by construction.
 *
 * The type list is the SDK's `PasswordHashType` in @workos-inc/node 8.13 (unchanged through 11.0):
 * `'bcrypt' | 'firebase-scrypt' | 'ssha' | 'scrypt' | 'argon2'`. String formats:
 * - bcrypt: the modular-crypt string `$2a$|$2b$|$2y$<cost>$<53 chars>` as is (workos.com/docs/migrate).
 * - firebase-scrypt: `$firebase-scrypt$hash=<b64>$salt=<b64>$sk=<b64>$ss=<b64>$r=<rounds>$m=<memCost>`,
 *   padded standard base64, exactly as the official importer sends it
 *   (workos/workos-migrations src/transformers/firebase/scrypt.ts).
 * - ssha: the LDAP form `{SSHA}base64(sha1(password ∥ salt) ∥ salt)`. UNVERIFIED: WorkOS documents
 *   the type but not the string; "ssha" is SHA-1 in LDAP, so only ssha1 is sent.
 * - scrypt: the PHC string `$scrypt$ln=<log2 N>,r=<r>,p=<p>$<b64 salt>$<b64 hash>`. UNVERIFIED
 *   (the docs say "PHC format" for hashes without naming scrypt's fields).
 * - argon2: the reference PHC string `$argon2id$v=19$m=<KiB>,t=<t>,p=<p>$<b64 salt>$<b64 hash>`
 *   (argon2i likewise). UNVERIFIED beyond being the reference implementation's own output.
 * pbkdf2 is listed on the docs page "migrate/other-services" but is not a value the SDK types allow,
 * so it is not sent: those users move just in time.
 */

export const WORKOS_HASH_TYPES = ['bcrypt', 'firebase-scrypt', 'ssha', 'scrypt', 'argon2'] as const;
export type WorkosHashType = (typeof WORKOS_HASH_TYPES)[number];

/** Which canonical algorithms each WorkOS type carries. */
export const WORKOS_TYPE_ALGORITHMS: Record<WorkosHashType, readonly HashAlgorithm[]> = {
  bcrypt: ['bcrypt'],
  'firebase-scrypt': ['firebase-scrypt'],
  ssha: ['ssha1'],
  scrypt: ['scrypt'],
  argon2: ['argon2id', 'argon2i'],
};

const WORKOS_STRING_PREFIX: Record<WorkosHashType, RegExp> = {
  bcrypt: /^\$2[aby]\$/,
  'firebase-scrypt': /^\$firebase-scrypt\$hash=/,
  ssha: /^\{SSHA\}/,
  scrypt: /^\$scrypt\$/,
  argon2: /^\$argon2(id|i)\$/,
};

export function isWorkosHashType(value: unknown): value is WorkosHashType {
  return typeof value === 'string' && (WORKOS_HASH_TYPES as readonly string[]).includes(value);
}

export function workosTypeFor(algorithm: HashAlgorithm): WorkosHashType | undefined {
  for (const type of WORKOS_HASH_TYPES) if (WORKOS_TYPE_ALGORITHMS[type].includes(algorithm)) return type;
  return undefined;
}

/** The `{password_hash, password_hash_type}` pair for a hash, or undefined when WorkOS cannot take it. */
export function encodeForWorkos(h: PasswordHash): { type: WorkosHashType; hash: string } | undefined {
  const type = workosTypeFor(h.algorithm);
  if (type === undefined) return undefined;
  switch (type) {
    case 'firebase-scrypt':
      return { type, hash: toWorkosFirebaseScrypt(h) };
    case 'ssha': {
      // LDAP {SSHA} is sha1(password ∥ salt); a Django-style sha1(salt ∥ password) cannot be expressed.
      const { salt, hash, params } = hashParts(h);
      if (params.saltPosition !== 'suffix' || salt.length === 0) return undefined;
      return { type, hash: `{SSHA}${Buffer.concat([hash, salt]).toString('base64')}` };
    }
    default:
      return { type, hash: h.phc.reveal() };
  }
}

/**
 * Reads a hash string WorkOS was given with its type. Throws (HashError or Error) when the string
 * does not parse or is another algorithm than the type names.
 */
export function decodeWorkosHash(type: WorkosHashType, text: string): PasswordHash {
  if (type === 'firebase-scrypt') return parseWorkosFirebaseScrypt(text);
  // Only the documented string per type; detectHash alone would also take e.g. Werkzeug's scrypt:.
  if (!WORKOS_STRING_PREFIX[type].test(text)) throw new Error(`not a ${type} hash string`);
  const detected: PasswordHash | undefined = detectHash(text);
  if (!detected) throw new Error(`not a recognisable ${type} hash`);
  if (!WORKOS_TYPE_ALGORITHMS[type].includes(detected.algorithm)) {
    throw new Error(`password_hash is ${detected.algorithm}, not ${type}`);
  }
  return detected;
}
