import { createHash, randomBytes } from 'node:crypto';
import { fromB64 } from './encoding.js';
import { malformed } from './errors.js';
import { expectOnlyParams, formatPhc, splitPhc } from './phc-fields.js';
import { expectOnlyOptions, intOption, makeHash, sameBytes, stringOption, type HashParts, type Scheme } from './scheme.js';
import { INSECURE_ALGORITHMS, type HashAlgorithm, type PasswordHash } from './types.js';

// One plain digest over the password and a salt: LDAP {SSHA*}/{SHA*}/{MD5}/{SMD5}, Django's
// legacy sha1$/md5$, bare hex MD5. Canonical form: $<id>$pos=<suffix|prefix>$<b64salt>$<b64hash>,
// where `suffix` means digest(password || salt) (LDAP) and `prefix` digest(salt || password) (Django).
// An empty salt is written with pos=suffix so one hash has one canonical string.

export type SaltPosition = 'suffix' | 'prefix';
export type SaltedDigest = 'md5' | 'sha1' | 'sha256' | 'sha512';

const DIGEST_LENGTH: Record<SaltedDigest, number> = { md5: 16, sha1: 20, sha256: 32, sha512: 64 };
const ALGORITHM_OF: Record<SaltedDigest, HashAlgorithm> = { md5: 'md5', sha1: 'ssha1', sha256: 'ssha256', sha512: 'ssha512' };

export interface SaltedDigestInput {
  digest: SaltedDigest;
  salt: Buffer;
  hash: Buffer;
  saltPosition: SaltPosition;
}

export function digestOfAlgorithm(algorithm: string): SaltedDigest | undefined {
  return (Object.keys(ALGORITHM_OF) as SaltedDigest[]).find((d) => ALGORITHM_OF[d] === algorithm);
}

function decode(text: string): SaltedDigestInput {
  const f = splitPhc(text, 'salted digest');
  const digest = digestOfAlgorithm(f.id);
  if (!digest || f.version !== undefined) throw malformed('salted digest id must be ssha1, ssha256, ssha512 or md5');
  const label = ALGORITHM_OF[digest];
  expectOnlyParams(f, ['pos'], label);
  const pos = f.params.get('pos') ?? 'suffix';
  if (pos !== 'suffix' && pos !== 'prefix') throw malformed(`${label} pos must be suffix or prefix`);
  return { digest, saltPosition: pos, salt: fromB64(f.salt, `${label} salt`), hash: fromB64(f.hash, `${label} hash field`) };
}

function paramsOf(d: SaltedDigestInput) {
  return { digest: d.digest, saltPosition: d.saltPosition, saltLength: d.salt.length };
}

export function fromSaltedDigest(input: SaltedDigestInput): PasswordHash {
  const algorithm = ALGORITHM_OF[input.digest];
  if (!algorithm) throw malformed('salted digest must be md5, sha1, sha256 or sha512');
  if (input.saltPosition !== 'suffix' && input.saltPosition !== 'prefix') {
    throw malformed(`${algorithm} salt position must be suffix or prefix`);
  }
  if (input.hash.length !== DIGEST_LENGTH[input.digest]) {
    throw malformed(`${algorithm} hash must be ${DIGEST_LENGTH[input.digest]} bytes`);
  }
  const d: SaltedDigestInput = { ...input, saltPosition: input.salt.length === 0 ? 'suffix' : input.saltPosition };
  const phc = formatPhc(algorithm, [['pos', d.saltPosition]], d.salt, d.hash);
  const insecure = INSECURE_ALGORITHMS.has(algorithm) || d.salt.length === 0;
  return makeHash(algorithm, phc, paramsOf(d), insecure);
}

export function parseSaltedDigest(text: string): PasswordHash {
  return fromSaltedDigest(decode(text));
}

function compute(plaintext: string, d: Omit<SaltedDigestInput, 'hash'>): Buffer {
  const password = Buffer.from(plaintext, 'utf8');
  const input = d.saltPosition === 'prefix' ? [d.salt, password] : [password, d.salt];
  const h = createHash(d.digest);
  for (const chunk of input) h.update(chunk);
  return h.digest();
}

export const saltedDigestScheme: Scheme = {
  parse: parseSaltedDigest,

  parts(phc: string): HashParts {
    const d = decode(phc);
    return { salt: d.salt, hash: d.hash, params: paramsOf(d) };
  },

  async verify(phc: string, plaintext: string): Promise<boolean> {
    const d = decode(phc);
    return sameBytes(compute(plaintext, d), d.hash);
  },

  async hash(algorithm, plaintext, params) {
    const digest = digestOfAlgorithm(algorithm) ?? 'sha256';
    expectOnlyOptions(params, ['saltLength', 'saltPosition', 'salt'], algorithm);
    // Legacy MD5 stores are usually unsalted; the SSHA family uses 8 bytes like slappasswd.
    const saltLength = intOption(params, ['saltLength'], digest === 'md5' ? 0 : 8, 0, 1024, algorithm);
    const position = stringOption(params, ['saltPosition']) ?? 'suffix';
    if (position !== 'suffix' && position !== 'prefix') throw malformed(`${algorithm}: 'saltPosition' must be suffix or prefix`);
    const saltText = stringOption(params, ['salt']);
    const salt = saltText === undefined ? randomBytes(saltLength) : fromB64(saltText, `${algorithm} salt option`);
    const d = { digest, salt, saltPosition: position } as const;
    return fromSaltedDigest({ ...d, hash: compute(plaintext, d) });
  },

  describe(h: PasswordHash): string {
    const n = Number(h.params.saltLength);
    const salt = n === 0 ? 'unsalted' : `${n}-byte salt${h.params.saltPosition === 'prefix' ? ' first' : ''}`;
    return `${h.algorithm} (${salt}${h.insecure ? '; insecure' : ''})`;
  },
};
