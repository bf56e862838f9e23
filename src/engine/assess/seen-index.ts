/**
 * A compact "have I seen this key before?" index for millions of keys (normalized emails).
 * Keys are reduced to 64-bit digests in an open-addressing table of typed arrays, and each
 * entry remembers its first holder's label (a source id) in one growing byte pool, so memory is
 * about 40 bytes per key instead of the ~150 a Map of strings costs. The digest is two independent
 * 32-bit multiplicative hashes (not cryptographic: keys are not adversarial here, and a crypto hash
 * per key cost a tenth of assess's time); a collision between two different keys has a probability
 * around n²/2^65 (≈ 3·10⁻⁸ for a million keys).
 */
export class SeenIndex {
  #hi: Uint32Array;
  #lo: Uint32Array;
  #first: Int32Array; // slot -> entry ordinal, -1 = empty
  #labelStart: Uint32Array; // ordinal -> byte offset in pool
  #labelLine: Uint32Array; // ordinal -> line
  #pool: Buffer;
  #poolUsed = 0;
  #size = 0;

  constructor(initialCapacity = 1 << 16) {
    const cap = 1 << Math.ceil(Math.log2(Math.max(16, initialCapacity)));
    this.#hi = new Uint32Array(cap);
    this.#lo = new Uint32Array(cap);
    this.#first = new Int32Array(cap).fill(-1);
    this.#labelStart = new Uint32Array(cap / 2 + 1);
    this.#labelLine = new Uint32Array(cap / 2 + 1);
    this.#pool = Buffer.alloc(cap * 16);
  }

  get size(): number {
    return this.#size;
  }

  /**
   * Records `key` with `label` (and the line it came from). Returns undefined the first time a key
   * is seen, or the first holder's label and line when it was seen before.
   */
  add(key: string, label: string, line: number): { label: string; line: number } | undefined {
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

  #label(ord: number): string {
    const start = this.#labelStart[ord]!;
    const end = ord + 1 < this.#size ? this.#labelStart[ord + 1]! : this.#poolUsed;
    return this.#pool.toString('utf8', start, end);
  }

  #storeLabel(ord: number, label: string, line: number): void {
    if (ord >= this.#labelStart.length) {
      const grownStart = new Uint32Array(this.#labelStart.length * 2);
      grownStart.set(this.#labelStart);
      this.#labelStart = grownStart;
      const grownLine = new Uint32Array(this.#labelLine.length * 2);
      grownLine.set(this.#labelLine);
      this.#labelLine = grownLine;
    }
    const bytes = Buffer.byteLength(label);
    if (this.#poolUsed + bytes > this.#pool.length) {
      const grown = Buffer.alloc(Math.max(this.#pool.length * 2, this.#poolUsed + bytes));
      this.#pool.copy(grown, 0, 0, this.#poolUsed);
      this.#pool = grown;
    }
    this.#labelStart[ord] = this.#poolUsed;
    this.#labelLine[ord] = line;
    this.#poolUsed += this.#pool.write(label, this.#poolUsed);
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
function digest64(key: string): [number, number] {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < key.length; i++) {
    const ch = key.charCodeAt(i);
    h1 = Math.imul(h1 ^ ch, 2654435761);
    h2 = Math.imul(h2 ^ ch, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return [h1 >>> 0, h2 >>> 0];
}
