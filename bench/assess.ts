/**
 * npm run bench:assess [-- --sizes 100000,1000000] [--smoke]
 * Generates Clerk CSV and Auth0 NDJSON exports, then in one run measures for each file:
 * flagless assess (users/s, peak RSS) against the bare floor of reading the same file
 * (csv-parse for CSV, line splitting + JSON.parse for NDJSON), each in its own process.
 * Goals (issue 3): peak RSS < 256 MB and flat from 100k to 1M; throughput ratio ≥ 0.7.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { SOURCE_MODULES, type KnownSourceVendor as SourceVendor } from '../src/connectors/index.js';

interface Measure {
  mode: string;
  records: number;
  ms: number;
  maxRssMb: number;
  /** Threads assess read the export with (parts of it at once; 1 for files read whole). */
  threads?: number;
}

const { values } = parseArgs({ options: { sizes: { type: 'string' }, smoke: { type: 'boolean' }, keep: { type: 'boolean' } } });
const sizes = (values.sizes ?? (values.smoke ? '2000' : '100000,1000000')).split(',').map(Number);
const child = join(import.meta.dirname, 'assess-child.js');

function measure(args: string[], threads?: number): Measure {
  const env = { ...process.env, ...(threads ? { FLAGLESS_BENCH_THREADS: String(threads) } : {}) };
  return JSON.parse(execFileSync(process.execPath, [child, ...args], { encoding: 'utf8', maxBuffer: 1 << 20, env }).trim()) as Measure;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'flagless-bench-assess-'));
  const rows: Record<string, unknown>[] = [];
  try {
    for (const [vendor, ext, floor] of [['clerk', 'csv', 'csv-parse'], ['auth0', 'ndjson', 'lines']] as const) {
      for (const n of sizes) {
        const mod = await SOURCE_MODULES[vendor as SourceVendor]();
        const gen = await mod.generate({ users: n, out: join(dir, `${vendor}-${n}.${ext}`), seed: 1 });
        const file = gen.files.find((f) => f.role === 'export')!.path;
        const passwords = gen.files.find((f) => f.role === 'passwords')?.path ?? '';
        const bare = measure([floor, vendor, file]);
        // Auth0: the export alone (what the issue names), with the threads `flagless assess` picks
        // and with one thread; then joined with the support password file, which adds a second
        // file to read and an index of it to hold (and is read whole, in one thread).
        const cases: { withPasswords: boolean; threads?: number }[] = passwords
          ? [{ withPasswords: false }, { withPasswords: false, threads: 1 }, { withPasswords: true }]
          : [{ withPasswords: false }];
        for (const { withPasswords, threads } of cases) {
          const ours = measure(['assess', vendor, file, ...(withPasswords ? [passwords] : [])], threads);
          if (ours.records !== n) throw new Error(`assess read ${ours.records} users, expected ${n}`);
          const row = {
            vendor,
            input: withPasswords ? `${ext} + passwords` : ext,
            threads: ours.threads,
            users: n,
            floor,
            floorUsersPerSec: Math.round((bare.records * 1000) / bare.ms),
            assessUsersPerSec: Math.round((ours.records * 1000) / ours.ms),
            ratio: Number(((ours.records / ours.ms) / (bare.records / bare.ms)).toFixed(3)),
            assessPeakRssMb: ours.maxRssMb,
            floorPeakRssMb: bare.maxRssMb,
          };
          rows.push(row);
          process.stderr.write(`${JSON.stringify(row)}\n`);
        }
      }
    }
  } finally {
    if (!values.keep) rmSync(dir, { recursive: true, force: true });
  }
  console.log(JSON.stringify({ node: process.version, results: rows }, null, 2));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
