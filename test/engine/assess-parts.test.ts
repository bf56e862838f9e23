/**
 * Assess in parts (byte ranges of one export, read here or in worker threads, with duplicate
 * emails and repeated ids found on disk afterwards) must give exactly the report of one plain
 * read, whose repeated-id check is the reader's own in memory.
 */
import { strict as assert } from 'node:assert';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { workerRunner } from '../../src/app/assess-source.js';
import { SOURCE_MODULES, TARGET_CAPABILITIES, type KnownSourceVendor as SourceVendor } from '../../src/connectors/index.js';
import { assess, type AssessReport } from '../../src/engine/assess/assess.js';
import { DigestSpill, findRepeats, readLabel, SpillFiles } from '../../src/lib/io/digest-spill.js';
import { lineRanges } from '../../src/lib/io/line-ranges.js';
import type { Source, SourceOptions } from '../../src/protocol/source.js';
import { flagless } from '../helpers/cli.js';

let dir: string;

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'flagless-parts-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

/** The same source without partition/readPart: one plain read, the reader's own id check. */
function plainOnly(source: Source): Source {
  return { vendor: source.vendor, read: () => source.read() };
}

async function open(vendor: SourceVendor, options: SourceOptions): Promise<Source> {
  return (await SOURCE_MODULES[vendor]()).source.open(options);
}

function comparable(r: AssessReport): AssessReport {
  return { ...r, durationMs: 0, usersPerSecond: 0, parts: 0 };
}

/** An Auth0 export with the traps a parallel read can get wrong, spread over the whole file. */
function auth0Export(): string {
  const file = join(dir, 'users.ndjson');
  const generated = flagless(['generate', 'auth0', '--users', '3000', '--out', file, '--seed', '7']);
  assert.equal(generated.code, 0, generated.stderr);
  const lines = readFileSync(file, 'utf8').split('\n').filter((l) => l !== '');
  const record = (i: number) => JSON.parse(lines[i]!) as Record<string, unknown>;
  const out: string[] = [];
  lines.forEach((line, i) => {
    // CRLF and blank lines here and there; a broken line; a valid JSON line that is no user.
    out.push(i % 97 === 0 ? `${line}\r` : line);
    if (i % 501 === 0) out.push('', '   ');
    if (i === 1200) out.push('{"user_id": "auth0|broken", ');
    if (i === 2100) out.push('[1, 2]');
    // Repeated user ids: soon after (likely the same part) and far after (another part), thrice once.
    if (i === 10) out.push(JSON.stringify({ ...record(5), email: 'someone-else@example.com' }));
    if (i === 2900) out.push(JSON.stringify({ ...record(20), email: 'moved@example.com' }));
    if (i === 2950) out.push(JSON.stringify(record(20)));
    // Duplicate emails across the file, in another case.
    if (i === 2500) out.push(JSON.stringify({ ...record(30), user_id: 'auth0|dup-email-far', email: String(record(30).email).toUpperCase() }));
  });
  writeFileSync(file, out.join('\n'));
  return file;
}

describe('assess in parts', () => {
  it('gives the report of one plain read: here, in worker threads, and with ids repeated across parts', async () => {
    const file = auth0Export();
    const options: SourceOptions = { file };
    const reference = await assess(plainOnly(await open('auth0', options)), { targets: TARGET_CAPABILITIES });
    // The traps are there to be found.
    assert.equal(reference.problemsByCode.E_DUPLICATE_ID, 3);
    assert.ok((reference.problemsByCode.E_SOURCE_PARSE ?? 0) >= 2);
    assert.ok(reference.duplicateEmailGroups >= 2);
    assert.ok(reference.problems.some((p) => p.code === 'E_DUPLICATE_ID' && /first on line \d+/.test(p.message)));

    const ranges = await lineRanges(file, 4, 1);
    assert.equal(ranges.length, 4);
    for (const parts of [1, 2, 4]) {
      const here = await assess(await open('auth0', options), { targets: TARGET_CAPABILITIES, parts, minPartBytes: 1 });
      assert.equal(here.parts, parts);
      assert.deepEqual(comparable(here), comparable(reference), `${parts} parts read here`);
    }
    const threaded = await assess(await open('auth0', options), { targets: TARGET_CAPABILITIES, parts: 3, minPartBytes: 1, runPart: workerRunner('auth0', options) });
    assert.equal(threaded.parts, 3);
    assert.deepEqual(comparable(threaded), comparable(reference), '3 parts in worker threads');
    // As the command does it: the first part here, the others in worker threads at the same time.
    let elsewhere = 0;
    const runner = workerRunner('auth0', options);
    const mixed = await assess(await open('auth0', options), {
      targets: TARGET_CAPABILITIES,
      parts: 3,
      minPartBytes: 1,
      firstPartHere: true,
      runPart: (input, onProgress, signal) => {
        elsewhere++;
        assert.notEqual(input.index, 0, 'the first part is read here');
        return runner(input, onProgress, signal);
      },
    });
    assert.equal(mixed.parts, 3);
    assert.ok(elsewhere >= 2);
    assert.deepEqual(comparable(mixed), comparable(reference), 'the first part here, 2 in worker threads');
  });

  it('runs through the CLI on worker threads for a big export, with the same report', async () => {
    // 14,000 users make a ~9 MB export: over the size below which assess stays in this thread, and two parts of at least 4 MB.
    const file = join(dir, 'big.ndjson');
    assert.equal(flagless(['generate', 'auth0', '--users', '14000', '--out', file, '--seed', '11']).code, 0);
    const reference = await assess(plainOnly(await open('auth0', { file })), { targets: TARGET_CAPABILITIES });
    for (const threads of ['2', '1']) {
      const run = flagless(['assess', '--from', 'auth0', '--file', file, '--json', '--threads', threads]);
      assert.equal(run.code, 1, run.stderr); // the generated traps are problems
      const report = JSON.parse(run.stdout) as AssessReport;
      assert.equal(report.parts, Number(threads));
      assert.deepEqual(comparable(report), comparable(reference), `--threads ${threads}`);
      if (threads === '2') assert.match(run.stderr, /users\/s, [\d.]+ s, 2 threads/);
    }
    const bad = flagless(['assess', '--from', 'auth0', '--file', file, '--threads', '0']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--threads must be a positive whole number/);
  });

  it('checks repeated Clerk ids on disk and reads again to skip them, as the in-memory check does', async () => {
    const file = join(dir, 'users.csv');
    assert.equal(flagless(['generate', 'clerk', '--users', '500', '--out', file, '--seed', '3']).code, 0);
    const rows = readFileSync(file, 'utf8').split('\n').filter((r) => r.startsWith('user_'));
    appendFileSync(file, `${rows[0]!.replace(/,[^,]*@/, ',changed@')}\n${rows[1]}\n`);
    const reference = await assess(plainOnly(await open('clerk', { file })), { targets: TARGET_CAPABILITIES });
    assert.equal(reference.problemsByCode.E_DUPLICATE_ID, 2);
    const read = await assess(await open('clerk', { file }), { targets: TARGET_CAPABILITIES });
    assert.deepEqual(comparable(read), comparable(reference));
  });

  it('stops the other parts and names the failure when a part cannot be read', async () => {
    const file = join(dir, 'gone.ndjson');
    writeFileSync(file, `${JSON.stringify({ user_id: 'auth0|1', email: 'a@example.com' })}\n`.repeat(2000));
    const source = await open('auth0', { file });
    const failing = async () => {
      throw new Error('disk on fire');
    };
    await assert.rejects(assess(source, { targets: TARGET_CAPABILITIES, parts: 3, minPartBytes: 1, runPart: failing }), /disk on fire/);
  });
});

describe('line ranges', () => {
  it('cut after a newline only, cover the file, and keep a small file whole', async () => {
    const file = join(dir, 'ranges.txt');
    const text = Array.from({ length: 500 }, (_, i) => `line ${i} ${'é'.repeat(i % 13)}`).join('\r\n');
    writeFileSync(file, text);
    const bytes = readFileSync(file);
    const sizes = (ranges: { start: number; end?: number }[]) => ranges.map((r) => (r.end ?? bytes.length) - r.start);
    for (const parts of [2, 3, 7]) {
      for (const extra of [0, 1000]) {
        const ranges = await lineRanges(file, parts, 1, extra);
        assert.equal(ranges.length, parts);
        assert.equal(ranges[0]!.start, 0);
        for (let i = 1; i < ranges.length; i++) {
          assert.equal(ranges[i]!.start, ranges[i - 1]!.end);
          assert.equal(bytes[ranges[i]!.start - 1], 10, 'a range starts right after a newline');
        }
        assert.equal(ranges.at(-1)!.end, undefined);
        // Even shares, or the first one `extra` bytes larger and the others even (within a line or two).
        const [first, ...rest] = sizes(ranges);
        const share = bytes.length / parts;
        assert.ok(Math.abs(first! - (share + extra)) < 60, `${parts} parts, extra ${extra}: first ${first}, share ${share}`);
        for (const size of rest) assert.ok(Math.abs(size - (bytes.length - first!) / (parts - 1)) < 60, `${parts} parts, extra ${extra}: ${size}`);
      }
    }
    assert.deepEqual(await lineRanges(file, 4, bytes.length), [{ start: 0 }]);
  });
});

describe('digest spill', () => {
  it('gives every label back as it was given, across buffer flushes, non-ASCII and longer than the buffer', () => {
    const files = new SpillFiles();
    try {
      const fds = files.open();
      const spill = new DigestSpill(fds);
      const labelOf = (i: number) =>
        i === 777 ? `long ${'ü'.repeat(30_000)} end` : i % 97 === 0 ? `é ${i} 😀 ${'x'.repeat(i % 300)}` : `ascii-${i}-${'y'.repeat(i % 500)}`;
      // Every key twice, so every label is read back; ~25 MB of labels flush the 64 KiB buffer hundreds of times.
      for (let round = 0; round < 2; round++) for (let i = 0; i < 20_000; i++) spill.add(`k${i}`, round * 20_000 + i + 1, labelOf(i) + (round ? '+' : ''));
      let groups = 0;
      findRepeats([{ fds, written: spill.finish(), part: 0, lineOffset: 0 }], (holders) => {
        groups++;
        const i = holders[0]!.line - 1;
        assert.deepEqual(holders.map(readLabel), [labelOf(i), `${labelOf(i)}+`]);
      });
      assert.equal(groups, 20_000);
    } finally {
      files.close();
    }
  });

  it('finds every repeated key across writers, first holder first, with labels, and nothing else', () => {
    const files = new SpillFiles();
    try {
      const a = files.open();
      const b = files.open();
      const one = new DigestSpill(a);
      const two = new DigestSpill(b);
      // 200,000 distinct keys over both writers (enough to fill many blocks), and a few repeats.
      for (let i = 0; i < 100_000; i++) one.add(`key-${i}`, i + 1, i % 1000 === 0 ? `label ${i} ✓` : '');
      for (let i = 100_000; i < 200_000; i++) two.add(`key-${i}`, i - 99_999);
      one.add('key-5', 100_001, 'again in one');
      two.add('key-0', 100_001, 'again in two');
      two.add('key-0', 100_002, 'and again');
      two.add('key-150000', 100_003);
      const found: { lines: number[]; labels: string[] }[] = [];
      findRepeats(
        [
          { fds: b, written: two.finish(), part: 1, lineOffset: 1_000_000 },
          { fds: a, written: one.finish(), part: 0, lineOffset: 0 },
        ],
        (holders) => found.push({ lines: holders.map((h) => h.line), labels: holders.map(readLabel) }),
      );
      found.sort((x, y) => x.lines[0]! - y.lines[0]!);
      assert.deepEqual(found, [
        { lines: [1, 1_100_001, 1_100_002], labels: ['label 0 ✓', 'again in two', 'and again'] },
        { lines: [6, 100_001], labels: ['', 'again in one'] },
        { lines: [1_050_001, 1_100_003], labels: ['', ''] },
      ]);
    } finally {
      files.close();
    }
  });
});
