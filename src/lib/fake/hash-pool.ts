import { hashPassword } from '../../model/password/index.js';
import type { HashAlgorithm, PasswordHash } from '../../model/password/types.js';
import { fakePassword } from './people.js';
import type { Prng } from './prng.js';

export interface PooledHash {
  plaintext: string;
  hash: PasswordHash;
}

/**
 * Real hashes of known plaintexts, computed once and reused round-robin, so that a generated
 * export of a million users takes seconds while every hash in it still verifies for real.
 */
export async function buildHashPool(
  algorithm: HashAlgorithm,
  size: number,
  rng: Prng,
  params?: Record<string, string | number>,
): Promise<PooledHash[]> {
  const pool: PooledHash[] = [];
  for (let i = 0; i < size; i++) {
    const plaintext = fakePassword(rng);
    // The salt comes from the seeded PRNG too, so an export is byte-for-byte reproducible.
    const salt = Buffer.from(rng.hex(16), 'hex').toString('base64');
    pool.push({ plaintext, hash: await hashPassword(algorithm, plaintext, { ...params, salt }) });
  }
  return pool;
}
