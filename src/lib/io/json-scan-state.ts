/**
 * The state the streaming JSON element scanner's three modes share (see json-element-scanner.ts
 * for what the scanner does and why). Each mode is a set of functions over this state, in its own
 * file: structure (json-scan-structure.ts), capture (json-scan-capture.ts) and resync.
 */

export type ScanEvent =
  /** `text`: the element's own source text when `keepText` was asked for, else ''. */
  | { kind: 'element'; value: unknown; text: string; line: number; path: string }
  /**
   * `element`: one element was lost and reading goes on, `path` says where it stood, and `intact`
   * whether its extent was whole (brackets matched) with only its text refused by JSON.parse.
   * Otherwise (`element` false) the structure around elements broke.
   */
  | { kind: 'malformed'; message: string; line: number; element: boolean; path?: string; intact?: boolean };

export interface ScanOptions {
  /**
   * Which positions hold the elements to yield. A path is built from `.key` for an object member
   * and `[]` for an array item, from the root: `.users[]` is every item of the root's `users`
   * array; `` (empty) is a root value (NDJSON: every line).
   */
  match: (path: string) => boolean;
  /** An element longer than this is reported and skipped: it bounds memory. Default 16 MiB. */
  maxElementChars?: number;
  /**
   * Hand each element's source text over with its value (a reader that stores records as text).
   * Off by default: text held until the consumer reaches its event outlives young-generation GC,
   * and a million elements' worth of it would pile up as old garbage.
   */
  keepText?: boolean;
}

export interface ScanStats {
  /** Root values seen (1 for a JSON document, one per line for NDJSON). */
  rootValues: number;
  /** Paths of every array opened outside captured elements (small: structure only). */
  arrays: Set<string>;
  elements: number;
}

export type Frame =
  | { kind: 'obj'; path: string; state: 'key' | 'colon' | 'value' | 'comma'; key: string }
  | { kind: 'arr'; path: string; state: 'value' | 'comma' };

export const NL = 10;
export const WS_SPACE = 32;
export const WS_TAB = 9;
export const WS_CR = 13;
export const QUOTE = 34;
export const BACKSLASH = 92;
export const COMMA = 44;
export const COLON = 58;
export const OPEN_OBJ = 123;
export const CLOSE_OBJ = 125;
export const OPEN_ARR = 91;
export const CLOSE_ARR = 93;

export function isLiteralChar(c: number): boolean {
  // letters, digits, '+', '-', '.': numbers, true, false, null
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 43 || c === 45 || c === 46;
}

export class ScanState {
  readonly stats: ScanStats = { rootValues: 0, arrays: new Set(), elements: 0 };
  readonly match: (path: string) => boolean;
  readonly maxChars: number;
  readonly keepText: boolean;

  stack: Frame[] = [];
  line = 1;
  /** Indentation of the current line while only whitespace has been seen on it. */
  indent = 0;
  lineBlank = true;
  mode: 'structure' | 'capture' | 'resync' | 'dead' = 'structure';

  // Structure-mode token state (a key or a skipped string/literal may span chunks).
  inString = false;
  stringEscape = false;
  keyParts: string[] | null = null;
  inLiteral = false;

  // Capture state.
  parts: string[] = [];
  partStart = 0;
  capturedChars = 0;
  depth = 0;
  openers: number[] = [];
  capInString = false;
  capEscape = false;
  capScalar = false;
  elementLine = 0;
  elementPath = '';
  /** Indentation of the element's opening line when it opened a line, else -1 (minified). */
  elementIndent = -1;
  /** Indentation elements of the current array opened at: where to resynchronise. */
  resyncIndent = -1;

  events: ScanEvent[] = [];
  /**
   * Next positions of a quote, a backslash and a newline in the current chunk (-1: none left,
   * -2: not searched yet). The capture loop only moves forward, so each is searched once per
   * occurrence: linear time even for a minified export that is one long line.
   */
  nextPos = { q: -2, b: -2, n: -2 };

  constructor(options: ScanOptions) {
    this.match = options.match;
    this.maxChars = options.maxElementChars ?? 16 * 1024 * 1024;
    this.keepText = options.keepText === true;
  }

  top(): Frame | undefined {
    return this.stack[this.stack.length - 1];
  }

  /** Newlines, spaces, tabs and CRs, keeping the line and its indentation; false for anything else. */
  whitespace(c: number): boolean {
    if (c === NL) {
      this.line++;
      this.indent = 0;
      this.lineBlank = true;
      return true;
    }
    if (c === WS_SPACE || c === WS_TAB) {
      if (this.lineBlank) this.indent++;
      return true;
    }
    return c === WS_CR;
  }

  /** A value finished in structure mode: its container now expects a separator. */
  valueDone(): void {
    const top = this.top();
    if (top) top.state = 'comma';
  }

  /** Appends the current chunk's captured text up to `end` to the element being collected. */
  keepPart(s: string, end: number): void {
    if (end > this.partStart) {
      this.parts.push(s.slice(this.partStart, end));
      this.capturedChars += end - this.partStart;
    }
    this.partStart = end;
  }

  /** The element being captured is lost: its structure broke (or it is too large). */
  malformed(line: number, message: string): void {
    this.parts = [];
    this.events.push({ kind: 'malformed', line, element: true, path: this.elementPath, intact: false, message });
  }

  /**
   * After a broken element: inside an array whose elements opened lines at a known indentation,
   * or between NDJSON root values, skip to the next line that can start an element. Anywhere
   * else the structure is lost and the rest of the file is ignored (one problem was reported).
   */
  beginResync(): void {
    this.parts = [];
    const top = this.top();
    if (top === undefined || (this.resyncIndent >= 0 && top.kind === 'arr')) {
      if (top) top.state = 'value';
      this.mode = 'resync';
      this.lineBlank = false; // the current line is broken: start from the next one
      return;
    }
    this.mode = 'dead';
  }
}
