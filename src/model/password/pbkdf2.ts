import { pbkdf2, randomBytes } from 'node:crypto';
import { fromB64, parseIntStrict } from './encoding.js';
import { malformed } from './errors.js';
import { expectOnlyParams, formatPhc, requireParam, splitPhc } from './phc-fields.js';
import { expectOnlyOptions, intOption, makeHash, sameBytes, stringOption, type HashParts, type Scheme } from './scheme.js';
import type { HashAlgorithm, PasswordHash } from './types.js';

// Canonical form: $pbkdf2-<digest>$i=<iterations>,l=<keyLength>$<b64salt>$<b64hash>.

export type Pbkdf2Digest = 'sha1' | 'sha256' | 'sha512';
export const DIGEST_LENGTH: Record<Pbkdf2Digest, number> = { sha1: 20, sha256: 32, sha512: 64 };
const MAX_ITERATIONS = 2 ** 31 - 1;

export interface Pbkdf2Input {
  digest: Pbkdf2Digest;
  iterations: number;
  salt: Buffer;
  hash: Buffer;
}

function digestOf(algorithm: string): Pbkdf2Digest | undefined {
  const d = algorithm.replace(/^pbkdf2-/, '');
  return d === 'sha1' || d === 'sha256' || d === 'sha512' ? d : undefined;
}

function decode(text: string): Pbkdf2Input {
  const f = splitPhc(text, 'pbkdf2');
  const digest = digestOf(f.id);
  if (!digest || f.version !== undefined) throw malformed('pbkdf2 hash id must be pbkdf2-sha1, pbkdf2-sha256 or pbkdf2-sha512');
  const label = `pbkdf2-${digest}`;
  expectOnlyParams(f, ['i', 'l'], label);
  const iterations = parseIntStrict(requireParam(f, 'i', label), `${label} iterations (i)`, 1, MAX_ITERATIONS);
  const salt = fromB64(f.salt, `${label} salt`);
  const hash = fromB64(f.hash, `${label} hash field`);
  const l = f.params.get('l');
  if (l !== undefined && parseIntStrict(l, `${label} key length (l)`, 1, 1024) !== hash.length) {
    throw malformed(`${label} key length (l) does not match the decoded hash length`);
  }
  return { digest, iterations, salt, hash };
}

function paramsOf(d: Pbkdf2Input) {
  return { digest: d.digest, iterations: d.iterations, keyLength: d.hash.length };
}

/** From decoded parts (Keycloak credential data, Django, passlib and Werkzeug all land here). */
export function fromPbkdf2(input: Pbkdf2Input): PasswordHash {
  const label = `pbkdf2-${input.digest}`;
  if (!digestOf(input.digest)) throw malformed('pbkdf2 digest must be sha1, sha256 or sha512');
  if (!Number.isSafeInteger(input.iterations) || input.iterations < 1 || input.iterations > MAX_ITERATIONS) {
    throw malformed(`${label} iterations must be between 1 and ${MAX_ITERATIONS}`);
  }
  if (input.hash.length < 1 || input.hash.length > 1024) throw malformed(`${label} hash must be 1 to 1024 bytes`);
  const algorithm = `pbkdf2-${input.digest}` as HashAlgorithm;
  const phc = formatPhc(algorithm, [['i', input.iterations], ['l', input.hash.length]], input.salt, input.hash);
  return makeHash(algorithm, phc, paramsOf(input));
}

export function parsePbkdf2(text: string): PasswordHash {
  return fromPbkdf2(decode(text));
}

function derive(plaintext: string, salt: Buffer, iterations: number, keyLength: number, digest: Pbkdf2Digest): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    pbkdf2(plaintext, salt, iterations, keyLength, digest, (err, key) => (err ? reject(err) : resolve(key)));
  });
}

export const pbkdf2Scheme: Scheme = {
  parse: parsePbkdf2,

  parts(phc: string): HashParts {
    const d = decode(phc);
    return { salt: d.salt, hash: d.hash, params: paramsOf(d) };
  },

  async verify(phc: string, plaintext: string): Promise<boolean> {
    const d = decode(phc);
    return sameBytes(await derive(plaintext, d.salt, d.iterations, d.hash.length, d.digest), d.hash);
  },

  async hash(algorithm, plaintext, params) {
    const digest = digestOf(algorithm) ?? 'sha256';
    const label = `pbkdf2-${digest}`;
    const names = { i: ['iterations', 'i', 'rounds'], l: ['keyLength', 'l', 'dkLen'], s: ['salt'] } as const;
    expectOnlyOptions(params, Object.values(names).flat(), label);
    const iterations = intOption(params, names.i, 27500, 1, MAX_ITERATIONS, label);
    const keyLength = intOption(params, names.l, DIGEST_LENGTH[digest], 1, 1024, label);
    const saltText = stringOption(params, names.s);
    const salt = saltText === undefined ? randomBytes(16) : fromB64(saltText, `${label} salt option`);
    const hash = await derive(plaintext, salt, iterations, keyLength, digest);
    return fromPbkdf2({ digest, iterations, salt, hash });
  },

  describe(h: PasswordHash): string {
    return `${h.algorithm} (${h.params.iterations} iterations)`;
  },
};
