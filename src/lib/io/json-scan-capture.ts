/**
 * Capture mode of the JSON element scanner: collects one wanted element's text, tracking only
 * brackets and strings, then hands the text to JSON.parse. A pretty-printed element that never
 * closes is noticed when the next element opens a line at its indentation.
 */
import { CLOSE_ARR, CLOSE_OBJ, isLiteralChar, OPEN_ARR, OPEN_OBJ, QUOTE, type ScanState } from './json-scan-state.js';

/** Starts capturing the element whose first character `c` is at `i`. */
export function startCapture(st: ScanState, i: number, c: number, lineStartIndent: number): void {
  st.mode = 'capture';
  st.parts = [];
  st.partStart = i;
  st.capturedChars = 0;
  st.elementLine = st.line;
  st.elementIndent = lineStartIndent;
  st.capInString = false;
  st.capEscape = false;
  st.capScalar = false;
  st.openers = [];
  if (c === OPEN_OBJ || c === OPEN_ARR) {
    st.depth = 1;
    st.openers.push(c);
  } else if (c === QUOTE) {
    st.depth = 0;
    st.capInString = true;
  } else {
    st.depth = 0;
    st.capScalar = true;
  }
}

export function scanCapture(st: ScanState, s: string, start: number): number {
  const n = s.length;
  let i = start;
  while (i < n) {
    if (st.capInString) {
      if (st.capEscape) {
        st.capEscape = false;
        i++;
        continue;
      }
      // Jump to the next quote or backslash; a raw newline inside a string is malformed JSON.
      const q = next(st, s, i, 'q');
      const b = next(st, s, i, 'b');
      if (b !== -1 && (q === -1 || b < q)) {
        if (b + 1 >= n) {
          st.capEscape = true;
          i = n;
        } else {
          i = b + 2;
        }
        continue;
      }
      const end = q === -1 ? n : q;
      const nl = next(st, s, i, 'n');
      if (nl !== -1 && nl < end) {
        st.keepPart(s, nl);
        st.malformed(st.elementLine, 'a string in this element is not terminated on its line');
        st.beginResync();
        return nl;
      }
      if (q === -1) return n;
      i = q + 1;
      st.capInString = false;
      if (st.depth === 0) {
        // A captured string value (not an object or array): done.
        st.keepPart(s, i);
        finishElement(st);
        return i;
      }
      continue;
    }
    const c = s.charCodeAt(i);
    if (st.capScalar) {
      if (isLiteralChar(c)) {
        i++;
        continue;
      }
      st.keepPart(s, i);
      finishElement(st);
      return i;
    }
    if (st.whitespace(c)) {
      i++;
      continue;
    }
    if (st.lineBlank) {
      st.lineBlank = false;
      // Pretty-printed exports open each element at one indentation. A line at that indentation
      // that opens another element, or closes the array, means this element never closed.
      const ind = st.indent;
      const ei = st.elementIndent;
      if (ei >= 0 && ((ind === ei && c === OPEN_OBJ) || (ind <= ei && c === CLOSE_ARR))) {
        st.keepPart(s, i);
        st.malformed(st.elementLine, 'the element is not terminated (a closing bracket is missing)');
        st.mode = 'structure';
        const top = st.top();
        if (top && top.kind === 'arr') top.state = 'value';
        st.lineBlank = true; // let structure mode see this line start again
        return i;
      }
    }
    if (c === QUOTE) {
      st.capInString = true;
      i++;
      continue;
    }
    if (c === OPEN_OBJ || c === OPEN_ARR) {
      st.depth++;
      st.openers.push(c);
      i++;
      continue;
    }
    if (c === CLOSE_OBJ || c === CLOSE_ARR) {
      const opener = st.openers.pop();
      if ((c === CLOSE_OBJ && opener !== OPEN_OBJ) || (c === CLOSE_ARR && opener !== OPEN_ARR)) {
        st.keepPart(s, i);
        st.malformed(st.elementLine, 'brackets in this element do not match');
        st.beginResync();
        return i + 1;
      }
      st.depth--;
      i++;
      if (st.depth === 0) {
        st.keepPart(s, i);
        finishElement(st);
        return i;
      }
      continue;
    }
    i++;
  }
  return i;
}

function next(st: ScanState, s: string, from: number, which: 'q' | 'b' | 'n'): number {
  const known = st.nextPos[which];
  if (known === -1 || (known >= from && known !== -2)) return known;
  const found = s.indexOf(which === 'q' ? '"' : which === 'b' ? '\\' : '\n', from);
  st.nextPos[which] = found;
  return found;
}

/** The element's text is complete: parse it and report it, or report why it is not JSON. */
export function finishElement(st: ScanState): void {
  const text = st.parts.join('');
  st.parts = [];
  st.mode = 'structure';
  st.valueDone();
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    st.events.push({ kind: 'malformed', element: true, path: st.elementPath, intact: true, ...describeParseError(e, text, st.elementLine) });
    return;
  }
  st.stats.elements++;
  st.events.push({ kind: 'element', value, text: st.keepText ? text : '', line: st.elementLine, path: st.elementPath });
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
