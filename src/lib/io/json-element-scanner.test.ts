import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { JsonElementScanner, type ScanEvent } from './json-element-scanner.js';

/** Feeds `text` in chunks of `size` characters (every size exercises other chunk boundaries). */
function scan(text: string, path: string, size = text.length, maxElementChars?: number): ScanEvent[] {
  const s = new JsonElementScanner({ match: (p) => p === path, ...(maxElementChars ? { maxElementChars } : {}) });
  const events: ScanEvent[] = [];
  for (let i = 0; i < text.length; i += size) events.push(...s.push(text.slice(i, i + size)));
  events.push(...s.end());
  return events;
}

function summary(events: ScanEvent[]): (string | number)[][] {
  return events.map((e) => (e.kind === 'element' ? [e.line, String((e.value as { id?: unknown }).id ?? JSON.stringify(e.value))] : [e.line, 'malformed']));
}

const USERS = [
  { id: 'a', note: 'quote \\" brace { bracket ] and \u00e9\u{1F600}', list: [{ x: 1 }, { y: '}' }] },
  { id: 'b', escaped: 'back\\\\slash\\\\', empty: {}, arr: [] },
  { id: 'c' },
];
/** The layout `firebase auth:export` writes. */
const PRETTY = `{"users": [\n${USERS.map((u) => JSON.stringify(u, null, 2)).join(',\n')}]}`;

function prettyLines(): string[] {
  return PRETTY.split('\n');
}

describe('JsonElementScanner', () => {
  it('yields each element with the line it starts on, for every chunk size', () => {
    const expected = summary(scan(PRETTY, '.users[]'));
    assert.deepEqual(expected.map((e) => e[1]), ['a', 'b', 'c']);
    const lineOfB = prettyLines().findIndex((l, i) => l === '{' && i > 1) + 1;
    assert.equal(expected[1]?.[0], lineOfB);
    for (const size of [1, 2, 3, 5, 7, 64]) assert.deepEqual(summary(scan(PRETTY, '.users[]', size)), expected, `chunk size ${size}`);
  });

  it('returns the parsed values intact (escapes, unicode, nesting)', () => {
    const values = scan(PRETTY, '.users[]', 3).flatMap((e) => (e.kind === 'element' ? [e.value] : []));
    assert.deepEqual(values, USERS);
  });

  it('reads minified JSON (one long line) and skips other members on the way', () => {
    const text = JSON.stringify({ kind: 'x', meta: { users: ['not these'] }, users: USERS, after: [1, 2] });
    assert.deepEqual(summary(scan(text, '.users[]', 4)), [[1, 'a'], [1, 'b'], [1, 'c']]);
  });

  it('reports an element whose value is invalid, then reads the next ones', () => {
    const text = PRETTY.replace('"id": "b"', '"id": bogus');
    const events = scan(text, '.users[]', 5);
    assert.deepEqual(summary(events).map((e) => e[1]), ['a', 'malformed', 'c']);
    const bad = events[1];
    assert.ok(bad && bad.kind === 'malformed');
    assert.doesNotMatch(bad.message, /bogus/, 'the message does not quote the record');
  });

  it('recovers from an unterminated string on the next element at the same indentation', () => {
    const text = PRETTY.replace('"id": "b",', '"id": "b,');
    const events = scan(text, '.users[]', 6);
    assert.deepEqual(summary(events).map((e) => e[1]), ['a', 'malformed', 'c']);
    assert.equal(events[1]?.line, summary(scan(PRETTY, '.users[]'))[1]?.[0]);
    assert.equal(events[2]?.line, summary(scan(PRETTY, '.users[]'))[2]?.[0], 'lines stay right after a recovery');
  });

  it('recovers from a missing closing brace when the next element opens a line', () => {
    const lines = prettyLines();
    // Drop the line that closes element a ("},") but keep the comma.
    const closeA = lines.findIndex((l) => l === '},');
    lines[closeA] = ',';
    const events = scan(lines.join('\n'), '.users[]', 9);
    assert.deepEqual(summary(events).map((e) => e[1]), ['malformed', 'b', 'c']);
    assert.equal(events[0]?.line, 2);
  });

  it('reads NDJSON: each root value is an element, a broken line costs only that line', () => {
    const text = '{"id":"a"}\n{"id":"b", nope}\n{"id":"c\n{"id":"d"}\n\n{"id":"e"}';
    assert.deepEqual(summary(scan(text, '', 4)), [[1, 'a'], [2, 'malformed'], [3, 'malformed'], [4, 'd'], [6, 'e']]);
  });

  it('finds elements of nested arrays (an array of ListUsers pages)', () => {
    const text = JSON.stringify([{ Users: [{ id: 'a' }], PaginationToken: 'x' }, { Users: [{ id: 'b' }, { id: 'c' }] }], null, 2);
    assert.deepEqual(summary(scan(text, '[].Users[]', 3)).map((e) => e[1]), ['a', 'b', 'c']);
  });

  it('reports a truncated file once and keeps the elements before it', () => {
    const text = PRETTY.slice(0, PRETTY.lastIndexOf('"id": "c"'));
    const events = scan(text, '.users[]', 8);
    assert.deepEqual(summary(events).map((e) => e[1]), ['a', 'b', 'malformed']);
  });

  it('bounds memory: an element larger than the limit is reported and skipped', () => {
    const big = { id: 'big', blob: 'x'.repeat(5000) };
    const text = `{"users": [\n${[USERS[0], big, USERS[2]].map((u) => JSON.stringify(u, null, 2)).join(',\n')}]}`;
    const events = scan(text, '.users[]', 512, 2000);
    assert.deepEqual(summary(events).map((e) => e[1]), ['a', 'malformed', 'c']);
  });

  it("hands over each element's own text and path, and says whether a lost element was intact", () => {
    const text = '{"users": [\n{"id": "a"},\n{"id": "b",,},\n{"id": "c"\n]}';
    const s = new JsonElementScanner({ match: (p) => p === '.users[]', keepText: true });
    const events: ScanEvent[] = [];
    for (let i = 0; i < text.length; i += 5) events.push(...s.push(text.slice(i, i + 5)));
    events.push(...s.end());
    assert.deepEqual(
      events.map((e) => (e.kind === 'element' ? [e.line, e.path, e.text] : [e.line, e.path, e.element, e.intact])),
      [
        [2, '.users[]', '{"id": "a"}'],
        [3, '.users[]', true, true],
        [4, '.users[]', true, false],
      ],
    );
    const [first] = scan(text, '.users[]', 5);
    assert.equal(first?.kind === 'element' && first.text, '', 'no text unless asked for');
  });

  it('yields nothing for JSON without the wanted array, and says which arrays it saw', () => {
    const s = new JsonElementScanner({ match: (p) => p === '.users[]' });
    assert.deepEqual([...s.push('{"Users": [{"id": "a"}], "other": []}'), ...s.end()], []);
    assert.deepEqual([...s.stats.arrays].sort(), ['.Users', '.other']);
  });
});
