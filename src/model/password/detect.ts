import { parseArgon2 } from './argon2.js';
import { parseBcrypt } from './bcrypt.js';
import { looksLikeDjango, parseDjango, parseLdap, parsePasslibPbkdf2, parseWerkzeug } from './detect-foreign.js';
import { malformed, unsupported } from './errors.js';
import { parseFirebaseScrypt } from './firebase-scrypt.js';
import { fromMd5 } from './md5.js';
import { parsePbkdf2 } from './pbkdf2.js';
import { parseSaltedDigest } from './salted-digest.js';
import { parseScrypt } from './scrypt.js';
import type { PasswordHash } from './types.js';

/** Crypt ids we recognise but cannot verify: named so a report says what the users have. */
const KNOWN_UNSUPPORTED: Record<string, string> = {
  '1': 'md5-crypt ($1$)',
  apr1: 'Apache md5-crypt ($apr1$)',
  '5': 'sha256-crypt ($5$)',
  '6': 'sha512-crypt ($6$)',
  y: 'yescrypt ($y$)',
  gy: 'gost-yescrypt ($gy$)',
  '7': 'scrypt crypt ($7$)',
  P: 'phpass ($P$)',
  H: 'phpass ($H$)',
  sha1: 'NetBSD sha1-crypt ($sha1$)',
  'bcrypt-sha256': 'passlib bcrypt-sha256',
  md5: 'Sun md5-crypt',
};

function detectDollar(text: string): PasswordHash {
  const id = text.split('$')[1] ?? '';
  if (/^2[a-z]?$/.test(id)) return parseBcrypt(text);
  if (/^argon2(id|i|d)$/.test(id)) return parseArgon2(text);
  if (/^argon2/.test(id)) throw unsupported('argon2 variant is not argon2id, argon2i or argon2d');
  if (id === 'scrypt') return parseScrypt(text);
  // Canonical form only: a target's own layout of it (WorkOS's `$firebase-scrypt$hash=…`) is read by that connector.
  if (id === 'firebase-scrypt') return parseFirebaseScrypt(text);
  if (id === 'pbkdf2' || id === 'pbkdf2-sha1' || id === 'pbkdf2-sha256' || id === 'pbkdf2-sha512') {
    // passlib writes the rounds as a bare number; the PHC form has i=…,l=….
    return /^[0-9]+$/.test(text.split('$')[2] ?? '') ? parsePasslibPbkdf2(text) : parsePbkdf2(text);
  }
  if (id === 'ssha1' || id === 'ssha256' || id === 'ssha512') return parseSaltedDigest(text);
  if (id === 'md5' && /^\$md5\$(pos=(suffix|prefix))?\$/.test(text)) return parseSaltedDigest(text);
  const name = KNOWN_UNSUPPORTED[id] ?? (/^md5[,$]/.test(id) ? KNOWN_UNSUPPORTED.md5 : undefined);
  if (name) throw unsupported(`${name} hashes are not supported; these users need a password reset or a login-time migration`);
  throw unsupported('unrecognised $id$ password hash format');
}

/**
 * Recognises and parses any common self-describing password-hash string: bcrypt, argon2 and
 * scrypt PHC, PBKDF2 (PHC, passlib, Django, Werkzeug), Werkzeug scrypt, LDAP {SSHA…}/{SHA…}/{MD5},
 * Django's legacy md5$/sha1$, flagless's canonical strings (firebase-scrypt among them) and
 * bare 32-hex MD5. Unknown → HashError E_HASH_UNSUPPORTED; recognisable but broken → E_HASH_MALFORMED.
 */
export function detectHash(input: string): PasswordHash {
  if (typeof input !== 'string') throw malformed('password hash is not a string');
  const text = input.trim();
  if (text === '') throw malformed('password hash is empty');
  if (text.startsWith('$')) return detectDollar(text);
  if (text.startsWith('{')) return parseLdap(text, detectDollar);
  if (/^(scrypt|pbkdf2):/.test(text)) return parseWerkzeug(text);
  if (looksLikeDjango(text)) return parseDjango(text);
  if (/^[0-9a-fA-F]{32}$/.test(text)) return fromMd5(text);
  if (/^(?:[0-9a-fA-F]{40}|[0-9a-fA-F]{64}|[0-9a-fA-F]{128})$/.test(text)) {
    throw unsupported('bare hex digest longer than MD5 is ambiguous (which SHA, which salt?); use fromSaltedSha');
  }
  throw unsupported('unrecognised password hash format');
}
