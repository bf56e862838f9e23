import { createReadStream } from 'node:fs';
import { FlaglessError } from '../../protocol/errors.js';

/** One element of a top-level array, as text, with the line it starts on. */
export interface JsonElement {
  section: string;
  index: number;
  line: number;
  text: string;
}

const WS = new Set([0x20, 0x09, 0x0a, 0x0d]);

type State = 'start' | 'key-or-end' | 'key' | 'colon' | 'value' | 'after-value' | 'elem-or-end' | 'elem' | 'after-elem' | 'done';

/**
 * Streams the elements of the arrays under chosen top-level keys of a JSON document
 * (`{"users":[...],"memberships":[...]}`, or a bare top-level array), whatever its layout, so a
 * large API dump is never held whole: each element is cut out as text for JSON.parse. Other keys'
 * values are skipped. Not a validator: an element's inside is left to JSON.parse.
 */
export class JsonSectionScanner {
  #buf = '';
  #pos = 0;
  #line = 1;
  #state: State = 'start';
  #key = '';
  #section = '';
  #index = 0;
  #topArray = false;

  constructor(
    private readonly sections: ReadonlySet<string>,
    private readonly file: string,
    /** The section a bare top-level array belongs to. */
    private readonly arraySection = 'users',
  ) {}

  /** Feeds a chunk; returns the elements it completed. */
  push(chunk: string): JsonElement[] {
    this.#buf = this.#buf.slice(this.#pos) + chunk;
    this.#pos = 0;
    const out: JsonElement[] = [];
    this.#run(out, false);
    return out;
  }

  /** Ends the input: the document must be complete. */
  end(): JsonElement[] {
    const out: JsonElement[] = [];
    this.#run(out, true);
    if (this.#state !== 'done') this.#fail('the document ends early');
    return out;
  }

  #fail(what: string): never {
    throw new FlaglessError('E_SOURCE_PARSE', `${this.file} line ${this.#line}: not valid JSON (${what}).`);
  }

  #run(out: JsonElement[], final: boolean): void {
    const b = this.#buf;
    for (;;) {
      while (this.#pos < b.length && WS.has(b.charCodeAt(this.#pos))) {
        if (b.charCodeAt(this.#pos) === 0x0a) this.#line++;
        this.#pos++;
      }
      if (this.#pos >= b.length) return;
      const c = b[this.#pos]!;
      switch (this.#state) {
        case 'start':
          if (c === '\uFEFF') {
            this.#pos++;
            continue;
          }
          if (c === '{') this.#state = 'key-or-end';
          else if (c === '[') {
            this.#topArray = true;
            this.#section = this.arraySection;
            this.#state = 'elem-or-end';
          } else this.#fail('it does not start with { or [');
          this.#pos++;
          continue;
        case 'key-or-end':
        case 'key': {
          if (c === '}' && this.#state === 'key-or-end') {
            this.#pos++;
            this.#state = 'done';
            continue;
          }
          if (c !== '"') this.#fail('a key was expected');
          const end = valueEnd(b, this.#pos);
          if (end < 0) return this.#incomplete(final);
          this.#key = JSON.parse(b.slice(this.#pos, end)) as string;
          this.#pos = end;
          this.#state = 'colon';
          continue;
        }
        case 'colon':
          if (c !== ':') this.#fail('a colon was expected');
          this.#pos++;
          this.#state = 'value';
          continue;
        case 'value': {
          if (c === '[' && this.sections.has(this.#key)) {
            this.#section = this.#key === 'data' ? this.arraySection : this.#key;
            this.#index = 0;
            this.#pos++;
            this.#state = 'elem-or-end';
            continue;
          }
          const end = valueEnd(b, this.#pos);
          if (end < 0) return this.#incomplete(final);
          this.#countLines(this.#pos, end);
          this.#pos = end;
          this.#state = 'after-value';
          continue;
        }
        case 'after-value':
          if (c === ',') this.#state = 'key';
          else if (c === '}') this.#state = 'done';
          else this.#fail('a comma or } was expected');
          this.#pos++;
          continue;
        case 'elem-or-end':
        case 'elem': {
          if (c === ']' && this.#state === 'elem-or-end') {
            this.#pos++;
            this.#state = this.#topArray ? 'done' : 'after-value';
            continue;
          }
          const end = valueEnd(b, this.#pos);
          if (end < 0) return this.#incomplete(final);
          const line = this.#line;
          this.#countLines(this.#pos, end);
          out.push({ section: this.#section, index: this.#index++, line, text: b.slice(this.#pos, end) });
          this.#pos = end;
          this.#state = 'after-elem';
          continue;
        }
        case 'after-elem':
          if (c === ',') this.#state = 'elem';
          else if (c === ']') this.#state = this.#topArray ? 'done' : 'after-value';
          else this.#fail('a comma or ] was expected');
          this.#pos++;
          continue;
        case 'done':
          this.#fail('there is text after the end of the document');
      }
    }
  }

  #incomplete(final: boolean): void {
    if (final) this.#fail('a value is not closed');
  }

  #countLines(from: number, to: number): void {
    for (let i = this.#buf.indexOf('\n', from); i !== -1 && i < to; i = this.#buf.indexOf('\n', i + 1)) this.#line++;
  }
}

/**
 * The index just after the JSON value starting at `pos`, or -1 when the text ends first.
 * Strings are skipped with their escapes; objects and arrays by depth.
 */
function valueEnd(s: string, pos: number): number {
  const c = s.charCodeAt(pos);
  if (c === 0x22) return stringEnd(s, pos);
  if (c === 0x7b || c === 0x5b) {
    let depth = 0;
    for (let i = pos; i < s.length; i++) {
      const d = s.charCodeAt(i);
      if (d === 0x22) {
        const e = stringEnd(s, i);
        if (e < 0) return -1;
        i = e - 1;
      } else if (d === 0x7b || d === 0x5b) depth++;
      else if (d === 0x7d || d === 0x5d) {
        depth--;
        if (depth === 0) return i + 1;
      }
    }
    return -1;
  }
  // A number, true, false or null: up to the next delimiter.
  for (let i = pos; i < s.length; i++) {
    const d = s.charCodeAt(i);
    if (d === 0x2c || d === 0x5d || d === 0x7d || WS.has(d)) return i;
  }
  return -1;
}

function stringEnd(s: string, pos: number): number {
  for (let i = pos + 1; i < s.length; i++) {
    const d = s.charCodeAt(i);
    if (d === 0x5c) i++;
    else if (d === 0x22) return i + 1;
  }
  return -1;
}

/** Streams a JSON file's chosen sections, a chunk of elements at a time. */
export async function* readJsonSections(path: string, sections: ReadonlySet<string>, arraySection = 'users'): AsyncGenerator<JsonElement[]> {
  const scanner = new JsonSectionScanner(sections, path, arraySection);
  const stream = createReadStream(path, { encoding: 'utf8', highWaterMark: 256 * 1024 });
  try {
    for await (const chunk of stream) {
      const elements = scanner.push(chunk as string);
      if (elements.length > 0) yield elements;
    }
    const rest = scanner.end();
    if (rest.length > 0) yield rest;
  } finally {
    stream.destroy();
  }
}
