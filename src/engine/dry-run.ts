import type { HashCostCeiling } from '../model/password/cost.js';
import type { TargetCapabilities } from '../protocol/capabilities.js';
import type { Source } from '../protocol/source.js';
import { planPass } from './plan-pass.js';
import type { PlanReport } from './plan-report.js';
import { DEFAULT_BATCH_SIZE, runIdFor } from './run.js';
import type { StateStore } from '../state/ledger/types.js';

/**
 * `migrate --dry-run`: the plan, and nothing else. It reads the source and (when one already
 * exists) the ledger, decides from capability data alone, and writes nowhere: no target call,
 * no state file created.
 */
export async function dryRun(opts: {
  source: Source;
  capabilities: TargetCapabilities;
  missingPassword: 'jit' | 'reset';
  hashCostCeiling?: HashCostCeiling;
  /** An existing ledger, opened read-only: counts what is already done, changed or quarantined. */
  store?: StateStore;
  runKey?: string;
  batchSize?: number;
  signal?: AbortSignal;
}): Promise<PlanReport> {
  const store = opts.store;
  const runId = opts.runKey ? runIdFor(opts.runKey) : undefined;
  const known = store && runId ? await store.getRun(runId) : undefined;
  return planPass({
    source: opts.source,
    capabilities: opts.capabilities,
    plan: { missingPassword: opts.missingPassword, ...(opts.hashCostCeiling ? { hashCostCeiling: opts.hashCostCeiling } : {}) },
    batchSize: opts.batchSize ?? DEFAULT_BATCH_SIZE,
    ...(opts.signal ? { signal: opts.signal } : {}),
    ...(store && known ? { lookup: (kind, ids) => store.getMany(known.id, kind, ids) } : {}),
  });
}

export function formatPlan(p: PlanReport, targetName: string): string {
  const e = (name: string, c: PlanReport['organizations']) => {
    const extra = [c.update && `${c.update} update`, c.done && `${c.done} already done`, c.quarantined && `${c.quarantined} quarantined (--retry-failed)`, c.resolve && `${c.resolve} to resolve after a crash`]
      .filter(Boolean)
      .join(', ');
    return `  ${name.padEnd(14)} ${String(c.total).padStart(7)}: ${c.create} create, ${c.skip} skip, ${c.lossy} lossy${extra ? `, ${extra}` : ''}`;
  };
  const lines = [
    `plan for ${targetName} (dry run: nothing written)`,
    e('organizations', p.organizations),
    e('users', p.users),
    e('memberships', p.memberships),
    `  passwords       import ${p.users.password.import}, JIT ${p.users.password.jit}, reset ${p.users.password.reset}, none ${p.users.password.none}`,
    `  social links    ${p.socialLinks.import} import, ${p.socialLinks.lossy} lossy`,
    `  MFA factors     ${p.mfaFactors.import} import, ${p.mfaFactors.lossy} lossy`,
    '  users, organizations and memberships that meet an existing account are linked, skipped or quarantined per --on-conflict when the target answers.',
  ];
  if (p.reasons.length) {
    lines.push('  why:');
    for (const r of p.reasons.slice(0, 30)) lines.push(`    ${String(r.count).padStart(7)} ${r.entity} ${r.field}: ${r.reason}`);
  }
  if (p.problems.errors || p.problems.warnings) {
    lines.push(`  source problems: ${p.problems.errors} errors, ${p.problems.warnings} warnings`);
    for (const pr of p.problems.sample.slice(0, 10)) lines.push(`    ${pr.file ?? ''}${pr.line ? `:${pr.line}` : ''} ${pr.code}: ${pr.message}`);
  }
  return lines.join('\n');
}
