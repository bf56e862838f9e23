import { dryRun } from '../engine/dry-run.js';
import type { PlanReport } from '../engine/plan-report.js';
import type { Progress } from '../engine/progress.js';
import { DEFAULT_CONCURRENCY, migrate as runMigration } from '../engine/run.js';
import type { MigrateSummary } from '../engine/summary.js';
import type { HashCostCeiling } from '../model/password/cost.js';
import type { Target } from '../protocol/target.js';
import { openStateStore } from '../state/ledger/open.js';
import type { StateStore } from '../state/ledger/types.js';
import { stateMayExist } from '../state/location.js';
import { openSource, type OpenSourceOptions } from './open-source.js';
import { loadTargetConnector, sourceFingerprint, targetConnectorOptions, targetLabel, withTargetLog, type OpenTargetOptions } from './open-target.js';

export interface MigrateOptions {
  source: OpenSourceOptions;
  target: OpenTargetOptions;
  /** The ledger: a SQLite path (default .flagless/state.db) or postgres://...?schema=name (several workers). */
  state?: string;
  /** Requests in flight (default 8). */
  concurrency?: number;
  /** Requests per second (default: the target's documented limit). */
  rate?: number;
  /** A user already in the target (same email): link to it (default), skip it, or fail it. */
  onConflict?: 'link' | 'skip' | 'fail';
  /** Run only the records quarantined before. */
  retryFailed?: boolean;
  /** Users without a usable hash: moved without a password for a just-in-time move at login (default), or marked for a reset. */
  missingPassword?: 'jit' | 'reset';
  /** Hashes costlier than this are not imported: those users reset (default DEFAULT_HASH_COST_CEILING). */
  hashCostCeiling?: HashCostCeiling;
  /** Aborting stops taking new work, waits for the requests in flight, and leaves the ledger consistent. */
  signal?: AbortSignal;
  onProgress?: (p: Progress) => void;
}

export interface MigrationPlan {
  dryRun: true;
  /** The target's label (name and instance). */
  target: string;
  plan: PlanReport;
}

function runKeyOf(options: MigrateOptions, label: string): string {
  return `${options.source.from}→${label}`;
}

/**
 * Plan → apply into the target, idempotent and resumable: every write is recorded in the ledger
 * before it is sent and confirmed after the target acknowledged it, so the same call after a
 * crash or an abort continues where it stopped and never writes twice.
 */
export async function migrate(options: MigrateOptions): Promise<MigrateSummary> {
  const connector = await loadTargetConnector(options.target.to);
  const label = targetLabel(connector.name, options.target);
  const missingPassword = options.missingPassword ?? 'jit';
  const concurrency = options.concurrency ?? DEFAULT_CONCURRENCY;
  const onConflict = options.onConflict ?? 'link';
  const retryFailed = options.retryFailed === true;
  const source = await openSource(options.source);
  let target: Target | undefined;
  let store: StateStore | undefined;
  try {
    target = withTargetLog(await connector.open(targetConnectorOptions(options.target)), options.target.logLevel);
    store = await openStateStore(options.state);
    return await runMigration({
      source,
      runKey: runKeyOf(options, label),
      sourceFingerprint: sourceFingerprint(options.source),
      target,
      targetLabel: label,
      store,
      concurrency,
      ...(options.rate !== undefined ? { rate: options.rate } : {}),
      onConflict,
      retryFailed,
      missingPassword,
      ...(options.hashCostCeiling ? { hashCostCeiling: options.hashCostCeiling } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
      runOptions: { concurrency, rate: options.rate ?? null, onConflict, retryFailed, missingPassword },
    });
  } finally {
    await target?.close().catch(() => undefined);
    await store?.close().catch(() => undefined);
  }
}

/**
 * What `migrate` would do, and nothing else (`--dry-run`): reads the source and an existing
 * ledger (to say what is already done), decides from the target's capability data alone, and
 * writes nowhere: no target call, no state created.
 */
export async function planMigration(options: Omit<MigrateOptions, 'concurrency' | 'rate' | 'onConflict' | 'retryFailed' | 'onProgress'>): Promise<MigrationPlan> {
  const connector = await loadTargetConnector(options.target.to);
  const label = targetLabel(connector.name, options.target);
  const source = await openSource(options.source);
  const store = stateMayExist(options.state) ? await openStateStore(options.state, { readonly: true }).catch(() => undefined) : undefined;
  try {
    const plan = await dryRun({
      source,
      capabilities: connector.capabilities,
      missingPassword: options.missingPassword ?? 'jit',
      ...(options.hashCostCeiling ? { hashCostCeiling: options.hashCostCeiling } : {}),
      runKey: runKeyOf(options, label),
      ...(store ? { store } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    });
    return { dryRun: true, target: label, plan };
  } finally {
    await store?.close();
  }
}
