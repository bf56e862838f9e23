/**
 * "Have we seen this id before?" for millions of ids in a few bytes each. Duplicate detection
 * needs memory proportional to the number of users; a Set of strings costs ~80-150 bytes an id
 * (80 MB and more at a million), so this keeps a 64-bit fingerprint per id in an open-addressing
 * table of typed arrays instead (8 bytes a slot, at most half full: 16 MB at a million).
 * Two different ids collide with probability about n²/2⁶⁵ (≈3e-8 at a million): a false
 * "duplicate" is that unlikely, and a real duplicate is never missed. Readers name the id they
 * think is repeated, so a user can check. The fingerprint is SeenIndex's; this table keeps no
 * ordinals or lines, for readers that only need a yes or no.
 */
import { digest64 } from './seen-index.js';

export class SeenIds {
  #hi: Uint32Array;
  #lo: Uint32Array;
  #count = 0;

  /** `expected`: how many ids are likely, to size the table once instead of growing it. */
  constructor(expected = 512) {
    let slots = 1024;
    while (slots < expected * 2) slots <<= 1;
    this.#hi = new Uint32Array(slots);
    this.#lo = new Uint32Array(slots);
  }

  get size(): number {
    return this.#count;
  }

  /** Records `id`; returns false when it was already recorded. */
  add(id: string): boolean {
    const [h1, lo] = digest64(id);
    const h2 = h1 === 0 && lo === 0 ? 1 : lo; // (0, 0) marks an empty slot
    if ((this.#count + 1) * 2 > this.#hi.length) this.#grow();
    return this.#insert(h1, h2);
  }

  #insert(h1: number, h2: number): boolean {
    const mask = this.#hi.length - 1;
    let slot = (h1 ^ Math.imul(h2, 0x9e3779b1)) & mask;
    while (true) {
      const a = this.#hi[slot]!;
      const b = this.#lo[slot]!;
      if (a === 0 && b === 0) {
        this.#hi[slot] = h1;
        this.#lo[slot] = h2;
        this.#count++;
        return true;
      }
      if (a === h1 && b === h2) return false;
      slot = (slot + 1) & mask;
    }
  }

  #grow(): void {
    const oldHi = this.#hi;
    const oldLo = this.#lo;
    this.#hi = new Uint32Array(oldHi.length * 2);
    this.#lo = new Uint32Array(oldLo.length * 2);
    this.#count = 0;
    for (let i = 0; i < oldHi.length; i++) {
      const a = oldHi[i]!;
      const b = oldLo[i]!;
      if (a !== 0 || b !== 0) this.#insert(a, b);
    }
  }
}
