import { argon2Scheme } from './argon2.js';
import { bcryptScheme } from './bcrypt.js';
import { firebaseScryptScheme } from './firebase-scrypt.js';
import { pbkdf2Scheme } from './pbkdf2.js';
import { saltedDigestScheme } from './salted-digest.js';
import type { Scheme } from './scheme.js';
import { scryptScheme } from './scrypt.js';
import type { HashAlgorithm } from './types.js';

/** The module that parses, verifies and creates each algorithm's canonical string. */
export const SCHEMES: Record<HashAlgorithm, Scheme> = {
  bcrypt: bcryptScheme,
  argon2id: argon2Scheme,
  argon2i: argon2Scheme,
  argon2d: argon2Scheme,
  scrypt: scryptScheme,
  'firebase-scrypt': firebaseScryptScheme,
  'pbkdf2-sha1': pbkdf2Scheme,
  'pbkdf2-sha256': pbkdf2Scheme,
  'pbkdf2-sha512': pbkdf2Scheme,
  ssha1: saltedDigestScheme,
  ssha256: saltedDigestScheme,
  ssha512: saltedDigestScheme,
  md5: saltedDigestScheme,
};

/** The id a canonical string starts with, or undefined for a string that is not canonical. */
export function algorithmOfPhcId(id: string): HashAlgorithm | undefined {
  return Object.prototype.hasOwnProperty.call(SCHEMES, id) && id !== 'bcrypt' ? (id as HashAlgorithm) : undefined;
}
