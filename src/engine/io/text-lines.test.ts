import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { isFlaglessError } from '../../protocol/errors.js';
import { openExportFile } from './export-file.js';
import { readTextLines, type TextLine } from './text-lines.js';

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
});
