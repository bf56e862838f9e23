/**
 * The password side of the Auth0 join, held in memory while the users stream past.
 *
 * Why this side: the password file has one small record per database user (an id and a 60-byte
 * bcrypt string), while the user export has every user with profile, identities and metadata;
 * the password file is the smaller one in practice, so it is the one held.
 *
 * Why not a Map of objects: a million `{hash, line}` objects cost ~300 bytes each in V8. Here the
 * records live in a KeyTable: the 24-hex-digit ObjectId key packs to 12 bytes and a bcrypt string
 * to 44 (6 bits per base-64 character), about 90 bytes a record with the table around them.
 * Packing is lossless: a hash that does not fit the bcrypt shape is stored as its UTF-8 bytes.
 */
import { KeyTable } from '../../lib/io/key-table.js';

const TAG_RAW = 0;
const TAG_BCRYPT = 1;
const BCRYPT = /^\$(2[abxy])\$(\d\d)\$([./A-Za-z0-9]{53})$/;
const BCRYPT_ALPHABET = './ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const BCRYPT_INDEX = new Int8Array(128).fill(-1);
for (let i = 0; i < BCRYPT_ALPHABET.length; i++) BCRYPT_INDEX[BCRYPT_ALPHABET.charCodeAt(i)] = i;
const PACKED_BCRYPT_BYTES = 1 + 2 + 1 + 40; // tag, variant "2b", cost, 53 × 6 bits

export interface PasswordEntry {
  /** The hash string exactly as the file had it, or undefined when the record had none. */
  hash: string | undefined;
  /** Line of the record in the password file. */
  line: number;
  /** When an earlier user already took this record (two users with one id): that user's line (0 = no line). */
  takenAt: number | undefined;
}

export class PasswordIndex {
  readonly #table = new KeyTable();

  get size(): number {
    return this.#table.size;
  }

  /**
   * Adds a record. Returns the line of an earlier record with the same key when there is one
   * (the earlier record is kept).
   */
  add(key: string, hash: string | undefined, line: number): number | undefined {
    const earlier = this.#table.add(key, hash === undefined || hash === '' ? undefined : encodeHash(hash), line);
    return earlier === undefined ? undefined : this.#table.line(earlier);
  }

  /** Looks a key up and marks its record as taken by the user at `userLine`. */
  take(key: string, userLine = 0): PasswordEntry | undefined {
    const ord = this.#table.find(key);
    if (ord === undefined) return undefined;
    const takenAt = this.#table.markMatched(ord, userLine);
    const value = this.#table.value(ord);
    return { hash: value.length === 0 ? undefined : decodeHash(value), line: this.#table.line(ord), takenAt };
  }

  /** Records no user took, in file order. */
  *unmatched(): Generator<{ key: string; line: number }> {
    for (const ord of this.#table.unmatched()) yield { key: this.#table.key(ord), line: this.#table.line(ord) };
  }
}

export function encodeHash(hash: string): Uint8Array {
  const m = BCRYPT.exec(hash);
  if (!m) {
    const out = Buffer.allocUnsafe(1 + Buffer.byteLength(hash));
    out[0] = TAG_RAW;
    out.write(hash, 1, 'utf8');
    return out;
  }
  const out = Buffer.alloc(PACKED_BCRYPT_BYTES);
  out[0] = TAG_BCRYPT;
  out.write(m[1]!, 1, 'latin1');
  out[3] = Number(m[2]);
  const chars = m[3]!;
  let acc = 0;
  let bits = 0;
  let at = 4;
  for (let i = 0; i < chars.length; i++) {
    acc = ((acc << 6) | BCRYPT_INDEX[chars.charCodeAt(i)]!) & 0xffff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[at++] = (acc >> bits) & 0xff;
    }
  }
  if (bits > 0) out[at] = (acc << (8 - bits)) & 0xff;
  return out;
}

export function decodeHash(bytes: Uint8Array): string {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (b[0] !== TAG_BCRYPT) return b.toString('utf8', 1);
  const variant = b.toString('latin1', 1, 3);
  const cost = String(b[3]).padStart(2, '0');
  let chars = '';
  let acc = 0;
  let bits = 0;
  for (let at = 4; at < b.length && chars.length < 53; at++) {
    acc = ((acc << 8) | b[at]!) & 0xffff;
    bits += 8;
    while (bits >= 6 && chars.length < 53) {
      bits -= 6;
      chars += BCRYPT_ALPHABET[(acc >> bits) & 0x3f];
    }
  }
  return `$${variant}$${cost}$${chars}`;
}
