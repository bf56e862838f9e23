/**
 * A streaming scanner that pulls the elements of one array (or the values of an NDJSON stream)
 * out of a JSON text of any size, with the line each element starts on, in constant memory.
 *
 * Why not a streaming JSON parser from npm (stream-json, jsonparse)? Those stop at the first
 * syntax error and do not report lines. An export with one broken record must report that record
 * with its line and go on with the next one. This scanner only tracks structure (brackets,
 * strings, keys on the way down to the wanted array); each element's text is handed to
 * `JSON.parse`, so a malformed element costs that element only. When a malformed element breaks
 * the structure itself (an unterminated string, a missing brace), it resynchronises on the next
 * line that opens an element at the same indentation, which is how pretty-printed exports
 * (`firebase auth:export`, the AWS CLI) lay out array elements.
 *
 * Three modes share one state (json-scan-state.ts): structure (json-scan-structure.ts), capture
 * (json-scan-capture.ts) and resync (below). Vendor-free: every JSON source reader uses it.
 */
import { finishElement, scanCapture } from './json-scan-capture.js';
import { CLOSE_ARR, OPEN_OBJ, ScanState, type ScanEvent, type ScanOptions, type ScanStats } from './json-scan-state.js';
import { scanStructure } from './json-scan-structure.js';

export type { ScanEvent, ScanOptions, ScanStats } from './json-scan-state.js';

/** Incremental scanner: feed chunks with `push`, then call `end`; each returns events in order. */
export class JsonElementScanner {
  readonly #st: ScanState;

  constructor(options: ScanOptions) {
    this.#st = new ScanState(options);
  }

  get stats(): ScanStats {
    return this.#st.stats;
  }

  push(chunk: string): ScanEvent[] {
    const st = this.#st;
    st.events = [];
    st.partStart = 0;
    st.nextPos = { q: -2, b: -2, n: -2 };
    let i = 0;
    const n = chunk.length;
    while (i < n) {
      switch (st.mode) {
        case 'structure':
          i = scanStructure(st, chunk, i);
          break;
        case 'capture':
          i = scanCapture(st, chunk, i);
          break;
        case 'resync':
          i = scanResync(st, chunk, i);
          break;
        case 'dead':
          i = n;
          break;
      }
    }
    if (st.mode === 'capture') {
      st.keepPart(chunk, n);
      if (st.capturedChars > st.maxChars) {
        st.malformed(st.elementLine, `the element is larger than ${st.maxChars} characters`);
        st.beginResync();
      }
    }
    return st.events;
  }

  end(): ScanEvent[] {
    const st = this.#st;
    st.events = [];
    if (st.mode === 'capture') {
      if (st.capScalar && st.depth === 0 && !st.capInString) {
        finishElement(st);
      } else {
        st.malformed(st.elementLine, 'the element is not terminated: the file ends inside it (truncated export?)');
      }
    } else if (st.mode === 'structure' && (st.stack.length > 0 || st.inString || st.keyParts)) {
      st.events.push({ kind: 'malformed', line: st.line, element: false, message: 'the file ends before the JSON is closed (truncated export?)' });
    }
    st.mode = 'dead';
    return st.events;
  }
}

/** Resync mode: skip to the next line that opens an element at the known indentation. */
function scanResync(st: ScanState, s: string, start: number): number {
  const n = s.length;
  let i = start;
  while (i < n) {
    if (!st.lineBlank) {
      const nl = s.indexOf('\n', i);
      if (nl === -1) return n;
      st.line++;
      st.indent = 0;
      st.lineBlank = true;
      i = nl + 1;
      continue;
    }
    const c = s.charCodeAt(i);
    if (st.whitespace(c)) {
      i++;
      continue;
    }
    const ind = st.indent;
    const ri = st.resyncIndent;
    const rootLevel = st.stack.length === 0;
    if (rootLevel || (ind === ri && c === OPEN_OBJ) || (ind <= ri && c === CLOSE_ARR)) {
      st.mode = 'structure';
      return i; // structure mode sees the line start (lineBlank still true)
    }
    st.lineBlank = false;
  }
  return i;
}

/**
 * How much text is scanned at once. Every element found in it is parsed before the first is
 * handed on, and parsed values that wait while the consumer works through the others outlive
 * young-generation GC: a 1 MiB read would leave thousands of records a step as old garbage.
 */
const SCAN_SLICE_CHARS = 64 * 1024;

/** Runs the scanner over a stream of text chunks (a leading BOM is dropped). */
export async function* scanJsonElements(chunks: AsyncIterable<string>, options: ScanOptions, stats?: (s: ScanStats) => void): AsyncGenerator<ScanEvent> {
  const scanner = new JsonElementScanner(options);
  let first = true;
  for await (let chunk of chunks) {
    if (first) {
      if (chunk.charCodeAt(0) === 0xfeff) chunk = chunk.slice(1);
      first = false;
    }
    for (let at = 0; at < chunk.length; at += SCAN_SLICE_CHARS) yield* scanner.push(chunk.length <= SCAN_SLICE_CHARS ? chunk : chunk.slice(at, at + SCAN_SLICE_CHARS));
  }
  yield* scanner.end();
  stats?.(scanner.stats);
}
