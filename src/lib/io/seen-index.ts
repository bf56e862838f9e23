/**
 * A compact "have I seen this key before, and where first?" index for millions of keys (normalized
 * emails in assess, user ids in readers that name the line of a repeated id).
 * Keys are reduced to 64-bit digests in an open-addressing table of typed arrays (at most half
 * full). Each entry's first holder's label (a source id) is needed only when the key comes back,
 * which is rare, so labels go to a scratch file on disk (unlinked at once where the system allows,
 * so nothing is left behind even after a crash) and memory keeps just their offsets and lines:
 * about 36 bytes a key, none of it for the labels themselves.
 *
 * The digest is two independent 32-bit multiplicative hashes (not cryptographic: keys are not
 * adversarial here, and a crypto hash per key cost a tenth of assess's time); a collision between
 * two different keys has a probability around n²/2^65 (≈ 3·10⁻⁸ for a million keys).
 */
import { closeSync, mkdtempSync, openSync, readSync, rmSync, unlinkSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const LABEL_BUFFER = 64 * 1024;

export class SeenIndex {
  #hi: Uint32Array;
  #lo: Uint32Array;
  #first: Int32Array; // slot -> entry ordinal, -1 = empty
  #labelAt: Float64Array; // ordinal -> byte offset of its label in the label file
  #labelLine: Uint32Array; // ordinal -> line
  #size = 0;
  /** Labels not yet written out, and where the label file ends (written + buffered). */
  readonly #pending = Buffer.allocUnsafe(LABEL_BUFFER);
  #pendingUsed = 0;
  #written = 0;
  #fd: number | undefined;
  #dir: string | undefined;

  constructor(initialCapacity = 1 << 16) {
    const cap = 1 << Math.ceil(Math.log2(Math.max(16, initialCapacity)));
    this.#hi = new Uint32Array(cap);
    this.#lo = new Uint32Array(cap);
    this.#first = new Int32Array(cap).fill(-1);
    this.#labelAt = new Float64Array(cap / 2 + 1);
    this.#labelLine = new Uint32Array(cap / 2 + 1);
  }

  get size(): number {
    return this.#size;
  }

  /**
   * Records `key` with the line it came from and, optionally, a label (its holder's id). Returns
   * undefined the first time a key is seen, or the first holder's line and label ('' when it was
   * recorded without one) when it was seen before.
   */
  add(key: string, line: number, label = ''): { label: string; line: number } | undefined {
    const [hi, lo] = digest64(key);
    const mask = this.#first.length - 1;
    let slot = lo & mask;
    for (;;) {
      const ord = this.#first[slot]!;
      if (ord === -1) break;
      if (this.#hi[slot] === hi && this.#lo[slot] === lo) {
        return { label: this.#label(ord), line: this.#labelLine[ord]! };
      }
      slot = (slot + 1) & mask;
    }
    const ord = this.#size++;
    this.#hi[slot] = hi;
    this.#lo[slot] = lo;
    this.#first[slot] = ord;
    this.#storeLabel(ord, label, line);
    if (this.#size * 2 > this.#first.length) this.#grow();
    return undefined;
  }

  /** Frees the label file. The index must not be used afterwards. */
  close(): void {
    if (this.#fd !== undefined) closeSync(this.#fd);
    this.#fd = undefined;
    if (this.#dir !== undefined) rmSync(this.#dir, { recursive: true, force: true });
    this.#dir = undefined;
  }

  #label(ord: number): string {
    const start = this.#labelAt[ord]!;
    const end = ord + 1 < this.#size ? this.#labelAt[ord + 1]! : this.#written + this.#pendingUsed;
    const length = end - start;
    if (length === 0) return '';
    if (start >= this.#written) return this.#pending.toString('utf8', start - this.#written, end - this.#written);
    this.#flush();
    const out = Buffer.allocUnsafe(length);
    let got = 0;
    while (got < length) {
      const n = readSync(this.#fd!, out, got, length - got, start + got);
      if (n === 0) throw new Error('seen-index: the label file ended early');
      got += n;
    }
    return out.toString('utf8');
  }

  #storeLabel(ord: number, label: string, line: number): void {
    if (ord >= this.#labelAt.length) {
      const grownAt = new Float64Array(this.#labelAt.length * 2);
      grownAt.set(this.#labelAt);
      this.#labelAt = grownAt;
      const grownLine = new Uint32Array(this.#labelLine.length * 2);
      grownLine.set(this.#labelLine);
      this.#labelLine = grownLine;
    }
    this.#labelAt[ord] = this.#written + this.#pendingUsed;
    this.#labelLine[ord] = line;
    if (label === '') return;
    // At most 3 bytes of UTF-8 per UTF-16 unit.
    if (this.#pendingUsed + label.length * 3 > LABEL_BUFFER) {
      this.#flush();
      if (label.length * 3 > LABEL_BUFFER) {
        const bytes = Buffer.from(label, 'utf8');
        this.#writeOut(bytes);
        return;
      }
    }
    this.#pendingUsed += this.#pending.write(label, this.#pendingUsed, 'utf8');
  }

  #flush(): void {
    if (this.#pendingUsed === 0) return;
    this.#writeOut(this.#pending.subarray(0, this.#pendingUsed));
    this.#pendingUsed = 0;
  }

  #writeOut(bytes: Buffer): void {
    if (this.#fd === undefined) {
      this.#dir = mkdtempSync(join(tmpdir(), 'flagless-seen-'));
      const path = join(this.#dir, 'labels');
      this.#fd = openSync(path, 'w+', 0o600);
      try {
        unlinkSync(path);
      } catch {
        // Not on every system: close() removes it then.
      }
    }
    let done = 0;
    while (done < bytes.length) done += writeSync(this.#fd, bytes, done, bytes.length - done, this.#written + done);
    this.#written += bytes.length;
  }

  #grow(): void {
    const oldHi = this.#hi;
    const oldLo = this.#lo;
    const oldFirst = this.#first;
    const cap = oldFirst.length * 2;
    this.#hi = new Uint32Array(cap);
    this.#lo = new Uint32Array(cap);
    this.#first = new Int32Array(cap).fill(-1);
    const mask = cap - 1;
    for (let i = 0; i < oldFirst.length; i++) {
      const ord = oldFirst[i]!;
      if (ord === -1) continue;
      let slot = oldLo[i]! & mask;
      while (this.#first[slot] !== -1) slot = (slot + 1) & mask;
      this.#hi[slot] = oldHi[i]!;
      this.#lo[slot] = oldLo[i]!;
      this.#first[slot] = ord;
    }
  }
}

/** Two 32-bit lanes of a murmur-style string hash (cyrb53's mixing, kept as 64 bits). */
export function digest64(key: string): [number, number] {
  digest64Into(key, SCRATCH);
  return [SCRATCH[0]!, SCRATCH[1]!];
}

const SCRATCH = new Uint32Array(2);

/** The same digest written into `out[0]` (high word) and `out[1]` (low word): no array per key on hot paths. */
export function digest64Into(key: string, out: Uint32Array): void {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < key.length; i++) {
    const ch = key.charCodeAt(i);
    h1 = Math.imul(h1 ^ ch, 2654435761);
    h2 = Math.imul(h2 ^ ch, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  out[0] = h1 >>> 0;
  out[1] = h2 >>> 0;
}
