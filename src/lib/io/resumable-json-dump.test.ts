import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { FlaglessError } from '../../protocol/errors.js';
import { ResumableJsonDump, checkpointPath, partialPath } from './resumable-json-dump.js';

const ID = { vendor: 'v', origin: 'https://api.example', sections: ['a', 'b', 'c'] };

describe('ResumableJsonDump', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'flagless-dump-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('writes valid JSON with empty and skipped sections, then renames and removes the checkpoint', async () => {
    const out = join(dir, 'empty.json');
    const d = await ResumableJsonDump.open(out, ID, 0);
    await d.writePage('b', [{ x: 1 }, { x: 2 }], 1);
    await d.finish();
    assert.deepEqual(JSON.parse(await readFile(out, 'utf8')), { a: [], b: [{ x: 1 }, { x: 2 }], c: [] });
    await assert.rejects(stat(checkpointPath(out)));
    await assert.rejects(stat(partialPath(out)));
  });

  it('resumes at the checkpoint: bytes past it are cut, the cursor is the last one committed', async () => {
    const out = join(dir, 'resume.json');
    const d = await ResumableJsonDump.open(out, ID, 0);
    await d.writePage('a', [{ n: 1 }], 1);
    await d.writePage('b', [{ n: 2 }], 2);
    await d.close();
    await writeFile(partialPath(out), 'x'.repeat(10_000), { flag: 'a' });
    const again = await ResumableJsonDump.open(out, ID, 0);
    assert.equal(again.resumed, true);
    assert.equal(again.cursor, 2);
    assert.equal(again.section, 'b');
    assert.deepEqual(again.counts, { a: 1, b: 1, c: 0 });
    await again.writePage('b', [{ n: 3 }], 3);
    await again.finish();
    assert.deepEqual(JSON.parse(await readFile(out, 'utf8')), { a: [{ n: 1 }], b: [{ n: 2 }, { n: 3 }], c: [] });
  });

  it('refuses a checkpoint of another vendor or origin; starts over when the partial file is shorter than it says', async () => {
    const out = join(dir, 'other.json');
    const d = await ResumableJsonDump.open(out, ID, 0);
    await d.writePage('a', [{ n: 1 }], 1);
    await d.close();
    await assert.rejects(ResumableJsonDump.open(out, { ...ID, origin: 'https://elsewhere' }, 0), (e: unknown) => e instanceof FlaglessError && e.code === 'E_USAGE');
    await writeFile(partialPath(out), '{');
    const fresh = await ResumableJsonDump.open(out, ID, 0);
    assert.equal(fresh.resumed, false);
    assert.equal(fresh.cursor, 0);
    await fresh.finish();
    assert.deepEqual(JSON.parse(await readFile(out, 'utf8')), { a: [], b: [], c: [] });
  });
});
