/**
 * `npm run bench:better-auth`: `flagless migrate` into Better Auth against plain batched INSERTs of
 * the same rows into the same schema (better-auth-case.ts), on SQLite and on PostgreSQL, at 10,000
 * and 100,000 users, in one run. Each case runs in its own process (better-auth-child.ts), so peak
 * RSS belongs to it. For each database and size the cases alternate (`--rounds`: the reference first
 * in odd rounds, flagless first in even ones). Ratio = flagless users/s ÷ reference users/s over the
 * rounds (goal ≥ 0.5); the CPU ratio (reference CPU seconds ÷ flagless CPU seconds, this process
 * only) is a diagnostic for a shared machine. Every case must end with every row in place, nothing
 * quarantined, and its sample users signing in through Better Auth's API.
 *
 * Flags: --sizes 10000,100000 --db sqlite,postgres --rounds N (default 1) --pg URL;
 * --smoke: 1,000 users, one round, both databases (PostgreSQL only when reachable); a test runs it.
 * Prints one JSON document on stdout and a table on stderr.
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { DEFAULT_PG, orgCount, type BenchDb, type BenchMode, type CaseResult } from './better-auth-case.js';

const { values: args } = parseArgs({
  options: {
    sizes: { type: 'string', default: '10000,100000' },
    db: { type: 'string', default: 'sqlite,postgres' },
    rounds: { type: 'string', default: '1' },
    pg: { type: 'string', default: DEFAULT_PG },
    smoke: { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
});

const USAGE = `npm run bench:better-auth -- [--sizes 10000,100000] [--db sqlite,postgres] [--rounds N] [--pg URL] [--smoke]
  flagless migrate into Better Auth vs plain batched INSERTs of the same rows, each case in its own process.
  --sizes    users per case, comma-separated (default 10000,100000)
  --db       sqlite, postgres or both (default both)
  --rounds   rounds per size and database; the order alternates (default 1)
  --pg       PostgreSQL server (default ${DEFAULT_PG})
  --smoke    1,000 users, one round (PostgreSQL only when reachable)
  FLAGLESS_BENCH_PHASES=1 prints when each phase of migrate starts (stderr).
Prints one JSON document on stdout and a table on stderr.
`;

const child = fileURLToPath(new URL('./better-auth-child.js', import.meta.url));

function runChild(mode: BenchMode, db: BenchDb, users: number): CaseResult {
  const out = execFileSync(process.execPath, [child, mode, db, String(users), args.pg!], { encoding: 'utf8', maxBuffer: 1 << 20, stdio: ['ignore', 'pipe', 'inherit'] });
  const r = JSON.parse(out.trim()) as CaseResult;
  const orgs = orgCount(users);
  const expected = { users, accounts: users + Math.ceil(users / 5), organizations: orgs, members: users };
  if (JSON.stringify(r.rows) !== JSON.stringify(expected) || r.quarantined !== 0 || r.signIns.succeeded !== r.signIns.tried)
    throw new Error(`${mode} on ${db} (${users} users) did not end with every row and sign-in: ${JSON.stringify(r)}`);
  return r;
}

async function pgReachable(url: string): Promise<boolean> {
  const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  try {
    await c.connect();
    return true;
  } catch {
    return false;
  } finally {
    await c.end().catch(() => undefined);
  }
}

export interface SizeResult {
  db: BenchDb;
  users: number;
  reference: { seconds: number; usersPerSecond: number; cpuSeconds: number; peakRssMb: number };
  flagless: { seconds: number; usersPerSecond: number; cpuSeconds: number; peakRssMb: number };
  /** flagless users/s ÷ reference users/s (goal ≥ 0.5). */
  ratio: number;
  /** reference CPU ÷ flagless CPU, this process only (PostgreSQL's own work not included). */
  cpuRatio: number;
}

async function main(): Promise<void> {
  if (args.help) {
    process.stdout.write(USAGE);
    return;
  }
  const sizes = args.smoke ? [1000] : args.sizes!.split(',').map(Number);
  const rounds = args.smoke ? 1 : Number(args.rounds);
  let dbs = args.db!.split(',') as BenchDb[];
  if (dbs.includes('postgres') && !(await pgReachable(args.pg!))) {
    if (!args.smoke) throw new Error(`PostgreSQL not reachable at ${args.pg}`);
    dbs = dbs.filter((d) => d !== 'postgres');
  }
  const results: SizeResult[] = [];
  for (const users of sizes) {
    for (const db of dbs) {
      const cases: CaseResult[] = [];
      for (let round = 1; round <= rounds; round++) {
        const order: BenchMode[] = round % 2 === 1 ? ['reference', 'flagless'] : ['flagless', 'reference'];
        for (const mode of order) {
          const r = runChild(mode, db, users);
          process.stderr.write(`${db} ${users} ${mode} round ${round}: ${r.seconds.toFixed(2)} s, ${Math.round(r.usersPerSecond)} users/s, CPU ${r.cpuSeconds.toFixed(2)} s, peak RSS ${r.peakRssMb} MB\n`);
          cases.push(r);
        }
      }
      const sum = (mode: BenchMode) => {
        const mine = cases.filter((c) => c.mode === mode);
        const seconds = mine.reduce((a, c) => a + c.seconds, 0);
        return {
          seconds,
          usersPerSecond: (users * mine.length) / seconds,
          cpuSeconds: mine.reduce((a, c) => a + c.cpuSeconds, 0),
          peakRssMb: Math.max(...mine.map((c) => c.peakRssMb)),
        };
      };
      const reference = sum('reference');
      const flagless = sum('flagless');
      results.push({ db, users, reference, flagless, ratio: flagless.usersPerSecond / reference.usersPerSecond, cpuRatio: reference.cpuSeconds / flagless.cpuSeconds });
    }
  }
  process.stderr.write('\n| database | users | reference users/s | flagless users/s | ratio | CPU ratio | flagless peak RSS | reference peak RSS |\n| --- | --- | --- | --- | --- | --- | --- | --- |\n');
  for (const r of results)
    process.stderr.write(
      `| ${r.db} | ${r.users.toLocaleString('en')} | ${Math.round(r.reference.usersPerSecond).toLocaleString('en')} | ${Math.round(r.flagless.usersPerSecond).toLocaleString('en')} | ${r.ratio.toFixed(2)} | ${r.cpuRatio.toFixed(2)} | ${r.flagless.peakRssMb} MB | ${r.reference.peakRssMb} MB |\n`,
    );
  process.stdout.write(JSON.stringify({ sizes, rounds, results }) + '\n');
}

main().catch((e: unknown) => {
  process.stderr.write(String((e as Error)?.stack ?? e) + '\n');
  process.exit(1);
});
