/**
 * One measurement in a fresh process, so peak RSS belongs to that job alone.
 * Usage: node dist/bench/assess-child.js <assess|csv-parse|lines> <vendor> <file> [passwords] [api-dump]
 * Prints one JSON line: {mode, records, ms, maxRssMb[, threads]}. FLAGLESS_BENCH_THREADS sets assess's threads.
 */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { parse } from 'csv-parse';
import { assess } from '../src/app/assess.js';
import type { KnownSourceVendor as SourceVendor } from '../src/app/open-source.js';

const [mode, vendor, file, passwords, apiDump] = process.argv.slice(2) as [string, SourceVendor, string, string?, string?];

async function main(): Promise<void> {
  const started = performance.now();
  let records = 0;
  let parts: number | undefined;
  if (mode === 'csv-parse') {
    // The floor for a CSV reader: csv-parse streaming with a header row, nothing else done.
    for await (const _ of createReadStream(file).pipe(parse({ columns: true, relax_column_count: true }))) records++;
  } else if (mode === 'lines') {
    // The floor for an NDJSON reader: split lines and JSON.parse each one.
    for await (const line of createInterface({ input: createReadStream(file), crlfDelay: Infinity })) {
      if (line) {
        JSON.parse(line);
        records++;
      }
    }
  } else {
    // What `flagless assess` does: threads as it would choose them (FLAGLESS_BENCH_THREADS overrides).
    const threads = process.env.FLAGLESS_BENCH_THREADS ? Number(process.env.FLAGLESS_BENCH_THREADS) : undefined;
    const report = await assess({ source: { from: vendor, file, ...(passwords ? { passwords } : {}), ...(apiDump ? { apiDump } : {}) }, ...(threads ? { threads } : {}) });
    records = report.users;
    parts = report.parts;
  }
  const ms = performance.now() - started;
  process.stdout.write(JSON.stringify({ mode, records, ms: Math.round(ms), maxRssMb: Math.round(process.resourceUsage().maxRSS / 1024), ...(parts ? { threads: parts } : {}) }) + '\n');
}

main().catch((e) => {
  process.stderr.write(String(e?.stack ?? e) + '\n');
  process.exit(1);
});
