/**
 * "Which keys came back, and where?" for any number of keys in memory that does not grow with
 * them: the keys' 64-bit digests (with each one's line and an optional label) are written to disk
 * in 64 partitions by digest, and the repeats are found afterwards one partition at a time. Used
 * by assess for duplicate emails and repeated user ids: one pass over the export writes, a second
 * look at 1/64 of the digests at a time reads (24 bytes a key: 375 KB per million keys).
 *
 * Several writers (one per part of an export read in parallel, each in its own thread) write
 * their own pair of files; `findRepeats` reads all of them together and reports each repeated key
 * once, its holders in (part, line) order. The files are opened and unlinked by whoever owns the
 * read (`SpillFiles`), so nothing is left on disk even after a crash; writers only get the
 * descriptors, which are valid in every thread of the process.
 *
 * Record: digest hi, digest lo, line, label length (u32 each), label offset (f64): 24 bytes, in
 * the machine's byte order (the files are scratch, read back by the same process).
 */
import { closeSync, mkdtempSync, openSync, readSync, rmSync, unlinkSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { digest64Into } from './seen-index.js';

const PARTITION_BITS = 6;
const PARTITIONS = 1 << PARTITION_BITS;
const RECORD_BYTES = 24;
const BLOCK_RECORDS = 1365; // 32,760 bytes a block: 2 MiB of buffers per writer, one write per block
const LABEL_BUFFER = 64 * 1024;

/** Two descriptors of unlinked scratch files: the digest records and the labels. */
export interface SpillFds {
  records: number;
  labels: number;
}

/** What a writer wrote, enough for a reader in another thread to find it: plain data. */
export interface SpillWritten {
  /** Per partition: the [byte offset, record count] of each of its blocks in the records file. */
  blocks: [number, number][][];
  keys: number;
}

/** Opens (and unlinks at once) scratch files for spills; `close()` frees them all. */
export class SpillFiles {
  readonly #dir = mkdtempSync(join(tmpdir(), 'flagless-spill-'));
  readonly #fds: number[] = [];
  #next = 0;

  open(): SpillFds {
    return { records: this.#file(), labels: this.#file() };
  }

  #file(): number {
    const path = join(this.#dir, String(this.#next++));
    const fd = openSync(path, 'w+', 0o600);
    this.#fds.push(fd);
    try {
      unlinkSync(path);
    } catch {
      // Not on every system: close() removes the folder then.
    }
    return fd;
  }

  close(): void {
    for (const fd of this.#fds.splice(0)) {
      try {
        closeSync(fd);
      } catch {
        // already closed
      }
    }
    rmSync(this.#dir, { recursive: true, force: true });
  }
}

export class DigestSpill {
  readonly #fds: SpillFds;
  /** Per partition, one block being filled, as bytes and as the u32 and f64 views records are written through. */
  readonly #buffers: Uint8Array[] = [];
  readonly #u32: Uint32Array[] = [];
  readonly #f64: Float64Array[] = [];
  readonly #used = new Uint16Array(PARTITIONS);
  readonly #blocks: [number, number][][] = [];
  #recordsEnd = 0;
  readonly #labels = Buffer.allocUnsafe(LABEL_BUFFER);
  #labelsUsed = 0;
  #labelsEnd = 0;
  #keys = 0;
  readonly #digest = new Uint32Array(2);

  constructor(fds: SpillFds) {
    this.#fds = fds;
    for (let p = 0; p < PARTITIONS; p++) {
      const block = new ArrayBuffer(BLOCK_RECORDS * RECORD_BYTES);
      this.#buffers.push(new Uint8Array(block));
      this.#u32.push(new Uint32Array(block));
      this.#f64.push(new Float64Array(block));
      this.#blocks.push([]);
    }
  }

  /** Records `key`, seen on `line`, with an optional label (given back for repeated keys). */
  add(key: string, line: number, label = ''): void {
    const digest = this.#digest;
    digest64Into(key, digest);
    const hi = digest[0]!;
    const p = hi >>> (32 - PARTITION_BITS);
    const r = this.#used[p]!;
    let labelAt = 0;
    let labelBytes = 0;
    if (label !== '') {
      labelAt = this.#labelsEnd + this.#labelsUsed;
      labelBytes = this.#label(label);
      if (labelBytes < 0) {
        // Too long for the buffer: written on its own, after what was buffered.
        labelBytes = -labelBytes;
        labelAt = this.#labelsEnd - labelBytes;
      }
    }
    // Native byte order: the files never leave this process.
    const u32 = this.#u32[p]!;
    u32[r * 6] = hi;
    u32[r * 6 + 1] = digest[1]!;
    u32[r * 6 + 2] = line >>> 0;
    u32[r * 6 + 3] = labelBytes;
    this.#f64[p]![r * 3 + 2] = labelAt;
    this.#keys++;
    if (++this.#used[p]! === BLOCK_RECORDS) this.#flushBlock(p);
  }

  /** Writes out what is buffered; the spill must not be added to afterwards. */
  finish(): SpillWritten {
    for (let p = 0; p < PARTITIONS; p++) if (this.#used[p]! > 0) this.#flushBlock(p);
    this.#flushLabels();
    return { blocks: this.#blocks, keys: this.#keys };
  }

  /**
   * Buffers `label` as UTF-8 and returns its length in bytes; a label too long for the buffer is
   * written at once and its length returned negated. ASCII is copied byte by byte (Buffer#write
   * costs more than the copy for strings this short; a fifth of assess's time per user went there).
   */
  #label(label: string): number {
    // At most 3 bytes of UTF-8 per UTF-16 unit.
    if (this.#labelsUsed + label.length * 3 > LABEL_BUFFER) {
      this.#flushLabels();
      if (label.length * 3 > LABEL_BUFFER) {
        const bytes = Buffer.from(label, 'utf8');
        writeAll(this.#fds.labels, bytes, this.#labelsEnd);
        this.#labelsEnd += bytes.length;
        return -bytes.length;
      }
    }
    const buffer = this.#labels;
    const start = this.#labelsUsed;
    let at = start;
    for (let i = 0; i < label.length; i++) {
      const c = label.charCodeAt(i);
      if (c >= 0x80) {
        at = start + buffer.write(label, start, 'utf8');
        break;
      }
      buffer[at++] = c;
    }
    this.#labelsUsed = at;
    return at - start;
  }

  #flushBlock(p: number): void {
    const count = this.#used[p]!;
    writeAll(this.#fds.records, this.#buffers[p]!.subarray(0, count * RECORD_BYTES), this.#recordsEnd);
    this.#blocks[p]!.push([this.#recordsEnd, count]);
    this.#recordsEnd += count * RECORD_BYTES;
    this.#used[p] = 0;
  }

  #flushLabels(): void {
    if (this.#labelsUsed === 0) return;
    writeAll(this.#fds.labels, this.#labels.subarray(0, this.#labelsUsed), this.#labelsEnd);
    this.#labelsEnd += this.#labelsUsed;
    this.#labelsUsed = 0;
  }
}

/** One spill to read: its files, what was written, and which part of the input it covers. */
export interface SpillToRead {
  fds: SpillFds;
  written: SpillWritten;
  part: number;
  /** Added to each record's line: the lines of the parts before this one. */
  lineOffset: number;
}

/** A holder of a repeated key. `label` is read lazily: most callers need it for a few groups only. */
export interface Holder {
  part: number;
  line: number;
  labelFd: number;
  labelAt: number;
  labelBytes: number;
}

/**
 * Calls `onRepeat` once per key held more than once across all spills, with its holders in
 * (part, line) order: the first holder first. Memory: one partition's records at a time.
 */
export function findRepeats(spills: readonly SpillToRead[], onRepeat: (holders: Holder[]) => void): void {
  // Parts in order and each part's blocks in order: records come in (part, line) order.
  const ordered = [...spills].sort((a, b) => a.part - b.part);
  const totals = new Array<number>(PARTITIONS).fill(0);
  for (const s of ordered) for (let p = 0; p < PARTITIONS; p++) for (const [, count] of s.written.blocks[p] ?? []) totals[p]! += count;
  // One set of buffers for the largest partition, reused for every one: dead typed arrays are
  // external memory V8 frees late, and a fresh set per partition piled up tens of MB.
  const largest = Math.max(0, ...totals);
  if (largest < 2) return;
  let maxCap = 16;
  while (maxCap < largest * 2) maxCap <<= 1;
  const block = new ArrayBuffer(largest * RECORD_BYTES);
  const data = new Uint8Array(block);
  const u32 = new Uint32Array(block);
  const f64 = new Float64Array(block);
  const spillOf = new Uint16Array(largest);
  const allSlots = new Int32Array(maxCap);
  for (let p = 0; p < PARTITIONS; p++) {
    const total = totals[p]!;
    if (total < 2) continue;
    let n = 0;
    for (let si = 0; si < ordered.length; si++) {
      const s = ordered[si]!;
      for (const [offset, count] of s.written.blocks[p] ?? []) {
        readAll(s.fds.records, data, n * RECORD_BYTES, count * RECORD_BYTES, offset);
        spillOf.fill(si, n, n + count);
        n += count;
      }
    }
    // Open addressing on the digest's low word (the high word chose the partition).
    let cap = 16;
    while (cap < total * 2) cap <<= 1;
    const slots = allSlots.subarray(0, cap).fill(-1);
    const mask = cap - 1;
    let repeats: Map<number, number[]> | undefined; // first record -> the later ones
    for (let r = 0; r < total; r++) {
      const hi = u32[r * 6]!;
      const lo = u32[r * 6 + 1]!;
      let slot = lo & mask;
      for (;;) {
        const first = slots[slot]!;
        if (first === -1) {
          slots[slot] = r;
          break;
        }
        if (u32[first * 6 + 1] === lo && u32[first * 6] === hi) {
          repeats ??= new Map();
          const later = repeats.get(first);
          if (later) later.push(r);
          else repeats.set(first, [r]);
          break;
        }
        slot = (slot + 1) & mask;
      }
    }
    if (!repeats) continue;
    const holder = (r: number): Holder => {
      const s = ordered[spillOf[r]!]!;
      return { part: s.part, line: u32[r * 6 + 2]! + s.lineOffset, labelBytes: u32[r * 6 + 3]!, labelAt: f64[r * 3 + 2]!, labelFd: s.fds.labels };
    };
    for (const [first, later] of repeats) onRepeat([holder(first), ...later.map(holder)]);
  }
}

/** A holder's label, as it was given to `add`. */
export function readLabel(h: Holder): string {
  if (h.labelBytes === 0) return '';
  const out = Buffer.allocUnsafe(h.labelBytes);
  readAll(h.labelFd, out, 0, h.labelBytes, h.labelAt);
  return out.toString('utf8');
}

function writeAll(fd: number, bytes: Uint8Array, position: number): void {
  let done = 0;
  while (done < bytes.length) done += writeSync(fd, bytes, done, bytes.length - done, position + done);
}

function readAll(fd: number, into: Uint8Array, offset: number, length: number, position: number): void {
  let got = 0;
  while (got < length) {
    const n = readSync(fd, into, offset + got, length - got, position + got);
    if (n === 0) throw new Error('digest-spill: a scratch file ended early');
    got += n;
  }
}
