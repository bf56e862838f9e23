import { migrate, planMigration } from '../app/migrate.js';
import { formatPlan } from '../engine/dry-run.js';
import { formatProgress } from '../engine/progress.js';
import { DEFAULT_CONCURRENCY } from '../engine/run.js';
import { formatSummary, type MigrateSummary } from '../engine/summary.js';
import { sourceFromFlags } from './open-source.js';
import { hashCostCeilingFromFlags, positiveInt, positiveNumber, str, targetFromFlags } from './open-target.js';
import { EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE, type CommandIo, type ParsedCommand } from './spec.js';

/**
 * `flagless migrate`. Exit codes: 0 every record done; 1 quarantined or pending records, source
 * errors, or a fatal target error; 2 bad usage or unreadable input; 130 after SIGINT and 143
 * after SIGTERM (128 + signal number, the shell convention), with the ledger consistent: the same
 * command continues where it stopped. A second signal exits at once (the write-ahead ledger makes
 * that safe too: in-flight records are resolved by lookup on the next run).
 */
const SIGNAL_EXIT: Record<string, number> = { SIGINT: 130, SIGTERM: 143 };

function exitFor(summary: MigrateSummary): number {
  if (summary.interrupted) return SIGNAL_EXIT[summary.interrupted] ?? EXIT_PROBLEMS;
  if (summary.fatal) return /^E_(USAGE|INPUT_|WRONG_VENDOR|HASH_CONFIG_MISSING)/.test(summary.fatal.code) ? EXIT_USAGE : EXIT_PROBLEMS;
  if (!summary.complete || (summary.plan?.problems.errors ?? 0) > 0) return EXIT_PROBLEMS;
  return EXIT_OK;
}

export async function run(args: ParsedCommand, io: CommandIo): Promise<number> {
  const flags = args.flags;
  const env = process.env;
  const target = targetFromFlags(flags, env);
  const source = sourceFromFlags(flags, env);
  const state = str(flags.state);
  const missingPassword = (str(flags['missing-password']) ?? 'jit') as 'jit' | 'reset';
  const concurrency = positiveInt(flags, 'concurrency', DEFAULT_CONCURRENCY);
  const rate = positiveNumber(flags, 'rate');
  const hashCostCeiling = hashCostCeilingFromFlags(flags);

  if (flags['dry-run'] === true) {
    // Reads an existing ledger (to say what is already done) but never creates one.
    const { plan, target: label } = await planMigration({ source, target, ...(state ? { state } : {}), missingPassword, ...(hashCostCeiling ? { hashCostCeiling } : {}) });
    if (io.json) io.out(JSON.stringify({ dryRun: true, target: label, plan }, null, 2));
    else io.err(formatPlan(plan, label));
    return plan.problems.errors > 0 ? EXIT_PROBLEMS : EXIT_OK;
  }

  const ac = new AbortController();
  const onSignal = (sig: NodeJS.Signals) => {
    if (ac.signal.aborted) process.exit(SIGNAL_EXIT[sig] ?? 1);
    io.progressDone();
    io.err(`flagless: ${sig}: finishing the requests in flight, then stopping (again to stop at once)…`);
    ac.abort(sig);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const summary = await migrate({
      source,
      target,
      ...(state ? { state } : {}),
      concurrency,
      ...(rate !== undefined ? { rate } : {}),
      onConflict: (str(flags['on-conflict']) ?? 'link') as 'link' | 'skip' | 'fail',
      retryFailed: flags['retry-failed'] === true,
      missingPassword,
      ...(hashCostCeiling ? { hashCostCeiling } : {}),
      signal: ac.signal,
      onProgress: (p) => io.progress(formatProgress(p)),
    });
    io.progressDone();
    if (io.json) io.out(JSON.stringify(summary, null, 2));
    else io.err(formatSummary(summary));
    return exitFor(summary);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
