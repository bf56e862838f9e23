import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parse } from 'csv-parse/sync';
import { Prng } from '../fake/prng.js';
import { readCsvRecords, type CsvEvent } from './csv-records.js';

/** A cell: plain, empty, with commas/quotes/newlines (quoted), or non-ASCII. */
function cell(rng: Prng): string {
  const pick = rng.int(0, 9);
  if (pick === 0) return '';
  if (pick === 1) return '"a,b"';
  if (pick === 2) return '"say ""hi"""';
  if (pick === 3) return '"two\nlines"';
  if (pick === 4) return 'Zoë Ærøskøbing';
  if (pick === 5) return '$2b$10$abc./XYZ';
  return `v${rng.int(0, 1_000_000)}`;
}

describe('readCsvRecords', () => {
  it('gives exactly what csv-parse gives, whether a row goes the plain split or through csv-parse', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'flagless-csv-'));
    try {
      const rng = new Prng('csv-records');
      const header = ['id', 'a', 'b', 'c', 'd'];
      const lines = [header.join(',')];
      for (let i = 0; i < 3000; i++) lines.push([`user_${i}`, cell(rng), cell(rng), cell(rng), cell(rng)].join(','));
      const text = lines.join('\n') + '\n';
      const file = join(dir, 'x.csv');
      writeFileSync(file, text);
      const expected = parse(text, { relax_column_count: true }) as string[][];
      for (const chunkBytes of [97, 4096, 256 * 1024]) {
        const events: CsvEvent[] = [];
        for await (const batch of readCsvRecords(file, { chunkBytes })) events.push(...batch);
        assert.deepEqual(events[0], { kind: 'header', line: 1, columns: header });
        const rows = events.slice(1);
        assert.ok(rows.every((e) => e.kind === 'row'), `chunk ${chunkBytes}: ${JSON.stringify(rows.find((e) => e.kind !== 'row'))}`);
        assert.deepEqual(rows.map((e) => (e.kind === 'row' ? e.cells : [])), expected.slice(1), `chunk ${chunkBytes}`);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reports a row with the wrong number of cells on its own line, plain or quoted', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'flagless-csv-'));
    try {
      const file = join(dir, 'x.csv');
      writeFileSync(file, 'id,a\nu1,x\nu2,x,extra\nu3,"q,1",extra\nu4,y\r\nu5,z\n');
      const events: CsvEvent[] = [];
      for await (const batch of readCsvRecords(file)) events.push(...batch);
      assert.deepEqual(
        events.map((e) => [e.kind, e.line]),
        [['header', 1], ['row', 2], ['error', 3], ['error', 4], ['row', 5], ['row', 6]],
      );
      assert.deepEqual(events[4], { kind: 'row', line: 5, cells: ['u4', 'y'] });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reads line endings alike whatever the first line ends with: a CR before the newline ends the row, a lone CR is text', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'flagless-csv-'));
    try {
      const rows = (text: string) => {
        const file = join(dir, `x${Math.random()}.csv`);
        writeFileSync(file, text);
        return (async () => {
          const events: CsvEvent[] = [];
          for await (const batch of readCsvRecords(file)) events.push(...batch);
          return events.map((e) => (e.kind === 'row' ? e.cells : e.kind));
        })();
      };
      const expected = [['u1', 'a\rb', 'z'], ['u2', 'q\r\nx', 'y'], ['u3', 'w', 'v']];
      // LF file with a CRLF line and a lone CR in a plain and a quoted row; the same as CRLF throughout.
      assert.deepEqual(await rows('id,a,b\nu1,a\rb,z\nu2,"q\r\nx",y\r\nu3,w,v\n'), ['header', ...expected]);
      assert.deepEqual(await rows('id,a,b\r\nu1,a\rb,z\r\nu2,"q\r\nx",y\r\nu3,w,v\r\n'), ['header', ...expected]);
      assert.deepEqual(await rows('id,a,b\r\nu1,"a\rb",z\r\nu2,"q\r\nx",y\r\nu3,"w",v\r\n'), ['header', ...expected]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
