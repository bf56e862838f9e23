/**
 * An export file line by line (NDJSON and the like), in constant memory, with the 1-based number
 * of each line as an editor shows it: every line counts, blank ones included, and a line ends at
 * `\n`, `\r\n` or a lone `\r` (as node:readline has it). Blank lines are not yielded.
 */
import { FlaglessError } from '../../protocol/errors.js';
import { readTextChunks, unreadable, type ExportFile } from './export-file.js';

export interface TextLine {
  /** 1-based line number in the (decompressed) file. */
  line: number;
  text: string;
}

const BLANK = /^\s*$/;

/** Fails with E_INPUT_EMPTY at the end when every line was blank; read errors name the last line read. */
export async function* readTextLines(file: ExportFile): AsyncGenerator<TextLine> {
  let line = 0;
  let nonBlank = 0;
  let carry = '';
  // A chunk that ends in `\r` may be half of a `\r\n`: the next chunk says.
  let afterCr = false;
  const chunks = readTextChunks(file);
  try {
    for await (const chunk of chunks) {
      let start = 0;
      if (afterCr && chunk.charCodeAt(0) === 10) start = 1;
      afterCr = false;
      for (let i = start; i < chunk.length; i++) {
        const c = chunk.charCodeAt(i);
        if (c !== 10 && c !== 13) continue;
        let text = carry + chunk.slice(start, i);
        carry = '';
        if (c === 13) {
          if (i + 1 < chunk.length) {
            if (chunk.charCodeAt(i + 1) === 10) i++;
          } else afterCr = true;
        }
        start = i + 1;
        line++;
        if (line === 1 && text.charCodeAt(0) === 0xfeff) text = text.slice(1);
        if (BLANK.test(text)) continue;
        nonBlank++;
        yield { line, text };
      }
      carry += chunk.slice(start);
    }
  } catch (e) {
    const cause = e instanceof FlaglessError && e.cause !== undefined ? e.cause : e;
    throw unreadable(file.path, file.what, cause, ` after line ${line}`);
  }
  if (carry !== '') {
    line++;
    const text = line === 1 && carry.charCodeAt(0) === 0xfeff ? carry.slice(1) : carry;
    if (!BLANK.test(text)) {
      nonBlank++;
      yield { line, text };
    }
  }
  if (nonBlank === 0) throw new FlaglessError('E_INPUT_EMPTY', `the ${file.what} ${file.path} has nothing but blank lines.`);
}
