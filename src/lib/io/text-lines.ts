/**
 * An export file line by line (NDJSON and the like), in constant memory, with the 1-based number
 * of each line as an editor shows it: every line counts, blank ones included, and a line ends at
 * `\n`, `\r\n` or a lone `\r` (as node:readline has it). Blank lines are not yielded.
 *
 * The lines come in batches, one per chunk read, so a reader pays one async hop per chunk rather
 * than one per line; lines are cut with `indexOf` (native), not a loop over every character. A
 * plain file is cut as bytes and each line decoded alone (no stream decoder turning whole chunks
 * into strings first); a gzipped one comes out of gunzip as text and is cut as text.
 */
import { FlaglessError } from '../../protocol/errors.js';
import type { ByteRange } from '../../protocol/source.js';
import { readPlainByteChunks, readTextChunks, unreadable, type ExportFile } from './export-file.js';

export interface TextLine {
  /** 1-based line number in the (decompressed) file. */
  line: number;
  text: string;
}

/** The non-blank lines of one chunk: `texts[i]` is line `lines[i]`. */
export interface TextLineBatch {
  texts: string[];
  lines: number[];
}

const BLANK = /^\s*$/;

/** Blank = empty or only whitespace; a line starting with a visible character is never blank. */
function isBlank(text: string): boolean {
  if (text.length === 0) return true;
  const c = text.charCodeAt(0);
  return (c <= 32 || c === 0xa0 || c === 0xfeff || c >= 0x1680) && BLANK.test(text);
}

export interface LineReadOptions {
  /**
   * Bytes [start, end) of a plain file, starting at a line: lines are numbered from 1 at `start`,
   * and a range that is not the whole file may be all blank (the other ranges may not be).
   */
  range?: ByteRange;
  /** Called at the end with the number of lines read, blank ones included. */
  onEnd?: (lines: number) => void;
  /** Bytes per read of a plain file (tests make it small, to put line ends at chunk edges). */
  chunkBytes?: number;
}

/**
 * Fails with E_INPUT_EMPTY at the end when every line of the file was blank; read errors name the
 * last line read.
 */
export async function* readTextLineBatches(file: ExportFile, options: LineReadOptions = {}): AsyncGenerator<TextLineBatch> {
  const range = options.range;
  const fromStart = !range || range.start === 0;
  const whole = fromStart && range?.end === undefined;
  const lines = new LineCollector(fromStart);
  try {
    // A plain file is cut into lines as bytes and each line decoded alone: no stream decoder, and
    // the next chunk is read while this one is cut. A gzipped one goes through gunzip as text.
    const batches = file.gzipped ? textBatches(readTextChunks(file, range), lines) : byteBatches(readPlainByteChunks(file, range, options.chunkBytes), lines);
    for await (const batch of batches) yield batch;
  } catch (e) {
    const cause = e instanceof FlaglessError && e.cause !== undefined ? e.cause : e;
    throw unreadable(file.path, file.what, cause, ` after line ${lines.line}${whole || !range ? '' : ` of the part from byte ${range.start}`}`);
  }
  options.onEnd?.(lines.line);
  if (lines.nonBlank === 0 && whole) throw new FlaglessError('E_INPUT_EMPTY', `the ${file.what} ${file.path} has nothing but blank lines.`);
}

/** Numbers lines as they are cut and keeps the non-blank ones of the current chunk. */
class LineCollector {
  line = 0;
  nonBlank = 0;
  texts: string[] = [];
  lines: number[] = [];
  readonly #fromStart: boolean;

  constructor(fromStart: boolean) {
    this.#fromStart = fromStart;
  }

  push(raw: string): void {
    this.line++;
    const text = this.line === 1 && this.#fromStart && raw.charCodeAt(0) === 0xfeff ? raw.slice(1) : raw;
    if (isBlank(text)) return;
    this.nonBlank++;
    this.texts.push(text);
    this.lines.push(this.line);
  }

  /** The lines collected since the last call, or undefined when there are none. */
  take(): TextLineBatch | undefined {
    if (this.texts.length === 0) return undefined;
    const batch = { texts: this.texts, lines: this.lines };
    this.texts = [];
    this.lines = [];
    return batch;
  }
}

const LF = 10;
const CR = 13;

/**
 * Lines cut from byte chunks. A line never splits a UTF-8 character at its ends (`\n` and `\r`
 * bytes occur in no other character), so each is decoded on its own; the part of a line that
 * runs into the next chunk is kept as bytes until its end is found.
 */
async function* byteBatches(chunks: AsyncGenerator<Buffer>, out: LineCollector): AsyncGenerator<TextLineBatch> {
  // The start of a line that runs on past its chunk, in pieces (one copy at its end, however long).
  const carry: Buffer[] = [];
  // A chunk that ends in `\r` may be half of a `\r\n`: the next chunk says.
  let afterCr = false;
  const push = (bytes: Buffer, from: number, to: number) => {
    if (carry.length === 0) out.push(bytes.toString('utf8', from, to));
    else {
      carry.push(bytes.subarray(from, to));
      out.push(Buffer.concat(carry.splice(0)).toString('utf8'));
    }
  };
  for await (const bytes of chunks) {
    let start = 0;
    if (afterCr && bytes[0] === LF) start = 1;
    afterCr = false;
    let nextCr = bytes.indexOf(CR, start);
    if (nextCr === -1) {
      // The common case: `\n` only.
      for (let nl = bytes.indexOf(LF, start); nl !== -1; nl = bytes.indexOf(LF, start)) {
        push(bytes, start, nl);
        start = nl + 1;
      }
    } else {
      let nextLf = bytes.indexOf(LF, start);
      for (;;) {
        if (nextCr === -1 && nextLf === -1) break;
        if (nextCr === -1 || (nextLf !== -1 && nextLf < nextCr)) {
          push(bytes, start, nextLf);
          start = nextLf + 1;
        } else {
          push(bytes, start, nextCr);
          if (nextCr + 1 === bytes.length) afterCr = true;
          start = bytes[nextCr + 1] === LF ? nextCr + 2 : nextCr + 1;
          nextCr = bytes.indexOf(CR, start);
        }
        if (nextLf !== -1 && nextLf < start) nextLf = bytes.indexOf(LF, start);
      }
    }
    // Copied: the chunk's buffer is reused for a later read.
    if (start < bytes.length) carry.push(Buffer.from(bytes.subarray(start)));
    const batch = out.take();
    if (batch) yield batch;
  }
  if (carry.length > 0) out.push(Buffer.concat(carry).toString('utf8'));
  const batch = out.take();
  if (batch) yield batch;
}

/** Lines cut from decoded text chunks (a gzipped file, through gunzip). */
async function* textBatches(chunks: AsyncGenerator<string>, out: LineCollector): AsyncGenerator<TextLineBatch> {
  let carry = '';
  let afterCr = false;
  for await (const chunk of chunks) {
    let start = 0;
    if (afterCr && chunk.charCodeAt(0) === LF) start = 1;
    afterCr = false;
    if (chunk.indexOf('\r', start) === -1) {
      for (let nl = chunk.indexOf('\n', start); nl !== -1; nl = chunk.indexOf('\n', start)) {
        out.push(carry === '' ? chunk.slice(start, nl) : carry + chunk.slice(start, nl));
        carry = '';
        start = nl + 1;
      }
    } else {
      for (let i = start; i < chunk.length; i++) {
        const c = chunk.charCodeAt(i);
        if (c !== LF && c !== CR) continue;
        out.push(carry + chunk.slice(start, i));
        carry = '';
        if (c === CR) {
          if (i + 1 < chunk.length) {
            if (chunk.charCodeAt(i + 1) === LF) i++;
          } else afterCr = true;
        }
        start = i + 1;
      }
    }
    carry += chunk.slice(start);
    const batch = out.take();
    if (batch) yield batch;
  }
  if (carry !== '') out.push(carry);
  const batch = out.take();
  if (batch) yield batch;
}

/** The same lines one by one, for readers where a line's work dwarfs the async hop. */
export async function* readTextLines(file: ExportFile): AsyncGenerator<TextLine> {
  for await (const { texts, lines } of readTextLineBatches(file)) {
    for (let i = 0; i < texts.length; i++) yield { line: lines[i]!, text: texts[i]! };
  }
}
