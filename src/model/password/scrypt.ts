import { randomBytes, scrypt } from 'node:crypto';
import { fromB64, parseIntStrict } from './encoding.js';
import { malformed, unsupported } from './errors.js';
import { expectOnlyParams, formatPhc, requireParam, splitPhc } from './phc-fields.js';
import { expectOnlyOptions, intOption, makeHash, sameBytes, stringOption, type HashParts, type Scheme } from './scheme.js';
import type { PasswordHash } from './types.js';

/** Above this (128·N·r bytes) one verification would take more memory than a gateway should give it. */
const MAX_SCRYPT_MEMORY = 1024 * 1024 * 1024;

export interface ScryptCost {
  logN: number;
  r: number;
  p: number;
}

/** Checks scrypt's cost parameters; `label` names the algorithm in messages. */
export function checkScryptCost(cost: ScryptCost, label: string): void {
  if (!Number.isInteger(cost.logN) || cost.logN < 1 || cost.logN > 30) throw malformed(`${label} log2(N) must be between 1 and 30`);
  if (!Number.isInteger(cost.r) || cost.r < 1) throw malformed(`${label} block size (r) must be a positive integer`);
  if (!Number.isInteger(cost.p) || cost.p < 1) throw malformed(`${label} parallelism (p) must be a positive integer`);
  if (cost.r * cost.p >= 2 ** 30) throw malformed(`${label} r·p must be below 2^30`);
  if (128 * 2 ** cost.logN * cost.r > MAX_SCRYPT_MEMORY) {
    throw unsupported(`${label} parameters need more than ${MAX_SCRYPT_MEMORY / 2 ** 20} MiB per verification`);
  }
}

/** scrypt on the libuv pool (never scryptSync: the gateway verifies on its hot path). */
export function deriveScrypt(password: Buffer | string, salt: Buffer, keyLength: number, cost: ScryptCost): Promise<Buffer> {
  const N = 2 ** cost.logN;
  // OpenSSL needs 128·r·(N+2) bytes for V plus 128·r·p for B; leave a little slack.
  const maxmem = 128 * cost.r * (N + 2) + 128 * cost.r * cost.p + 1024 * 1024;
  return new Promise((resolve, reject) => {
    scrypt(password, salt, keyLength, { N, r: cost.r, p: cost.p, maxmem }, (err, key) => (err ? reject(err) : resolve(key)));
  });
}

interface ScryptDecoded extends ScryptCost {
  salt: Buffer;
  hash: Buffer;
}

function decode(text: string): ScryptDecoded {
  const f = splitPhc(text, 'scrypt');
  if (f.id !== 'scrypt' || f.version !== undefined) throw malformed('scrypt hash does not start with $scrypt$');
  expectOnlyParams(f, ['ln', 'r', 'p'], 'scrypt');
  const d: ScryptDecoded = {
    logN: parseIntStrict(requireParam(f, 'ln', 'scrypt'), 'scrypt ln', 1, 30),
    r: parseIntStrict(requireParam(f, 'r', 'scrypt'), 'scrypt r', 1, 2 ** 30),
    p: parseIntStrict(requireParam(f, 'p', 'scrypt'), 'scrypt p', 1, 2 ** 30),
    salt: fromB64(f.salt, 'scrypt salt'),
    hash: fromB64(f.hash, 'scrypt hash field'),
  };
  checkScryptCost(d, 'scrypt');
  return d;
}

function paramsOf(d: ScryptDecoded) {
  return { logN: d.logN, blockSize: d.r, parallelization: d.p, keyLength: d.hash.length };
}

/** Builds a canonical scrypt hash from decoded parts (Werkzeug and other layouts land here). */
export function scryptFromParts(d: ScryptDecoded): PasswordHash {
  checkScryptCost(d, 'scrypt');
  if (d.hash.length < 1) throw malformed('scrypt hash field is empty');
  const phc = formatPhc('scrypt', [['ln', d.logN], ['r', d.r], ['p', d.p]], d.salt, d.hash);
  return makeHash('scrypt', phc, paramsOf(d));
}

export function parseScrypt(text: string): PasswordHash {
  return scryptFromParts(decode(text));
}

export const scryptScheme: Scheme = {
  parse: parseScrypt,

  parts(phc: string): HashParts {
    const d = decode(phc);
    return { salt: d.salt, hash: d.hash, params: paramsOf(d) };
  },

  async verify(phc: string, plaintext: string): Promise<boolean> {
    const d = decode(phc);
    return sameBytes(await deriveScrypt(plaintext, d.salt, d.hash.length, d), d.hash);
  },

  async hash(_algorithm, plaintext, params) {
    const names = {
      ln: ['logN', 'ln'],
      N: ['N', 'cost'],
      r: ['blockSize', 'r'],
      p: ['parallelization', 'p', 'parallelism'],
      l: ['keyLength', 'l', 'dkLen'],
      s: ['salt'],
    } as const;
    expectOnlyOptions(params, Object.values(names).flat(), 'scrypt');
    const N = intOption(params, names.N, 0, 2, 2 ** 30, 'scrypt');
    if (N !== 0 && (N & (N - 1)) !== 0) throw malformed("scrypt: 'N' must be a power of two");
    const logN = intOption(params, names.ln, N === 0 ? 14 : Math.log2(N), 1, 30, 'scrypt');
    const r = intOption(params, names.r, 8, 1, 1024, 'scrypt');
    const p = intOption(params, names.p, 1, 1, 1024, 'scrypt');
    const keyLength = intOption(params, names.l, 32, 1, 1024, 'scrypt');
    const saltText = stringOption(params, names.s);
    const salt = saltText === undefined ? randomBytes(16) : fromB64(saltText, 'scrypt salt option');
    checkScryptCost({ logN, r, p }, 'scrypt');
    const hash = await deriveScrypt(plaintext, salt, keyLength, { logN, r, p });
    return scryptFromParts({ logN, r, p, salt, hash });
  },

  describe(h: PasswordHash): string {
    const p = h.params;
    return `scrypt (ln=${p.logN}, r=${p.blockSize}, p=${p.parallelization})`;
  },
};
