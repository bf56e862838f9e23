/**
 * Structure mode of the JSON element scanner: walks containers and keys (tracking the path from
 * the root) until a value starts at a wanted path, then hands over to capture mode.
 */
import { startCapture } from './json-scan-capture.js';
import { BACKSLASH, CLOSE_ARR, CLOSE_OBJ, COLON, COMMA, isLiteralChar, NL, OPEN_ARR, OPEN_OBJ, QUOTE, type ScanEvent, type ScanState } from './json-scan-state.js';

export function scanStructure(st: ScanState, s: string, start: number): number {
  let i = start;
  const n = s.length;
  while (i < n) {
    if (st.inString) {
      i = skipString(st, s, i);
      if (st.mode !== 'structure') return i;
      continue;
    }
    if (st.inLiteral) {
      while (i < n && isLiteralChar(s.charCodeAt(i))) i++;
      if (i < n) {
        st.inLiteral = false;
        st.valueDone();
      }
      continue;
    }
    const c = s.charCodeAt(i);
    if (st.whitespace(c)) {
      i++;
      continue;
    }
    const lineStartIndent = st.lineBlank ? st.indent : -1;
    st.lineBlank = false;
    const top = st.top();
    // Where are we, and what may come next?
    if (top && top.kind === 'obj' && top.state === 'key') {
      if (c === QUOTE) {
        st.keyParts = [];
        st.inString = true;
        i++;
        continue;
      }
      if (c === CLOSE_OBJ) {
        st.stack.pop();
        st.valueDone();
        i++;
        continue;
      }
      return structureError(st, s, i, 'expected a key or "}"');
    }
    if (top && top.kind === 'obj' && top.state === 'colon') {
      if (c === COLON) {
        top.state = 'value';
        i++;
        continue;
      }
      return structureError(st, s, i, 'expected ":"');
    }
    if (top && top.state === 'comma') {
      if (c === COMMA) {
        top.state = top.kind === 'obj' ? 'key' : 'value';
        i++;
        continue;
      }
      if ((c === CLOSE_OBJ && top.kind === 'obj') || (c === CLOSE_ARR && top.kind === 'arr')) {
        st.stack.pop();
        st.valueDone();
        i++;
        continue;
      }
      return structureError(st, s, i, top.kind === 'obj' ? 'expected "," or "}"' : 'expected "," or "]"');
    }
    // A value is expected here (root, object member value, or array item).
    if (top && top.kind === 'arr' && c === CLOSE_ARR) {
      // Empty array (or a trailing comma, which we forgive).
      st.stack.pop();
      st.valueDone();
      i++;
      continue;
    }
    const path = top === undefined ? '' : top.kind === 'obj' ? `${top.path}.${top.key}` : `${top.path}[]`;
    if (top === undefined) st.stats.rootValues++;
    if (st.match(path)) {
      if (top && top.kind === 'arr') st.resyncIndent = lineStartIndent;
      st.elementPath = path;
      startCapture(st, i, c, lineStartIndent);
      return i + 1;
    }
    if (c === OPEN_OBJ) {
      st.stack.push({ kind: 'obj', path, state: 'key', key: '' });
      i++;
      continue;
    }
    if (c === OPEN_ARR) {
      st.stats.arrays.add(path);
      st.stack.push({ kind: 'arr', path, state: 'value' });
      st.resyncIndent = -1;
      i++;
      continue;
    }
    if (c === QUOTE) {
      st.keyParts = null;
      st.inString = true;
      i++;
      continue;
    }
    if (isLiteralChar(c)) {
      st.inLiteral = true;
      continue;
    }
    return structureError(st, s, i, `unexpected character ${JSON.stringify(s[i])}`);
  }
  return i;
}

/** Inside a string in structure mode (a key being collected, or a value being skipped). */
function skipString(st: ScanState, s: string, start: number): number {
  const n = s.length;
  let i = start;
  while (i < n) {
    const c = s.charCodeAt(i);
    if (st.stringEscape) {
      st.stringEscape = false;
      i++;
      continue;
    }
    if (c === BACKSLASH) {
      st.stringEscape = true;
      i++;
      continue;
    }
    if (c === NL) return structureError(st, s, i, 'a string is not terminated on its line');
    if (c === QUOTE) {
      if (st.keyParts) st.keyParts.push(s.slice(start, i));
      st.inString = false;
      stringDone(st);
      return i + 1;
    }
    i++;
  }
  if (st.keyParts) st.keyParts.push(s.slice(start, n));
  return n;
}

function stringDone(st: ScanState): void {
  const top = st.top();
  if (st.keyParts && top && top.kind === 'obj' && top.state === 'key') {
    const raw = st.keyParts.join('');
    st.keyParts = null;
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
  st.keyParts = null;
  st.valueDone();
}

function structureError(st: ScanState, s: string, i: number, message: string): number {
  const event: ScanEvent = { kind: 'malformed', line: st.line, element: false, message: `invalid JSON: ${message}` };
  st.events.push(event);
  st.inString = false;
  st.inLiteral = false;
  st.keyParts = null;
  st.beginResync();
  if (st.mode === 'dead') event.message += '; the rest of the file cannot be read';
  return st.mode === 'dead' ? s.length : i;
}
