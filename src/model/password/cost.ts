import type { HashAlgorithm, PasswordHash } from './types.js';

/**
 * How much work flagless accepts for one verification of an imported hash. A hash above its
 * ceiling (`$2b$31$`, argon2 t=4000000000, PBKDF2 with 2³¹−1 iterations, argon2 m=1 GiB) is a
 * cost bomb: one sign-in would hold a CPU core or a gigabyte for minutes or years. `assess`
 * reports it (E_HASH_COST), `migrate` moves that user without a password (reset) instead of
 * importing the hash, and nothing flagless runs ever verifies it (the gateway checks with
 * `hashCostExcess` before it verifies).
 *
 * The defaults keep one verification to about a second on one core of a server (measured on the
 * 2-core test machine, loaded: bcrypt cost 14 ≈ 2.4 s, argon2 m=256 MiB t=4 ≈ 1.5 s, PBKDF2-SHA512
 * 1,000,000 iterations ≈ 1.1 s, scrypt 128 MiB ≈ 1.3 s), above every default and published
 * recommendation (bcrypt 10–13, OWASP argon2id m=19 MiB t=2, libsodium "moderate" m=256 MiB t=3,
 * OWASP PBKDF2-SHA1 1,300,000 iterations, scrypt N=2^17 r=8).
 *
 * Single-digest algorithms (salted SHA, MD5) have no cost parameter and no ceiling.
 */
export interface HashCostCeiling {
  /** Highest bcrypt cost (log2 of the rounds). Default 14. */
  bcrypt: number;
  /** Highest argon2 memory, in KiB (the `m` parameter). Default 262144 (256 MiB). */
  argon2Memory: number;
  /** Highest argon2 memory × passes (`m`·`t`, in KiB): the work of one verification. Default 1048576 (e.g. m=256 MiB t=4, m=64 MiB t=16). */
  argon2Work: number;
  /** Highest PBKDF2 iteration count (any digest). Default 2000000. */
  pbkdf2: number;
  /** Highest scrypt and Firebase scrypt work, 128·N·r·p bytes, in MiB. Default 256. */
  scrypt: number;
}

export const DEFAULT_HASH_COST_CEILING: Readonly<HashCostCeiling> = Object.freeze({
  bcrypt: 14,
  argon2Memory: 256 * 1024,
  argon2Work: 1024 * 1024,
  pbkdf2: 2_000_000,
  scrypt: 256,
});

/** The names `--max-hash-cost` takes, e.g. `bcrypt=15,pbkdf2=5000000`. */
export const HASH_COST_KEYS: Record<string, keyof HashCostCeiling> = {
  bcrypt: 'bcrypt',
  'argon2-m': 'argon2Memory',
  argon2: 'argon2Work',
  pbkdf2: 'pbkdf2',
  scrypt: 'scrypt',
};

/**
 * Reads `--max-hash-cost` (`name=value` pairs, comma-separated; names not given keep their
 * defaults). Returns the ceiling, or a message saying what is wrong with the text.
 */
export function parseHashCostCeiling(text: string): { ok: true; ceiling: HashCostCeiling } | { ok: false; message: string } {
  const ceiling: HashCostCeiling = { ...DEFAULT_HASH_COST_CEILING };
  const names = Object.keys(HASH_COST_KEYS).join(', ');
  for (const part of text.split(',')) {
    const m = /^\s*([a-z0-9-]+)\s*=\s*([0-9]{1,15})\s*$/.exec(part);
    const key = m ? HASH_COST_KEYS[m[1]!] : undefined;
    if (!m || !key) return { ok: false, message: `--max-hash-cost: '${part.trim().slice(0, 40)}' is not name=integer with a name among ${names}` };
    const value = Number(m[2]);
    if (value < 1) return { ok: false, message: `--max-hash-cost: ${m[1]} must be at least 1` };
    ceiling[key] = value;
  }
  return { ok: true, ceiling };
}

/** One line for help text and reports: the ceiling in `--max-hash-cost` form. */
export function formatHashCostCeiling(c: HashCostCeiling): string {
  return Object.entries(HASH_COST_KEYS)
    .map(([name, key]) => `${name}=${c[key]}`)
    .join(',');
}

function num(h: PasswordHash, name: string): number {
  const v = h.params[name];
  return typeof v === 'number' ? v : Number(v);
}

const ARGON2: ReadonlySet<HashAlgorithm> = new Set<HashAlgorithm>(['argon2id', 'argon2i', 'argon2d']);

/**
 * Why verifying `h` would cost more than `ceiling` allows, or undefined when it is within it.
 * The message names the parameter and the ceiling (never a byte of the hash) and says how to
 * raise the ceiling. This is the check every verifier of imported hashes runs first.
 */
export function hashCostExcess(h: PasswordHash, ceiling: HashCostCeiling = DEFAULT_HASH_COST_CEILING): string | undefined {
  const over = (what: string, value: number, max: number, name: string) =>
    `${h.algorithm} ${what} ${value} is above the ceiling ${max} (--max-hash-cost ${name}=...): one verification would take too long or too much memory`;
  if (h.algorithm === 'bcrypt') {
    const cost = num(h, 'cost');
    return cost > ceiling.bcrypt ? over('cost', cost, ceiling.bcrypt, 'bcrypt') : undefined;
  }
  if (ARGON2.has(h.algorithm)) {
    const m = num(h, 'memoryCost');
    const t = num(h, 'timeCost');
    if (m > ceiling.argon2Memory) return over('memory (m, KiB)', m, ceiling.argon2Memory, 'argon2-m');
    if (m * t > ceiling.argon2Work) return over('work (m·t, KiB)', m * t, ceiling.argon2Work, 'argon2');
    return undefined;
  }
  if (h.algorithm.startsWith('pbkdf2-')) {
    const i = num(h, 'iterations');
    return i > ceiling.pbkdf2 ? over('iterations', i, ceiling.pbkdf2, 'pbkdf2') : undefined;
  }
  if (h.algorithm === 'scrypt' || h.algorithm === 'firebase-scrypt') {
    // scrypt: N = 2^logN, r = blockSize, p = parallelization; Firebase: N = 2^memCost, r = rounds, p = 1.
    const logN = h.algorithm === 'scrypt' ? num(h, 'logN') : num(h, 'memCost');
    const r = h.algorithm === 'scrypt' ? num(h, 'blockSize') : num(h, 'rounds');
    const p = h.algorithm === 'scrypt' ? num(h, 'parallelization') : 1;
    const mib = (128 * 2 ** logN * r * p) / 2 ** 20;
    return mib > ceiling.scrypt ? over('work (128·N·r·p, MiB)', mib, ceiling.scrypt, 'scrypt') : undefined;
  }
  return undefined;
}
