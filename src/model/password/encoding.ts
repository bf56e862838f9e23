import { malformed } from './errors.js';

// Byte encodings used inside hash strings. Every decoder validates its input strictly enough
// that garbage is reported as E_HASH_MALFORMED instead of silently decoding to other bytes
// (Buffer.from(s, 'base64') skips characters it does not know).

const B64 = /^[A-Za-z0-9+/]*$/;
const B64URL = /^[A-Za-z0-9_-]*$/;
const HEX = /^(?:[0-9a-fA-F]{2})*$/;

/** Standard base64 without padding: the encoding the PHC string format uses. */
export function toB64(bytes: Buffer): string {
  return bytes.toString('base64').replace(/=+$/, '');
}

/** Standard base64 with padding. */
export function toB64Padded(bytes: Buffer): string {
  return bytes.toString('base64');
}

/**
 * Decodes standard base64, padded or not. With `urlSafe`, the `-_` alphabet is accepted too
 * (the Firebase CLI sometimes emits it). `what` names the field for the error message.
 */
export function fromB64(text: string, what: string, urlSafe = false): Buffer {
  const unpadded = text.replace(/={1,2}$/, '');
  const padded = unpadded.length !== text.length;
  const alphabetOk = B64.test(unpadded) || (urlSafe && B64URL.test(unpadded));
  if (!alphabetOk || unpadded.length % 4 === 1 || (padded && text.length % 4 !== 0)) {
    throw malformed(`${what} is not valid base64`);
  }
  return Buffer.from(unpadded.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
}

/** passlib's "adapted base64": standard base64 with `.` for `+` and no padding. */
export function fromAb64(text: string, what: string): Buffer {
  if (text.includes('+')) throw malformed(`${what} is not valid adapted base64`);
  return fromB64(text.replace(/\./g, '+'), what);
}

export function fromHex(text: string, what: string): Buffer {
  if (!HEX.test(text)) throw malformed(`${what} is not valid hex`);
  return Buffer.from(text, 'hex');
}

// bcrypt's own base64: same bit packing as standard base64, different alphabet, no padding.
const BCRYPT_ALPHABET = './ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const STD_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

export function fromBcryptB64(text: string, what: string): Buffer {
  let std = '';
  for (const ch of text) {
    const i = BCRYPT_ALPHABET.indexOf(ch);
    if (i < 0) throw malformed(`${what} is not valid bcrypt base64`);
    std += STD_ALPHABET[i];
  }
  return Buffer.from(std, 'base64');
}

/** Strict decimal integer (no sign, no leading zeros except "0"), within [min, max]. */
export function parseIntStrict(text: string, what: string, min: number, max: number): number {
  if (!/^(?:0|[1-9][0-9]{0,15})$/.test(text)) throw malformed(`${what} is not a decimal integer`);
  const n = Number(text);
  if (n < min || n > max) throw malformed(`${what} must be between ${min} and ${max}`);
  return n;
}
