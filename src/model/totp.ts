// RFC 4648 base32 and RFC 6238 TOTP: a source's TOTP secret is checked before it travels, and
// `verify --logins` answers a target's MFA step with the code an authenticator app would show.
import { createHmac } from 'node:crypto';

const B32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

export function base32Encode(bytes: Buffer): string {
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += B32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += B32[(value << (5 - bits)) & 31];
  return out;
}

/** The secret as authenticator apps read it: spaces, dashes and padding dropped, upper case. */
export function normalizeBase32(text: string): string {
  return text.replace(/[\s=-]/g, '').toUpperCase();
}

/** A usable base32 TOTP secret: only base32 letters once normalized, at least 80 bits (RFC 4226 asks for 128, 160 recommended). */
export function isBase32Secret(text: string): boolean {
  const s = normalizeBase32(text);
  return s.length >= 16 && /^[A-Z2-7]+$/.test(s);
}

/** Spaces, dashes and padding are ignored; lower case is read as upper case. */
export function base32Decode(text: string): Buffer {
  let bits = 0;
  let value = 0;
  const out: number[] = [];
  for (const ch of normalizeBase32(text)) {
    const v = B32.indexOf(ch);
    if (v < 0) throw new RangeError('not base32');
    value = ((value << 5) | v) & 0xffff;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 255);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}

/** RFC 6238 TOTP (HMAC-SHA1, 6 digits, 30 s), `step` periods from `now`. */
export function totp(key: Buffer, step = 0, now = Date.now()): string {
  const msg = Buffer.alloc(8);
  msg.writeBigUInt64BE(BigInt(Math.floor(now / 30_000) + step));
  const mac = createHmac('sha1', key).update(msg).digest();
  const offset = mac[mac.length - 1]! & 0x0f;
  return String((mac.readUInt32BE(offset) & 0x7fffffff) % 1_000_000).padStart(6, '0');
}

/** Whether `code` is the TOTP of `key` now or one period either side (clock drift), as servers accept. */
export function totpMatches(key: Buffer, code: string, now = Date.now()): boolean {
  return [-1, 0, 1].some((step) => totp(key, step, now) === code);
}
