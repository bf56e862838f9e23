import { randomBytes } from 'node:crypto';
import type { Options } from '@node-rs/argon2';
import { fromB64, parseIntStrict } from './encoding.js';
import { malformed, unsupported } from './errors.js';
import { expectOnlyParams, formatPhc, requireParam, splitPhc } from './phc-fields.js';
import { expectOnlyOptions, intOption, makeHash, stringOption, type HashParts, type Scheme } from './scheme.js';
import type { HashAlgorithm, PasswordHash } from './types.js';

type Argon2Variant = 'argon2id' | 'argon2i' | 'argon2d';
const VARIANTS: readonly Argon2Variant[] = ['argon2id', 'argon2i', 'argon2d'];
// @node-rs/argon2 declares its Algorithm enum as a `const enum`, which has no runtime object.
const ALGORITHM_ENUM: Record<Argon2Variant, number> = { argon2d: 0, argon2i: 1, argon2id: 2 };

/** Above this a single verification would take more memory than a gateway should give it. */
const MAX_MEMORY_KIB = 1024 * 1024;

interface Argon2Decoded {
  variant: Argon2Variant;
  version: number;
  memoryCost: number;
  timeCost: number;
  parallelism: number;
  salt: Buffer;
  hash: Buffer;
}

function decode(text: string): Argon2Decoded {
  const f = splitPhc(text, 'argon2');
  const variant = VARIANTS.find((v) => v === f.id);
  if (!variant) throw unsupported('argon2 variant is not argon2id, argon2i or argon2d');
  const label = variant;
  // Hashes from before version 1.3 carry no v= field; the reference code reads them as 0x10.
  const version = f.version ?? 16;
  if (version !== 16 && version !== 19) throw unsupported(`${label} version must be 16 or 19`);
  if (f.params.has('keyid') || f.params.has('data')) {
    throw unsupported(`${label} hashes with keyid or associated data cannot be verified here`);
  }
  expectOnlyParams(f, ['m', 't', 'p'], label);
  const parallelism = parseIntStrict(requireParam(f, 'p', label), `${label} parallelism (p)`, 1, 255);
  const memoryCost = parseIntStrict(requireParam(f, 'm', label), `${label} memory cost (m)`, 8 * parallelism, 2 ** 32 - 1);
  if (memoryCost > MAX_MEMORY_KIB) throw unsupported(`${label} memory cost above ${MAX_MEMORY_KIB} KiB is not verified`);
  const timeCost = parseIntStrict(requireParam(f, 't', label), `${label} time cost (t)`, 1, 2 ** 32 - 1);
  const salt = fromB64(f.salt, `${label} salt`);
  const hash = fromB64(f.hash, `${label} hash field`);
  if (salt.length < 8) throw malformed(`${label} salt is shorter than the 8 bytes argon2 requires`);
  if (hash.length < 4) throw malformed(`${label} hash field is shorter than the 4 bytes argon2 requires`);
  return { variant, version, memoryCost, timeCost, parallelism, salt, hash };
}

function format(d: Argon2Decoded): string {
  const params = [['m', d.memoryCost], ['t', d.timeCost], ['p', d.parallelism]] as const;
  return formatPhc(d.variant, params, d.salt, d.hash, d.version);
}

function paramsOf(d: Argon2Decoded) {
  return {
    version: d.version,
    memoryCost: d.memoryCost,
    timeCost: d.timeCost,
    parallelism: d.parallelism,
    keyLength: d.hash.length,
  };
}

/** Parses a standard argon2 PHC string (padded base64 and a missing v= are accepted). */
export function parseArgon2(text: string): PasswordHash {
  const d = decode(text);
  return makeHash(d.variant, format(d), paramsOf(d));
}

export const argon2Scheme: Scheme = {
  parse: parseArgon2,

  parts(phc: string): HashParts {
    const d = decode(phc);
    return { salt: d.salt, hash: d.hash, params: paramsOf(d) };
  },

  async verify(phc: string, plaintext: string): Promise<boolean> {
    const canonical = format(decode(phc));
    const { verify } = await import('@node-rs/argon2');
    return verify(canonical, plaintext);
  },

  async hash(algorithm: HashAlgorithm, plaintext: string, params) {
    const variant = VARIANTS.find((v) => v === algorithm) ?? 'argon2id';
    const names = {
      m: ['memoryCost', 'm'],
      t: ['timeCost', 't'],
      p: ['parallelism', 'p'],
      l: ['keyLength', 'l', 'hashLength'],
      s: ['salt'],
    } as const;
    expectOnlyOptions(params, Object.values(names).flat(), variant);
    const parallelism = intOption(params, names.p, 1, 1, 255, variant);
    const memoryCost = intOption(params, names.m, 19456, 8 * parallelism, MAX_MEMORY_KIB, variant);
    const timeCost = intOption(params, names.t, 2, 1, 2 ** 32 - 1, variant);
    const keyLength = intOption(params, names.l, 32, 4, 1024, variant);
    const saltText = stringOption(params, names.s);
    const salt = saltText === undefined ? randomBytes(16) : fromB64(saltText, `${variant} salt option`);
    if (salt.length < 8) throw malformed(`${variant}: salt must be at least 8 bytes`);
    const options: Options = {
      algorithm: ALGORITHM_ENUM[variant] as unknown as Options['algorithm'],
      memoryCost,
      timeCost,
      parallelism,
      outputLen: keyLength,
      salt,
    };
    const { hash } = await import('@node-rs/argon2');
    return parseArgon2(await hash(plaintext, options));
  },

  describe(h: PasswordHash): string {
    const p = h.params;
    const v = p.version === 16 ? ', v=16' : '';
    return `${h.algorithm} (m=${p.memoryCost}, t=${p.timeCost}, p=${p.parallelism}${v})`;
  },
};
