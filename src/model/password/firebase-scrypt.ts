import { createCipheriv, randomBytes } from 'node:crypto';
import { fromB64, parseIntStrict, toB64, toB64Padded } from './encoding.js';
import { malformed } from './errors.js';
import { expectOnlyParams, formatPhc, requireParam, splitPhc } from './phc-fields.js';
import { checkScryptCost, deriveScrypt } from './scrypt.js';
import { expectOnlyOptions, intOption, makeHash, sameBytes, stringOption, type HashParts, type Scheme } from './scheme.js';
import type { PasswordHash } from './types.js';

// Firebase Auth's modified scrypt (https://github.com/firebase/scrypt):
//   key  = scrypt(password, salt || saltSeparator, N = 2^memCost, r = rounds, p = 1, dkLen = 32)
//   hash = AES-256-CTR(key, iv = 16 zero bytes) applied to the project's signer key.
// Canonical form: $firebase-scrypt$r=<rounds>,m=<memCost>,sk=<b64>,ss=<b64>$<b64salt>$<b64hash>.
// The signer key is a project-wide secret: it lives inside the phc Secret, never in params.

const LABEL = 'firebase-scrypt';

interface FirebaseDecoded {
  rounds: number;
  memCost: number;
  signerKey: Buffer;
  saltSeparator: Buffer;
  salt: Buffer;
  hash: Buffer;
}

/** The inputs exactly as `firebase auth:export` and the console's hash config give them. */
export interface FirebaseScryptInput {
  hash: string;
  salt: string;
  signerKey: string;
  saltSeparator: string;
  rounds: number | string;
  memCost: number | string;
}

function checked(d: FirebaseDecoded): FirebaseDecoded {
  checkScryptCost({ logN: d.memCost, r: d.rounds, p: 1 }, LABEL);
  if (d.signerKey.length === 0) throw malformed(`${LABEL} signer key is empty`);
  if (d.hash.length !== d.signerKey.length) {
    throw malformed(`${LABEL} hash length does not match the signer key length (the hash is the encrypted signer key)`);
  }
  return d;
}

function decode(text: string): FirebaseDecoded {
  const f = splitPhc(text, LABEL);
  if (f.id !== LABEL || f.version !== undefined) throw malformed(`${LABEL} hash does not start with $${LABEL}$`);
  expectOnlyParams(f, ['r', 'm', 'sk', 'ss'], LABEL);
  return checked({
    rounds: parseIntStrict(requireParam(f, 'r', LABEL), `${LABEL} rounds (r)`, 1, 2 ** 20),
    memCost: parseIntStrict(requireParam(f, 'm', LABEL), `${LABEL} mem_cost (m)`, 1, 30),
    signerKey: fromB64(requireParam(f, 'sk', LABEL), `${LABEL} signer key`),
    saltSeparator: fromB64(f.params.get('ss') ?? '', `${LABEL} salt separator`),
    salt: fromB64(f.salt, `${LABEL} salt`),
    hash: fromB64(f.hash, `${LABEL} hash field`),
  });
}

function format(d: FirebaseDecoded): string {
  const params = [
    ['r', d.rounds],
    ['m', d.memCost],
    ['sk', toB64(d.signerKey)],
    ['ss', toB64(d.saltSeparator)],
  ] as const;
  return formatPhc(LABEL, params, d.salt, d.hash);
}

function fromDecoded(d: FirebaseDecoded): PasswordHash {
  const c = checked(d);
  return makeHash('firebase-scrypt', format(c), { rounds: c.rounds, memCost: c.memCost });
}

function intField(value: number | string, what: string, min: number, max: number): number {
  return typeof value === 'number'
    ? parseIntStrict(Number.isInteger(value) ? String(value) : 'x', what, min, max)
    : parseIntStrict(value.trim(), what, min, max);
}

/** From a Firebase export row plus the project's hash config (standard or URL-safe base64). */
export function fromFirebaseScrypt(input: FirebaseScryptInput): PasswordHash {
  return fromDecoded({
    hash: fromB64(input.hash, `${LABEL} password hash`, true),
    salt: fromB64(input.salt, `${LABEL} salt`, true),
    signerKey: fromB64(input.signerKey, `${LABEL} signer key`, true),
    saltSeparator: fromB64(input.saltSeparator, `${LABEL} salt separator`, true),
    rounds: intField(input.rounds, `${LABEL} rounds`, 1, 2 ** 20),
    memCost: intField(input.memCost, `${LABEL} mem_cost`, 1, 30),
  });
}

export function parseFirebaseScrypt(text: string): PasswordHash {
  return fromDecoded(decode(text));
}

/**
 * The inverse of fromFirebaseScrypt: the hash's Firebase inputs (hash, salt, signer key, salt
 * separator as padded standard base64; rounds and mem_cost as numbers). For a connector that
 * writes them in its own wire format; the signer key is a project secret, so handle the result as one.
 */
export function firebaseScryptInput(h: PasswordHash): FirebaseScryptInput & { rounds: number; memCost: number } {
  if (h.algorithm !== 'firebase-scrypt') throw malformed(`firebaseScryptInput needs a firebase-scrypt hash, not ${h.algorithm}`);
  const d = decode(h.phc.reveal());
  return {
    hash: toB64Padded(d.hash),
    salt: toB64Padded(d.salt),
    signerKey: toB64Padded(d.signerKey),
    saltSeparator: toB64Padded(d.saltSeparator),
    rounds: d.rounds,
    memCost: d.memCost,
  };
}

async function firebaseHash(plaintext: string, d: Omit<FirebaseDecoded, 'hash'>): Promise<Buffer> {
  const key = await deriveScrypt(plaintext, Buffer.concat([d.salt, d.saltSeparator]), 32, {
    logN: d.memCost,
    r: d.rounds,
    p: 1,
  });
  const cipher = createCipheriv('aes-256-ctr', key, Buffer.alloc(16));
  return Buffer.concat([cipher.update(d.signerKey), cipher.final()]);
}

export const firebaseScryptScheme: Scheme = {
  parse: parseFirebaseScrypt,

  /** Salt and hash of the user; the signer key and salt separator stay inside the phc Secret. */
  parts(phc: string): HashParts {
    const d = decode(phc);
    return { salt: d.salt, hash: d.hash, params: { rounds: d.rounds, memCost: d.memCost } };
  },

  async verify(phc: string, plaintext: string): Promise<boolean> {
    const d = decode(phc);
    return sameBytes(await firebaseHash(plaintext, d), d.hash);
  },

  async hash(_algorithm, plaintext, params) {
    const allowed = ['signerKey', 'saltSeparator', 'rounds', 'memCost', 'salt'];
    expectOnlyOptions(params, allowed, LABEL);
    const signerKeyText = stringOption(params, ['signerKey']);
    const separatorText = stringOption(params, ['saltSeparator']);
    if (signerKeyText === undefined || separatorText === undefined || params.rounds === undefined || params.memCost === undefined) {
      throw malformed(`${LABEL}: hashPassword needs signerKey, saltSeparator, rounds and memCost (the project's hash config)`);
    }
    const saltText = stringOption(params, ['salt']);
    const d = {
      signerKey: fromB64(signerKeyText, `${LABEL} signer key`, true),
      saltSeparator: fromB64(separatorText, `${LABEL} salt separator`, true),
      rounds: intOption(params, ['rounds'], 8, 1, 2 ** 20, LABEL),
      memCost: intOption(params, ['memCost'], 14, 1, 30, LABEL),
      salt: saltText === undefined ? randomBytes(16) : fromB64(saltText, `${LABEL} salt option`, true),
    };
    if (d.signerKey.length === 0) throw malformed(`${LABEL} signer key is empty`);
    checkScryptCost({ logN: d.memCost, r: d.rounds, p: 1 }, LABEL);
    return fromDecoded({ ...d, hash: await firebaseHash(plaintext, d) });
  },

  describe(h: PasswordHash): string {
    return `firebase-scrypt (rounds ${h.params.rounds}, mem_cost ${h.params.memCost})`;
  },
};
