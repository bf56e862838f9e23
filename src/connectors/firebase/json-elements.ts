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
 * Vendor-free: Firebase and Cognito both use it.
 */

export type ScanEvent =
  | { kind: 'element'; value: unknown; line: number; path: string }
  /** `element`: one element was lost and reading goes on; otherwise the structure around elements broke. */
  | { kind: 'malformed'; message: string; line: number; element: boolean };

export interface ScanOptions {
  /**
   * Which positions hold the elements to yield. A path is built from `.key` for an object member
   * and `[]` for an array item, from the root: `.users[]` is every item of the root's `users`
   * array; `` (empty) is a root value (NDJSON: every line).
   */
  match: (path: string) => boolean;
  /** An element longer than this is reported and skipped: it bounds memory. Default 16 MiB. */
  maxElementChars?: number;
}

export interface ScanStats {
  /** Root values seen (1 for a JSON document, one per line for NDJSON). */
  rootValues: number;
  /** Paths of every array opened outside captured elements (small: structure only). */
  arrays: Set<string>;
  elements: number;
}

type Frame =
  | { kind: 'obj'; path: string; state: 'key' | 'colon' | 'value' | 'comma'; key: string }
  | { kind: 'arr'; path: string; state: 'value' | 'comma' };

const WS_SPACE = 32;
const WS_TAB = 9;
const WS_CR = 13;
const NL = 10;
const QUOTE = 34;
const BACKSLASH = 92;
const COMMA = 44;
const COLON = 58;
const OPEN_OBJ = 123;
const CLOSE_OBJ = 125;
const OPEN_ARR = 91;
const CLOSE_ARR = 93;

function isWs(c: number): boolean {
  return c === WS_SPACE || c === NL || c === WS_TAB || c === WS_CR;
}

function isLiteralChar(c: number): boolean {
  // letters, digits, '+', '-', '.': numbers, true, false, null
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 43 || c === 45 || c === 46;
}

/** Incremental scanner: feed chunks with `push`, then call `end`; each returns events in order. */
export class JsonElementScanner {
  readonly stats: ScanStats = { rootValues: 0, arrays: new Set(), elements: 0 };
  readonly #match: (path: string) => boolean;
  readonly #maxChars: number;

  #stack: Frame[] = [];
  #line = 1;
  /** Indentation of the current line while only whitespace has been seen on it, else -1. */
  #indent = 0;
  #lineBlank = true;
  #mode: 'structure' | 'capture' | 'resync' | 'dead' = 'structure';

  // Structure-mode token state (a key or a skipped string/literal may span chunks).
  #inString = false;
  #stringEscape = false;
  #keyParts: string[] | null = null;
  #inLiteral = false;

  // Capture state.
  #parts: string[] = [];
  #partStart = 0;
  #capturedChars = 0;
  #depth = 0;
  #openers: number[] = [];
  #capInString = false;
  #capEscape = false;
  #capScalar = false;
  #elementLine = 0;
  #elementPath = '';
  /** Indentation of the element's opening line when it opened a line, else -1 (minified). */
  #elementIndent = -1;
  /** Indentation elements of the current array opened at: where to resynchronise. */
  #resyncIndent = -1;

  #events: ScanEvent[] = [];
  /**
   * Next positions of a quote, a backslash and a newline in the current chunk (-1: none left,
   * -2: not searched yet). The capture loop only moves forward, so each is searched once per
   * occurrence: linear time even for a minified export that is one long line.
   */
  #nextPos = { q: -2, b: -2, n: -2 };

  constructor(options: ScanOptions) {
    this.#match = options.match;
    this.#maxChars = options.maxElementChars ?? 16 * 1024 * 1024;
  }

  push(chunk: string): ScanEvent[] {
    this.#events = [];
    this.#partStart = 0;
    this.#nextPos = { q: -2, b: -2, n: -2 };
    let i = 0;
    const n = chunk.length;
    while (i < n) {
      switch (this.#mode) {
        case 'structure':
          i = this.#structure(chunk, i);
          break;
        case 'capture':
          i = this.#capture(chunk, i);
          break;
        case 'resync':
          i = this.#resync(chunk, i);
          break;
        case 'dead':
          i = n;
          break;
      }
    }
    if (this.#mode === 'capture') {
      this.#keepPart(chunk, n);
      if (this.#capturedChars > this.#maxChars) {
        this.#malformed(this.#elementLine, `the element is larger than ${this.#maxChars} characters`);
        this.#beginResync();
      }
    }
    return this.#events;
  }

  end(): ScanEvent[] {
    this.#events = [];
    if (this.#mode === 'capture') {
      if (this.#capScalar && this.#depth === 0 && !this.#capInString) {
        this.#finishElement();
      } else {
        this.#malformed(this.#elementLine, 'the element is not terminated: the file ends inside it (truncated export?)');
      }
    } else if (this.#mode === 'structure' && (this.#stack.length > 0 || this.#inString || this.#keyParts)) {
      this.#events.push({ kind: 'malformed', line: this.#line, element: false, message: 'the file ends before the JSON is closed (truncated export?)' });
    }
    this.#mode = 'dead';
    return this.#events;
  }

  // ---- structure mode: walk containers and keys until a wanted element starts ----

  #structure(s: string, start: number): number {
    let i = start;
    const n = s.length;
    while (i < n) {
      if (this.#inString) {
        i = this.#skipString(s, i);
        if (this.#mode !== 'structure') return i;
        continue;
      }
      if (this.#inLiteral) {
        while (i < n && isLiteralChar(s.charCodeAt(i))) i++;
        if (i < n) {
          this.#inLiteral = false;
          this.#valueDone();
        }
        continue;
      }
      const c = s.charCodeAt(i);
      if (c === NL) {
        this.#line++;
        this.#indent = 0;
        this.#lineBlank = true;
        i++;
        continue;
      }
      if (c === WS_SPACE || c === WS_TAB) {
        if (this.#lineBlank) this.#indent++;
        i++;
        continue;
      }
      if (c === WS_CR) {
        i++;
        continue;
      }
      const lineStartIndent = this.#lineBlank ? this.#indent : -1;
      this.#lineBlank = false;
      const top = this.#stack[this.#stack.length - 1];
      // Where are we, and what may come next?
      if (top && top.kind === 'obj' && top.state === 'key') {
        if (c === QUOTE) {
          this.#keyParts = [];
          this.#inString = true;
          i++;
          continue;
        }
        if (c === CLOSE_OBJ) {
          this.#stack.pop();
          this.#valueDone();
          i++;
          continue;
        }
        return this.#structureError(s, i, 'expected a key or "}"');
      }
      if (top && top.kind === 'obj' && top.state === 'colon') {
        if (c === COLON) {
          top.state = 'value';
          i++;
          continue;
        }
        return this.#structureError(s, i, 'expected ":"');
      }
      if (top && top.state === 'comma') {
        if (c === COMMA) {
          top.state = top.kind === 'obj' ? 'key' : 'value';
          i++;
          continue;
        }
        if ((c === CLOSE_OBJ && top.kind === 'obj') || (c === CLOSE_ARR && top.kind === 'arr')) {
          this.#stack.pop();
          this.#valueDone();
          i++;
          continue;
        }
        return this.#structureError(s, i, top.kind === 'obj' ? 'expected "," or "}"' : 'expected "," or "]"');
      }
      // A value is expected here (root, object member value, or array item).
      if (top && top.kind === 'arr' && c === CLOSE_ARR) {
        // Empty array (or a trailing comma, which we forgive).
        this.#stack.pop();
        this.#valueDone();
        i++;
        continue;
      }
      const path = top === undefined ? '' : top.kind === 'obj' ? `${top.path}.${top.key}` : `${top.path}[]`;
      if (top === undefined) this.stats.rootValues++;
      if (this.#match(path)) {
        if (top && top.kind === 'arr') this.#resyncIndent = lineStartIndent;
        this.#elementPath = path;
        this.#startCapture(s, i, c, lineStartIndent);
        return i + 1;
      }
      if (c === OPEN_OBJ) {
        this.#stack.push({ kind: 'obj', path, state: 'key', key: '' });
        i++;
        continue;
      }
      if (c === OPEN_ARR) {
        this.stats.arrays.add(path);
        this.#stack.push({ kind: 'arr', path, state: 'value' });
        this.#resyncIndent = -1;
        i++;
        continue;
      }
      if (c === QUOTE) {
        this.#keyParts = null;
        this.#inString = true;
        i++;
        continue;
      }
      if (isLiteralChar(c)) {
        this.#inLiteral = true;
        continue;
      }
      return this.#structureError(s, i, `unexpected character ${JSON.stringify(s[i])}`);
    }
    return i;
  }

  /** Inside a string in structure mode (a key being collected, or a value being skipped). */
  #skipString(s: string, start: number): number {
    const n = s.length;
    let i = start;
    while (i < n) {
      const c = s.charCodeAt(i);
      if (this.#stringEscape) {
        this.#stringEscape = false;
        i++;
        continue;
      }
      if (c === BACKSLASH) {
        this.#stringEscape = true;
        i++;
        continue;
      }
      if (c === NL) return this.#structureError(s, i, 'a string is not terminated on its line');
      if (c === QUOTE) {
        if (this.#keyParts) this.#keyParts.push(s.slice(start, i));
        this.#inString = false;
        this.#stringDone();
        return i + 1;
      }
      i++;
    }
    if (this.#keyParts) this.#keyParts.push(s.slice(start, n));
    return n;
  }

  #stringDone(): void {
    const top = this.#stack[this.#stack.length - 1];
    if (this.#keyParts && top && top.kind === 'obj' && top.state === 'key') {
      const raw = this.#keyParts.join('');
      this.#keyParts = null;
      let key = raw;
      if (raw.includes('\\')) {
        try {
          key = JSON.parse(`"${raw}"`) as string;
        } catch {
          key = raw;
        }
      }
      top.key = key;
      top.state = 'colon';
      return;
    }
    this.#keyParts = null;
    this.#valueDone();
  }

  /** A value finished in structure mode: its container now expects a separator. */
  #valueDone(): void {
    const top = this.#stack[this.#stack.length - 1];
    if (top) top.state = 'comma';
  }

  #structureError(s: string, i: number, message: string): number {
    const event: ScanEvent = { kind: 'malformed', line: this.#line, element: false, message: `invalid JSON: ${message}` };
    this.#events.push(event);
    this.#inString = false;
    this.#inLiteral = false;
    this.#keyParts = null;
    this.#beginResync();
    if (this.#mode === 'dead') event.message += '; the rest of the file cannot be read';
    return this.#mode === 'dead' ? s.length : i;
  }

  // ---- capture mode: collect one element's text, tracking only brackets and strings ----

  #startCapture(s: string, i: number, c: number, lineStartIndent: number): void {
    this.#mode = 'capture';
    this.#parts = [];
    this.#partStart = i;
    this.#capturedChars = 0;
    this.#elementLine = this.#line;
    this.#elementIndent = lineStartIndent;
    this.#capInString = false;
    this.#capEscape = false;
    this.#capScalar = false;
    this.#openers = [];
    if (c === OPEN_OBJ || c === OPEN_ARR) {
      this.#depth = 1;
      this.#openers.push(c);
    } else if (c === QUOTE) {
      this.#depth = 0;
      this.#capInString = true;
    } else {
      this.#depth = 0;
      this.#capScalar = true;
    }
  }

  #capture(s: string, start: number): number {
    const n = s.length;
    let i = start;
    while (i < n) {
      if (this.#capInString) {
        if (this.#capEscape) {
          this.#capEscape = false;
          i++;
          continue;
        }
        // Jump to the next quote or backslash; a raw newline inside a string is malformed JSON.
        const q = this.#next(s, i, 'q');
        const b = this.#next(s, i, 'b');
        if (b !== -1 && (q === -1 || b < q)) {
          if (b + 1 >= n) {
            this.#capEscape = true;
            i = n;
          } else {
            i = b + 2;
          }
          continue;
        }
        const end = q === -1 ? n : q;
        const nl = this.#next(s, i, 'n');
        if (nl !== -1 && nl < end) {
          this.#keepPart(s, nl);
          this.#malformed(this.#elementLine, 'a string in this element is not terminated on its line');
          this.#beginResync();
          return nl;
        }
        if (q === -1) return n;
        i = q + 1;
        this.#capInString = false;
        if (this.#depth === 0) {
          // A captured string value (not an object or array): done.
          this.#keepPart(s, i);
          this.#finishElement();
          return i;
        }
        continue;
      }
      const c = s.charCodeAt(i);
      if (this.#capScalar) {
        if (isLiteralChar(c)) {
          i++;
          continue;
        }
        this.#keepPart(s, i);
        this.#finishElement();
        return i;
      }
      if (c === NL) {
        this.#line++;
        this.#indent = 0;
        this.#lineBlank = true;
        i++;
        continue;
      }
      if (c === WS_SPACE || c === WS_TAB) {
        if (this.#lineBlank) this.#indent++;
        i++;
        continue;
      }
      if (c === WS_CR) {
        i++;
        continue;
      }
      if (this.#lineBlank) {
        this.#lineBlank = false;
        // Pretty-printed exports open each element at one indentation. A line at that indentation
        // that opens another element, or closes the array, means this element never closed.
        const ind = this.#indent;
        const ei = this.#elementIndent;
        if (ei >= 0 && ((ind === ei && c === OPEN_OBJ) || (ind <= ei && c === CLOSE_ARR))) {
          this.#keepPart(s, i);
          this.#malformed(this.#elementLine, 'the element is not terminated (a closing bracket is missing)');
          this.#mode = 'structure';
          const top = this.#stack[this.#stack.length - 1];
          if (top && top.kind === 'arr') top.state = 'value';
          this.#lineBlank = true; // let structure mode see this line start again
          return i;
        }
      }
      if (c === QUOTE) {
        this.#capInString = true;
        i++;
        continue;
      }
      if (c === OPEN_OBJ || c === OPEN_ARR) {
        this.#depth++;
        this.#openers.push(c);
        i++;
        continue;
      }
      if (c === CLOSE_OBJ || c === CLOSE_ARR) {
        const opener = this.#openers.pop();
        if ((c === CLOSE_OBJ && opener !== OPEN_OBJ) || (c === CLOSE_ARR && opener !== OPEN_ARR)) {
          this.#keepPart(s, i);
          this.#malformed(this.#elementLine, 'brackets in this element do not match');
          this.#beginResync();
          return i + 1;
        }
        this.#depth--;
        i++;
        if (this.#depth === 0) {
          this.#keepPart(s, i);
          this.#finishElement();
          return i;
        }
        continue;
      }
      i++;
    }
    return i;
  }

  #next(s: string, from: number, which: 'q' | 'b' | 'n'): number {
    const known = this.#nextPos[which];
    if (known === -1 || (known >= from && known !== -2)) return known;
    const found = s.indexOf(which === 'q' ? '"' : which === 'b' ? '\\' : '\n', from);
    this.#nextPos[which] = found;
    return found;
  }

  /** Appends the current chunk's captured text up to `end` to the element being collected. */
  #keepPart(s: string, end: number): void {
    if (end > this.#partStart) {
      this.#parts.push(s.slice(this.#partStart, end));
      this.#capturedChars += end - this.#partStart;
    }
    this.#partStart = end;
  }

  #finishElement(): void {
    const text = this.#parts.join('');
    this.#parts = [];
    this.#mode = 'structure';
    this.#valueDone();
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (e) {
      this.#events.push({ kind: 'malformed', element: true, ...describeParseError(e, text, this.#elementLine) });
      return;
    }
    this.stats.elements++;
    this.#events.push({ kind: 'element', value, line: this.#elementLine, path: this.#elementPath });
  }

  #malformed(line: number, message: string): void {
    this.#parts = [];
    this.#events.push({ kind: 'malformed', line, element: true, message });
  }

  // ---- resync: skip to the next line that opens an element at the known indentation ----

  /**
   * After a broken element: inside an array whose elements opened lines at a known indentation,
   * or between NDJSON root values, skip to the next line that can start an element. Anywhere
   * else the structure is lost and the rest of the file is ignored (one problem was reported).
   */
  #beginResync(): void {
    this.#parts = [];
    const top = this.#stack[this.#stack.length - 1];
    if (top === undefined || (this.#resyncIndent >= 0 && top.kind === 'arr')) {
      if (top) top.state = 'value';
      this.#mode = 'resync';
      this.#lineBlank = false; // the current line is broken: start from the next one
      return;
    }
    this.#mode = 'dead';
  }

  #resync(s: string, start: number): number {
    const n = s.length;
    let i = start;
    while (i < n) {
      if (!this.#lineBlank) {
        const nl = s.indexOf('\n', i);
        if (nl === -1) return n;
        this.#line++;
        this.#indent = 0;
        this.#lineBlank = true;
        i = nl + 1;
        continue;
      }
      const c = s.charCodeAt(i);
      if (c === WS_SPACE || c === WS_TAB) {
        this.#indent++;
        i++;
        continue;
      }
      if (c === WS_CR) {
        i++;
        continue;
      }
      if (c === NL) {
        this.#line++;
        this.#indent = 0;
        i++;
        continue;
      }
      const ind = this.#indent;
      const ri = this.#resyncIndent;
      const rootLevel = this.#stack.length === 0;
      if (rootLevel || (ind === ri && c === OPEN_OBJ) || (ind <= ri && c === CLOSE_ARR)) {
        this.#mode = 'structure';
        return i; // structure mode sees the line start (lineBlank still true)
      }
      this.#lineBlank = false;
    }
    return i;
  }
}

/**
 * Says what `JSON.parse` disliked and on which line, without quoting the element: V8's message
 * shows the text around the error, which may be a password hash.
 */
function describeParseError(e: unknown, text: string, firstLine: number): { line: number; message: string } {
  const raw = e instanceof Error ? e.message : '';
  let line = firstLine;
  const at = /position (\d+)/.exec(raw);
  if (at) {
    const pos = Math.min(Number(at[1]), text.length);
    for (let k = text.indexOf('\n'); k !== -1 && k < pos; k = text.indexOf('\n', k + 1)) line++;
  }
  const head = raw.split(/,| in JSON| is not valid JSON/)[0]?.trim() ?? '';
  const what = head && !head.includes('"') && head.length < 80 ? head : 'syntax error';
  return { line, message: `invalid JSON in the record starting on line ${firstLine}: ${what}` };
}

/** Runs the scanner over a stream of text chunks. */
export async function* scanJsonElements(chunks: AsyncIterable<string>, options: ScanOptions, stats?: (s: ScanStats) => void): AsyncGenerator<ScanEvent> {
  const scanner = new JsonElementScanner(options);
  let first = true;
  for await (let chunk of chunks) {
    if (first) {
      if (chunk.charCodeAt(0) === 0xfeff) chunk = chunk.slice(1);
      first = false;
    }
    yield* scanner.push(chunk);
  }
  yield* scanner.end();
  stats?.(scanner.stats);
}
