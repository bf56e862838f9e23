import { fromB64, fromBcryptB64 } from './encoding.js';
import { malformed, unsupported } from './errors.js';
import { expectOnlyOptions, intOption, makeHash, stringOption, type HashParts, type Scheme } from './scheme.js';
import type { PasswordHash } from './types.js';

// bcrypt keeps its modular-crypt string byte for byte: $2a$, $2b$ and $2y$ are the same
// algorithm for every password a correct implementation produced, and targets import MCF.
const BCRYPT = /^\$(2[aby])\$([0-9]{2})\$([./A-Za-z0-9]{22})([./A-Za-z0-9]{31})$/;

interface BcryptFields {
  variant: string;
  cost: number;
  salt: string;
  hash: string;
}

function split(text: string): BcryptFields {
  if (/^\$2x\$/.test(text)) {
    throw unsupported(
      'bcrypt $2x$ hashes come from the pre-2011 crypt_blowfish bug (wrong for non-ASCII passwords) and cannot be verified safely; the user must reset the password',
    );
  }
  if (/^\$2\$/.test(text)) throw unsupported('bcrypt $2$ (the original 1999 variant) is not supported');
  const m = BCRYPT.exec(text);
  if (!m) throw malformed('bcrypt hash is not $2a$/$2b$/$2y$, two cost digits and 53 characters of bcrypt base64');
  const cost = Number(m[2]);
  if (cost < 4 || cost > 31) throw malformed('bcrypt cost must be between 04 and 31');
  return { variant: m[1] ?? '2b', cost, salt: m[3] ?? '', hash: m[4] ?? '' };
}

export function parseBcrypt(text: string): PasswordHash {
  const f = split(text);
  return makeHash('bcrypt', text, { variant: f.variant, cost: f.cost });
}

/** A bcrypt modular-crypt string (`$2a$`, `$2b$`, `$2y$`), kept exactly as given. */
export function fromBcrypt(text: string): PasswordHash {
  return parseBcrypt(text);
}

export const bcryptScheme: Scheme = {
  parse: parseBcrypt,

  /** The 16-byte salt and the 23-byte hash bcrypt stores (it drops the 24th byte). */
  parts(phc: string): HashParts {
    const f = split(phc);
    return {
      salt: fromBcryptB64(f.salt, 'bcrypt salt'),
      hash: fromBcryptB64(f.hash, 'bcrypt hash'),
      params: { variant: f.variant, cost: f.cost },
    };
  },

  async verify(phc: string, plaintext: string): Promise<boolean> {
    split(phc);
    const { verify } = await import('@node-rs/bcrypt');
    return verify(plaintext, phc);
  },

  async hash(_algorithm, plaintext, params) {
    expectOnlyOptions(params, ['cost', 'rounds', 'salt'], 'bcrypt');
    const cost = intOption(params, ['cost', 'rounds'], 10, 4, 31, 'bcrypt');
    // A fixed salt (base64 of 16 bytes) makes generated exports reproducible; normally random.
    const saltText = stringOption(params, ['salt']);
    const salt = saltText === undefined ? undefined : fromB64(saltText, 'bcrypt salt option');
    if (salt && salt.length !== 16) throw malformed('bcrypt: salt must be exactly 16 bytes');
    const { hash } = await import('@node-rs/bcrypt');
    return parseBcrypt(await hash(plaintext, cost, salt));
  },

  describe(h: PasswordHash): string {
    return `bcrypt (cost ${h.params.cost})`;
  },
};
