/**
 * A set of ids that stores a 64-bit hash per id instead of the string: a million Clerk ids take
 * 16-32 MB instead of the ~150 MB a Set<string> needs, which keeps the reader's memory flat
 * enough for million-user exports. Two different ids collide with probability about n²/2^65
 * (1e-8 for ten million ids); a collision would report a duplicate id that is not one, so the
 * reader says which id it thinks is repeated and a user can check.
 */
export class IdSet {
  #table: Uint32Array;
  #mask: number;
  #size = 0;

  constructor(initialCapacity = 1 << 16) {
    let cap = 1;
    while (cap < initialCapacity) cap <<= 1;
    this.#table = new Uint32Array(cap * 2);
    this.#mask = cap - 1;
  }

  get size(): number {
    return this.#size;
  }

  /** Adds the id; false when it was already there. */
  add(id: string): boolean {
    let h1 = 0x811c9dc5;
    let h2 = 0x01000193 ^ id.length;
    for (let i = 0; i < id.length; i++) {
      const c = id.charCodeAt(i);
      h1 = Math.imul(h1 ^ c, 0x01000193);
      h2 = Math.imul(h2 ^ c, 0x5bd1e995);
      h2 ^= h2 >>> 15;
    }
    h1 = (h1 ^ (h1 >>> 16)) >>> 0;
    h2 = h2 >>> 0;
    if (h1 === 0 && h2 === 0) h2 = 1; // (0, 0) marks an empty slot
    if (!this.#insert(h1, h2)) return false;
    this.#size++;
    if (this.#size * 2 > this.#mask + 1) this.#grow();
    return true;
  }

  #insert(h1: number, h2: number): boolean {
    const t = this.#table;
    let slot = (h1 ^ Math.imul(h2, 0x9e3779b1)) & this.#mask;
    for (;;) {
      const a = t[slot * 2]!;
      const b = t[slot * 2 + 1]!;
      if (a === 0 && b === 0) {
        t[slot * 2] = h1;
        t[slot * 2 + 1] = h2;
        return true;
      }
      if (a === h1 && b === h2) return false;
      slot = (slot + 1) & this.#mask;
    }
  }

  #grow(): void {
    const old = this.#table;
    const cap = (this.#mask + 1) * 2;
    this.#table = new Uint32Array(cap * 2);
    this.#mask = cap - 1;
    for (let i = 0; i < old.length; i += 2) {
      const a = old[i]!;
      const b = old[i + 1]!;
      if (a !== 0 || b !== 0) this.#insert(a, b);
    }
  }
}
