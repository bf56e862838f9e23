import { timingSafeEqual } from 'node:crypto';
import { Secret } from '../secret.js';
import { malformed } from './errors.js';
import type { HashAlgorithm, PasswordHash } from './types.js';
import { INSECURE_ALGORITHMS } from './types.js';

export type HashParams = Record<string, string | number>;

/** Decoded bytes of a hash, for targets that re-encode it into their own format. */
export interface HashParts {
  salt: Buffer;
  hash: Buffer;
  /** The same non-secret parameters as PasswordHash.params. */
  params: HashParams;
}

/** What every algorithm module provides; `phc` is always the canonical string. */
export interface Scheme {
  parse(phc: string): PasswordHash;
  parts(phc: string): HashParts;
  verify(phc: string, plaintext: string): Promise<boolean>;
  hash(algorithm: HashAlgorithm, plaintext: string, params: HashParams): Promise<PasswordHash>;
  describe(h: PasswordHash): string;
}

export function makeHash(
  algorithm: HashAlgorithm,
  phc: string,
  params: HashParams,
  insecure = INSECURE_ALGORITHMS.has(algorithm),
): PasswordHash {
  return { algorithm, phc: new Secret(phc), params, insecure };
}

/** Constant-time comparison; a length mismatch is simply "not equal". */
export function sameBytes(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * Reads an integer option given to hashPassword under any of its accepted names
 * (`names[0]` is the one error messages use).
 */
export function intOption(
  params: HashParams,
  names: readonly string[],
  fallback: number,
  min: number,
  max: number,
  label: string,
): number {
  let value: string | number | undefined;
  for (const name of names) if (params[name] !== undefined) value = params[name];
  if (value === undefined) return fallback;
  const n = typeof value === 'number' ? value : /^[0-9]{1,16}$/.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    throw malformed(`${label}: '${names[0]}' must be an integer from ${min} to ${max}`);
  }
  return n;
}

export function stringOption(params: HashParams, names: readonly string[]): string | undefined {
  for (const name of names) {
    const value = params[name];
    if (value !== undefined) return String(value);
  }
  return undefined;
}

/** hashPassword options are checked by name so a typo does not silently fall back to a default. */
export function expectOnlyOptions(params: HashParams, allowed: readonly string[], label: string): void {
  for (const name of Object.keys(params)) {
    if (!allowed.includes(name)) {
      const shown = /^[A-Za-z0-9_-]{1,40}$/.test(name) ? `'${name}'` : 'with an unusual name';
      throw malformed(`${label}: unknown option ${shown} (accepted: ${allowed.join(', ')})`);
    }
  }
}
