import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { isFlaglessError } from '../../protocol/errors.js';
import { openExportFile } from './export-file.js';
import { readTextLineBatches, readTextLines, type TextLine } from './text-lines.js';

describe('readTextLines', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'flagless-lines-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  async function lines(name: string, content: string | Buffer): Promise<TextLine[]> {
    const path = join(dir, name);
    writeFileSync(path, content);
    const out: TextLine[] = [];
    for await (const l of readTextLines(await openExportFile(path, 'test file'))) out.push(l);
    return out;
  }

  it('numbers every line as an editor does (LF, CRLF, lone CR), skips blank ones, drops a BOM', async () => {
    const got = await lines('mixed.ndjson', '\uFEFF{"a":1}\r\n\r\n  \n{"b":2}\r{"c":3}\n{"d":4}');
    assert.deepEqual(got, [
      { line: 1, text: '{"a":1}' },
      { line: 4, text: '{"b":2}' },
      { line: 5, text: '{"c":3}' },
      { line: 6, text: '{"d":4}' },
    ]);
  });

  it('counts a CRLF cut between two read chunks once, and reads gzipped files the same', async () => {
    // 1 MiB chunks: put the \r as the last character of the first chunk.
    const first = `${'x'.repeat((1 << 20) - 1)}\r`;
    const text = `${first}\nsecond\n`;
    const plain = await lines('cut.txt', text);
    assert.deepEqual(plain.map((l) => [l.line, l.text.length]), [[1, (1 << 20) - 1], [2, 6]]);
    assert.deepEqual(await lines('cut.txt.gz', gzipSync(text)), plain);
  });

  it('only blank lines: E_INPUT_EMPTY', async () => {
    await assert.rejects(lines('blank.ndjson', '\n \r\n\t\n'), (e: unknown) => isFlaglessError(e) && e.code === 'E_INPUT_EMPTY');
  });

  /** What an editor shows: split at \r\n, \r or \n, numbered from 1, blank lines left out, a BOM dropped. */
  function reference(text: string): TextLine[] {
    const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
    const parts = body.split(/\r\n|\r|\n/);
    if (parts.at(-1) === '') parts.pop();
    return parts.map((t, i) => ({ line: i + 1, text: t })).filter((l) => l.text.trim() !== '');
  }

  it('cuts plain files as bytes exactly as text: every line end and multi-byte character at every chunk edge', async () => {
    let seed = 7;
    const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) % n);
    const pieces = ['{"a":1}', 'é', '€uro', '😀', 'x', ' ', '', '"quoted\\r"', 'ascii text'];
    const ends = ['\n', '\r\n', '\r', '\n\n', '\r\r\n'];
    let text = '\uFEFF';
    for (let i = 0; i < 400; i++) {
      for (let k = rnd(4); k >= 0; k--) text += pieces[rnd(pieces.length)];
      text += ends[rnd(ends.length)];
    }
    text += 'last line without an end 😀';
    const path = join(dir, 'edges.ndjson');
    writeFileSync(path, text);
    const want = reference(text);
    for (const chunkBytes of [1, 2, 3, 5, 7, 16, 64, 1 << 16]) {
      const got: TextLine[] = [];
      let count = 0;
      for await (const b of readTextLineBatches(await openExportFile(path, 'test file'), { chunkBytes, onEnd: (n) => (count = n) })) {
        b.texts.forEach((t, i) => got.push({ line: b.lines[i]!, text: t }));
      }
      assert.deepEqual(got, want, `chunks of ${chunkBytes} bytes`);
      assert.equal(count, text.slice(1).split(/\r\n|\r|\n/).length, `line count with chunks of ${chunkBytes} bytes`);
    }
    assert.deepEqual(await lines('edges.ndjson.gz', gzipSync(text)), want, 'gzipped: the text path gives the same');
  });

  it('reads a byte range of a plain file, its lines numbered from the range start', async () => {
    const text = 'one\ntwo\r\nthree\nfour\n';
    const path = join(dir, 'range.txt');
    writeFileSync(path, text);
    const start = text.indexOf('two');
    const end = text.indexOf('four');
    const got: TextLine[] = [];
    for await (const b of readTextLineBatches(await openExportFile(path, 'test file'), { range: { start, end }, chunkBytes: 3 })) {
      b.texts.forEach((t, i) => got.push({ line: b.lines[i]!, text: t }));
    }
    assert.deepEqual(got, [
      { line: 1, text: 'two' },
      { line: 2, text: 'three' },
    ]);
  });
});
