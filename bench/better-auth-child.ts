/**
 * One case of `npm run bench:better-auth` in a fresh process, so peak RSS belongs to it alone.
 * Usage: node dist/bench/better-auth-child.js <flagless|reference> <sqlite|postgres> <users> [pg-url]
 * Prints one JSON line (CaseResult).
 */
import { runCase, type BenchDb, type BenchMode } from './better-auth-case.js';

const [mode, db, users, pgUrl] = process.argv.slice(2) as [BenchMode, BenchDb, string, string?];

runCase({ mode, db, users: Number(users), ...(pgUrl ? { pgUrl } : {}) }).then(
  (r) => process.stdout.write(JSON.stringify(r) + '\n'),
  (e: unknown) => {
    process.stderr.write(String((e as Error)?.stack ?? e) + '\n');
    process.exit(1);
  },
);
