import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { assess } from '../app/assess.js';
import { generate } from '../app/generate.js';
import { migrate } from '../app/migrate.js';
import type { OpenSourceOptions } from '../app/open-source.js';
import type { OpenTargetOptions } from '../app/open-target.js';
import { readCredentials, verify, type VerifyResult } from '../app/verify.js';
import { formatProgress } from '../engine/progress.js';
import type { MigrateSummary } from '../engine/summary.js';
import type { Credential } from '../engine/verify-logins.js';
import { FlaglessError } from '../protocol/errors.js';
import { renderAssessHtml } from './report/assess-html.js';
import { EXIT_OK, EXIT_PROBLEMS, type CommandRunner } from './spec.js';

/** How many users the demo signs in as (each first sign-in verifies the imported hash and re-hashes it). */
const SAMPLE_LOGINS = 24;

async function* sample(creds: AsyncIterable<Credential | { line: number; error: string }>, n: number): AsyncIterable<Credential> {
  // Every k-th row, so the sample spans the hash algorithms the generator mixes in.
  const rows: Credential[] = [];
  for await (const c of creds) if ('password' in c) rows.push(c);
  const step = Math.max(1, Math.floor(rows.length / n));
  for (let i = 0; i < rows.length && i / step < n; i += step) yield rows[i]!;
}

export const run: CommandRunner = async (args, io) => {
  if (args.positionals[0] === 'sso') return (await import('./run-demo-sso.js')).runSsoDemo(args, io);
  const started = performance.now();
  const dir = resolve(String(args.flags.dir));
  const users = Number(args.flags.users);
  if (!Number.isInteger(users) || users < 1 || users > 100_000) throw new FlaglessError('E_USAGE', '--users must be between 1 and 100000.');
  const rel = (p: string) => relative(process.cwd(), p) || '.';
  // The demo owns its folder: start clean so that two runs in a row give the same result.
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });

  io.err(`1/5 generate: a Clerk export of ${users} users with known passwords (bcrypt, argon2id, TOTP, social-only, organizations)`);
  const { displayName: _name, ...gen } = await generate({ from: 'clerk', users, out: join(dir, 'clerk-users.csv'), seed: 'flagless-demo', plaintexts: join(dir, 'logins.csv') });
  const sourceOptions: OpenSourceOptions = { from: 'clerk' };
  for (const f of gen.files) {
    if (f.role === 'export') sourceOptions.file = f.path;
    if (f.role === 'api-dump') sourceOptions.apiDump = f.path;
  }

  io.err('2/5 assess: what is in it, and what survives the move');
  const report = await assess({ source: sourceOptions, threads: 1 });
  await writeFile(join(dir, 'assess.html'), renderAssessHtml(report, sourceOptions.file!));

  const db = join(dir, 'better-auth.db');
  const statePath = join(dir, 'state.db');
  const target: OpenTargetOptions = { to: 'better-auth', db, env: process.env };
  const migrateOnce = async (): Promise<MigrateSummary> => {
    try {
      return await migrate({ source: sourceOptions, target, state: statePath, onProgress: (p) => io.progress(`    ${formatProgress(p)}`) });
    } finally {
      io.progressDone();
    }
  };
  io.err(`3/5 migrate: into Better Auth on SQLite (${rel(db)}), with a write-ahead ledger (${rel(statePath)})`);
  const first = await migrateOnce();
  io.err('    ...and again, to show a re-run writes nothing');
  const second = await migrateOnce();

  io.err(`4/5 verify: every user reconciled through Better Auth, and ${SAMPLE_LOGINS} sample users sign in with their original passwords`);
  const verified: VerifyResult = await verify({ source: sourceOptions, target, missingPassword: 'jit', concurrency: 2, logins: sample(readCredentials(join(dir, 'logins.csv')), SAMPLE_LOGINS) });
  const seconds = (performance.now() - started) / 1000;
  const logins = verified.logins;

  io.err('5/5 report');
  // The planted traps (duplicate emails) are quarantined by design and so missing at the target;
  // anything else missing, any mismatch, a write on the re-run or a failed sign-in fails the demo.
  const quarantined = new Set(first.quarantine.filter((q) => q.kind === 'user').map((q) => q.sourceId));
  const unexplained = verified.missing.filter((m) => !quarantined.has(m.sourceId)).length;
  const ok =
    second.writes === 0 &&
    unexplained === 0 &&
    verified.counts.mismatches === 0 &&
    verified.counts.missingMemberships === 0 &&
    (logins?.failedCount ?? 0) === 0 &&
    (logins?.succeeded ?? 0) > 0;
  const L: string[] = [''];
  L.push(`Moved (Clerk → Better Auth):`);
  L.push(`  users          ${first.users.created} created, ${first.users.lossy} with something left behind, ${first.users.quarantined} quarantined (of ${first.users.total})`);
  L.push(`  organizations  ${first.organizations.created} created;  memberships ${first.memberships.created} created`);
  L.push(`  passwords      ${report.passwordPlans.import} imported as they are (${Object.entries(report.hashVariants).map(([k, v]) => `${k} ${v}`).join(', ')}), ${report.passwordPlans.jit} left for a just-in-time move at next login`);
  L.push(`  writes         ${first.writes} on the first run, ${second.writes} on the re-run (exactly once)`);
  const lossReasons = first.plan?.reasons ?? [];
  if (lossReasons.length) {
    L.push('Left behind or skipped, and why:');
    for (const l of lossReasons.slice(0, 8)) L.push(`  ${String(l.count).padStart(4)} × ${l.entity} ${l.field}: ${l.reason}`);
  }
  if (report.problemCount) L.push(`Problems in the export: ${report.problemCount} (${Object.entries(report.problemsByCode).map(([k, v]) => `${k} ${v}`).join(', ')}): the traps real exports have, planted on purpose; see assess.html.`);
  L.push(`Quarantined: ${first.quarantine.length} record(s)${first.quarantine.length ? `: ${[...new Set(first.quarantine.map((q) => q.code))].join(', ')} (see --json, or \`flagless migrate ... --retry-failed\` after fixing them)` : ''}`);
  L.push(`Verify: ${verified.users.matched} of ${verified.users.expected} users found and matching, ${verified.counts.missing} missing (${verified.counts.missing - unexplained} of them quarantined above), ${verified.counts.mismatches} mismatches, ${verified.counts.missingMemberships} missing memberships`);
  if (logins) {
    const rate = logins.total ? ((logins.succeeded * 100) / logins.total).toFixed(1) : '0';
    L.push(`Sign-ins through Better Auth with the original passwords: ${logins.succeeded}/${logins.total} (${rate}%)${logins.failedCount ? `; failures: ${logins.failed.map((f) => `${f.identifier} (${f.reason})`).join(', ')}` : ''}`);
  }
  L.push(`Done in ${seconds.toFixed(1)} s. Files are in ${rel(dir)}/.`);
  L.push('');
  L.push('Next:');
  // No `open` (macOS only) or `xdg-open` (a desktop's): the path works in any browser and terminal.
  L.push(`  ${rel(join(dir, 'assess.html'))}                         the assessment as a page (open it in a browser)`);
  L.push(`  node bin/flagless.js migrate --from clerk --file ${rel(sourceOptions.file!)}${sourceOptions.apiDump ? ` --api-dump ${rel(sourceOptions.apiDump)}` : ''} --to better-auth --db ${rel(db)} --state ${rel(statePath)} --dry-run`);
  L.push(`  node bin/flagless.js verify --from clerk --file ${rel(sourceOptions.file!)} --to better-auth --db ${rel(db)} --logins ${rel(join(dir, 'logins.csv'))}`);
  L.push(`  node bin/flagless.js serve --from clerk --file ${rel(sourceOptions.file!)}${sourceOptions.apiDump ? ` --api-dump ${rel(sourceOptions.apiDump)}` : ''} --to better-auth --db ${rel(join(dir, 'jit.db'))} --state ${rel(join(dir, 'gateway-state.db'))}`);
  L.push('      the gateway: POST /v1/login {identifier, password} moves each user at their first sign-in (see /dashboard)');
  L.push('  node bin/flagless.js sim workos        a local WorkOS to migrate into (then --to workos)');
  L.push('  node bin/flagless.js --help');
  // The report is the demo's result (stdout); with --json the document takes stdout and the report stays readable on stderr.
  if (!io.json) io.out(L.join('\n'));
  else {
    io.err(L.join('\n'));
    io.out(JSON.stringify({ dir, seconds: Number(seconds.toFixed(2)), generated: gen, assess: report, migrate: first, rerun: { writes: second.writes }, verify: verified }, null, 2));
  }
  return ok ? EXIT_OK : EXIT_PROBLEMS;
};
