/**
 * An exact hash table from string keys to a few bytes of value, for the million-entry joins a
 * source reader needs (password records by user id, "have I seen this user_id?"), at a fraction
 * of what a Map of strings and objects costs.
 *
 * Layout: every entry's encoded key, then its value bytes, sit back to back in 1 MiB chunks of
 * one arena (no copying as it grows, less than a chunk of slack); per-entry offsets, lengths,
 * line numbers and the line of whatever matched the entry live in typed arrays; an open-addressing table of entry
 * ordinals, kept at most half full, finds them. Keys compare byte for byte, so there are no false
 * matches. Keys that end in a 24-hex-digit MongoDB ObjectId (`5dea...`, `<provider>|5dea...`, as
 * databases built on MongoDB hand them out) store the ObjectId as its 12 bytes. Vendor-free.
 */

const EMPTY = -1;
const CHUNK = 1 << 20;
const TAG_RAW = 0;
const TAG_OID = 1;

/** Whether the last 24 characters of `key` are lowercase hex digits (a MongoDB ObjectId). */
function endsWithObjectId(key: string): boolean {
  if (key.length < 24) return false;
  for (let i = key.length - 24; i < key.length; i++) {
    const c = key.charCodeAt(i);
    if (!((c >= 48 && c <= 57) || (c >= 97 && c <= 102))) return false;
  }
  return true;
}

/**
 * Encodes `key` into `into` (which must hold 1 + 3 × key.length bytes); returns the length.
 * Byte by byte for ASCII, because Buffer#write costs ~1 µs a call for strings this short.
 */
function encodeKeyInto(key: string, into: Buffer): number {
  const n = key.length;
  const oid = endsWithObjectId(key);
  const plainEnd = oid ? n - 24 : n;
  into[0] = oid ? TAG_OID : TAG_RAW;
  let at = 1;
  for (let i = 0; i < plainEnd; i++) {
    const c = key.charCodeAt(i);
    if (c >= 0x80) {
      at += into.write(key.slice(i, plainEnd), at, 'utf8');
      break;
    }
    into[at++] = c;
  }
  for (let i = plainEnd; i < n; i += 2) into[at++] = (hexValue(key.charCodeAt(i)) << 4) | hexValue(key.charCodeAt(i + 1));
  return at;
}

function hexValue(c: number): number {
  return c <= 57 ? c - 48 : c - 87;
}

export function encodeKey(key: string): Buffer {
  const out = Buffer.allocUnsafe(1 + 3 * key.length);
  return out.subarray(0, encodeKeyInto(key, out));
}

export function decodeKey(b: Uint8Array): string {
  const buf = Buffer.from(b.buffer, b.byteOffset, b.byteLength);
  if (buf[0] !== TAG_OID) return buf.toString('utf8', 1);
  return buf.toString('utf8', 1, buf.length - 12) + buf.toString('hex', buf.length - 12);
}

function fnv1a(bytes: Uint8Array, from: number, to: number): number {
  let h = 0x811c9dc5;
  for (let i = from; i < to; i++) {
    h ^= bytes[i]!;
    h = Math.imul(h, 0x01000193);
  }
  // FNV's low bits depend only on the inputs' low bits, and the table indexes by low bits:
  // murmur3's finalizer spreads every bit over all of them.
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Byte comparison in JS: for keys this short it beats Buffer#compare's native call. */
function sameBytes(chunk: Buffer, from: number, k: Buffer): boolean {
  for (let i = 0; i < k.length; i++) if (chunk[from + i] !== k[i]) return false;
  return true;
}

export class KeyTable {
  #chunks: Buffer[] = [];
  #chunkUsed = CHUNK; // forces a first chunk
  #chunk = new Uint16Array(1024); // ordinal -> chunk index
  #offset = new Uint32Array(1024); // ordinal -> offset of the key in its chunk
  #keyLen = new Uint16Array(1024);
  #valueLen = new Uint16Array(1024);
  #line = new Uint32Array(1024);
  #matchedBy = new Uint32Array(1024); // ordinal -> 0 = unmatched, else the matching line + 1
  #slots = new Int32Array(2048).fill(EMPTY);
  #size = 0;
  #scratch = Buffer.allocUnsafe(256);

  get size(): number {
    return this.#size;
  }

  /**
   * Adds `key` with `value` bytes and the line it came from. Returns the ordinal of an earlier
   * entry with the same key instead (the earlier entry is kept), or undefined when it is new.
   */
  add(key: string, value: Uint8Array | undefined, line: number): number | undefined {
    const k = this.#encode(key);
    const slot = this.#find(k);
    const existing = this.#slots[slot]!;
    if (existing !== EMPTY) return existing;
    const vLen = value?.length ?? 0;
    if (k.length > 0xffff || vLen > 0xffff) throw new RangeError('key or value longer than 64 KiB');
    const ord = this.#size++;
    if (ord >= this.#offset.length) this.#growRecords();
    const need = k.length + vLen;
    if (this.#chunkUsed + need > CHUNK) {
      this.#chunks.push(Buffer.allocUnsafe(Math.max(CHUNK, need)));
      this.#chunkUsed = 0;
    }
    const chunk = this.#chunks[this.#chunks.length - 1]!;
    k.copy(chunk, this.#chunkUsed);
    if (value) chunk.set(value, this.#chunkUsed + k.length);
    this.#chunk[ord] = this.#chunks.length - 1;
    this.#offset[ord] = this.#chunkUsed;
    this.#keyLen[ord] = k.length;
    this.#valueLen[ord] = vLen;
    this.#line[ord] = line;
    this.#chunkUsed += need;
    this.#slots[slot] = ord;
    if (this.#size * 2 > this.#slots.length) this.#rehash();
    return undefined;
  }

  /** The ordinal of `key`, or undefined. */
  find(key: string): number | undefined {
    const ord = this.#slots[this.#find(this.#encode(key))]!;
    return ord === EMPTY ? undefined : ord;
  }

  /** The encoded key in the reused scratch buffer (valid until the next call). */
  #encode(key: string): Buffer {
    if (1 + 3 * key.length > this.#scratch.length) this.#scratch = Buffer.allocUnsafe(2 * (1 + 3 * key.length));
    return this.#scratch.subarray(0, encodeKeyInto(key, this.#scratch));
  }

  line(ord: number): number {
    return this.#line[ord]!;
  }

  /** The value bytes of an entry (a view into the arena: copy it to keep it). */
  value(ord: number): Uint8Array {
    const chunk = this.#chunks[this.#chunk[ord]!]!;
    const from = this.#offset[ord]! + this.#keyLen[ord]!;
    return chunk.subarray(from, from + this.#valueLen[ord]!);
  }

  key(ord: number): string {
    const chunk = this.#chunks[this.#chunk[ord]!]!;
    const from = this.#offset[ord]!;
    return decodeKey(chunk.subarray(from, from + this.#keyLen[ord]!));
  }

  /**
   * Marks an entry as matched by something at `line` (0 when it has no line). Returns undefined
   * the first time, else the line of the first match (0 when that had no line).
   */
  markMatched(ord: number, line = 0): number | undefined {
    const was = this.#matchedBy[ord]!;
    if (was !== 0) return was - 1;
    this.#matchedBy[ord] = line + 1;
    return undefined;
  }

  /** Ordinals of entries never marked as matched, in insertion order. */
  *unmatched(): Generator<number> {
    for (let ord = 0; ord < this.#size; ord++) if (this.#matchedBy[ord] === 0) yield ord;
  }

  #hashOf(ord: number): number {
    const chunk = this.#chunks[this.#chunk[ord]!]!;
    const from = this.#offset[ord]!;
    return fnv1a(chunk, from, from + this.#keyLen[ord]!);
  }

  #find(k: Buffer): number {
    const mask = this.#slots.length - 1;
    let slot = fnv1a(k, 0, k.length) & mask;
    for (;;) {
      const ord = this.#slots[slot]!;
      if (ord === EMPTY) return slot;
      if (this.#keyLen[ord] === k.length && sameBytes(this.#chunks[this.#chunk[ord]!]!, this.#offset[ord]!, k)) return slot;
      slot = (slot + 1) & mask;
    }
  }

  #rehash(): void {
    const slots = new Int32Array(this.#slots.length * 2).fill(EMPTY);
    const mask = slots.length - 1;
    for (let ord = 0; ord < this.#size; ord++) {
      let slot = this.#hashOf(ord) & mask;
      while (slots[slot] !== EMPTY) slot = (slot + 1) & mask;
      slots[slot] = ord;
    }
    this.#slots = slots;
  }

  #growRecords(): void {
    const cap = this.#offset.length * 2;
    const grow = <T extends Uint8Array | Uint16Array | Uint32Array>(from: T, to: T): T => {
      to.set(from);
      return to;
    };
    this.#chunk = grow(this.#chunk, new Uint16Array(cap));
    this.#offset = grow(this.#offset, new Uint32Array(cap));
    this.#keyLen = grow(this.#keyLen, new Uint16Array(cap));
    this.#valueLen = grow(this.#valueLen, new Uint16Array(cap));
    this.#line = grow(this.#line, new Uint32Array(cap));
    this.#matchedBy = grow(this.#matchedBy, new Uint32Array(cap));
  }
}
