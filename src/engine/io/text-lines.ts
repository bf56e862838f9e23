/**
 * An export file line by line (NDJSON and the like), in constant memory, with the 1-based number
 * of each line as an editor shows it: every line counts, blank ones included, and a line ends at
 * `\n`, `\r\n` or a lone `\r` (as node:readline has it). Blank lines are not yielded.
 *
 * The lines come in batches, one per chunk read, so a reader pays one async hop per chunk rather
 * than one per line; lines are cut with `indexOf` (native), not a loop over every character.
 */
import { FlaglessError } from '../../protocol/errors.js';
import type { ByteRange } from '../../protocol/source.js';
import { readTextChunks, unreadable, type ExportFile } from './export-file.js';

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
}

/**
 * Fails with E_INPUT_EMPTY at the end when every line of the file was blank; read errors name the
 * last line read.
 */
export async function* readTextLineBatches(file: ExportFile, options: LineReadOptions = {}): AsyncGenerator<TextLineBatch> {
  const range = options.range;
  const fromStart = !range || range.start === 0;
  const whole = fromStart && range?.end === undefined;
  let line = 0;
  let nonBlank = 0;
  let carry = '';
  // A chunk that ends in `\r` may be half of a `\r\n`: the next chunk says.
  let afterCr = false;
  let texts: string[] = [];
  let lines: number[] = [];
  const push = (raw: string) => {
    line++;
    const text = line === 1 && fromStart && raw.charCodeAt(0) === 0xfeff ? raw.slice(1) : raw;
    if (isBlank(text)) return;
    nonBlank++;
    texts.push(text);
    lines.push(line);
  };
  const chunks = readTextChunks(file, range);
  try {
    for await (const chunk of chunks) {
      let start = 0;
      if (afterCr && chunk.charCodeAt(0) === 10) start = 1;
      afterCr = false;
      if (chunk.indexOf('\r', start) === -1) {
        // The common case: `\n` only.
        for (let nl = chunk.indexOf('\n', start); nl !== -1; nl = chunk.indexOf('\n', start)) {
          push(carry === '' ? chunk.slice(start, nl) : carry + chunk.slice(start, nl));
          carry = '';
          start = nl + 1;
        }
      } else {
        for (let i = start; i < chunk.length; i++) {
          const c = chunk.charCodeAt(i);
          if (c !== 10 && c !== 13) continue;
          push(carry + chunk.slice(start, i));
          carry = '';
          if (c === 13) {
            if (i + 1 < chunk.length) {
              if (chunk.charCodeAt(i + 1) === 10) i++;
            } else afterCr = true;
          }
          start = i + 1;
        }
      }
      carry += chunk.slice(start);
      if (texts.length > 0) {
        yield { texts, lines };
        texts = [];
        lines = [];
      }
    }
  } catch (e) {
    const cause = e instanceof FlaglessError && e.cause !== undefined ? e.cause : e;
    throw unreadable(file.path, file.what, cause, ` after line ${line}${whole || !range ? '' : ` of the part from byte ${range.start}`}`);
  }
  if (carry !== '') push(carry);
  if (texts.length > 0) yield { texts, lines };
  options.onEnd?.(line);
  if (nonBlank === 0 && whole) throw new FlaglessError('E_INPUT_EMPTY', `the ${file.what} ${file.path} has nothing but blank lines.`);
}

/** The same lines one by one, for readers where a line's work dwarfs the async hop. */
export async function* readTextLines(file: ExportFile): AsyncGenerator<TextLine> {
  for await (const { texts, lines } of readTextLineBatches(file)) {
    for (let i = 0; i < texts.length; i++) yield { line: lines[i]!, text: texts[i]! };
  }
}
