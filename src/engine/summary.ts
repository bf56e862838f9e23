import type { MissingFromExport } from './absent.js';
import type { PlanReport } from './plan-report.js';
import type { InvocationCounts } from './run-context.js';
import type { EntityKind, KindTally, StateStore } from '../state/ledger/types.js';

/**
 * What `migrate` reports. Entity counts are the ledger's totals for the run (so a re-run of a
 * finished migration still shows everything it moved), `writes` and `processed` are this
 * invocation's (so that re-run shows zero).
 */
export interface EntitySummary {
  total: number;
  created: number;
  linked: number;
  updated: number;
  skipped: number;
  /** Found applied in the target after a crash or a lost reply (created once, acknowledged late). */
  recovered: number;
  /** Moved with something left behind (see the plan's reasons). */
  lossy: number;
  quarantined: number;
  /** Not settled yet (an interrupted run, a membership whose user is still pending). */
  pending: number;
}

export interface QuarantineEntry {
  kind: EntityKind;
  sourceId: string;
  code: string;
  message: string;
  attempts: number;
}

export interface MigrateSummary {
  runId: string;
  target: string;
  state: string;
  users: EntitySummary;
  organizations: EntitySummary;
  memberships: EntitySummary;
  /** Write requests sent to the target by this invocation (counted by the connector). */
  writes: number;
  reads: number;
  /** Records this invocation settled. */
  processed: Record<EntityKind, number>;
  rateLimited: number;
  elapsedSeconds: number;
  writesPerSecond: number;
  plan?: PlanReport;
  quarantine: QuarantineEntry[];
  /** Side effects the target counted during this run (e.g. Keycloak reset emails), when it counts any. */
  targetEvents?: Record<string, number>;
  /** The signal that stopped the run (SIGINT, SIGTERM), if one did. */
  interrupted?: string;
  /** The fatal error that stopped the run, if one did. */
  fatal?: { code: string; message: string };
  /** Users the ledger knows that this export lacks (a newer export): reported, never deleted. */
  missingFromExport?: MissingFromExport;
  /** Every record done: nothing quarantined, nothing pending, no fatal error, not interrupted. */
  complete: boolean;
}

const QUARANTINE_SAMPLE = 100;

function entity(t: KindTally): EntitySummary {
  return {
    total: t.total,
    created: t.created,
    linked: t.linked,
    updated: t.updated,
    skipped: t.skipped,
    recovered: t.recovered,
    lossy: t.lossy,
    quarantined: t.failed,
    pending: t.planned + t.writing,
  };
}

export async function summarize(input: {
  store: StateStore;
  runId: string;
  targetLabel: string;
  plan: PlanReport | undefined;
  counts: InvocationCounts;
  writes: number;
  reads: number;
  rateLimited: number;
  elapsedMs: number;
  targetEvents?: Record<string, number>;
  interrupted?: string;
  fatal?: { code: string; message: string };
  missingFromExport?: MissingFromExport;
}): Promise<MigrateSummary> {
  const tally = await input.store.tally(input.runId);
  const failures = await input.store.failures(input.runId, QUARANTINE_SAMPLE);
  const users = entity(tally.user);
  const organizations = entity(tally.organization);
  const memberships = entity(tally.membership);
  const elapsedSeconds = input.elapsedMs / 1000;
  const summary: MigrateSummary = {
    runId: input.runId,
    target: input.targetLabel,
    state: input.store.location,
    users,
    organizations,
    memberships,
    writes: input.writes,
    reads: input.reads,
    processed: { ...input.counts.processed },
    rateLimited: input.rateLimited,
    elapsedSeconds: Math.round(elapsedSeconds * 1000) / 1000,
    writesPerSecond: elapsedSeconds > 0 ? Math.round((input.writes / elapsedSeconds) * 100) / 100 : 0,
    quarantine: failures.map((r) => ({ kind: r.kind, sourceId: r.sourceId, code: r.errorCode ?? 'E_INTERNAL', message: r.errorMessage ?? '', attempts: r.attempts })),
    complete: false,
  };
  if (input.plan) summary.plan = input.plan;
  if (input.targetEvents && Object.keys(input.targetEvents).length > 0) summary.targetEvents = input.targetEvents;
  if (input.interrupted) summary.interrupted = input.interrupted;
  if (input.fatal) summary.fatal = input.fatal;
  if (input.missingFromExport) summary.missingFromExport = input.missingFromExport;
  const open = [users, organizations, memberships].reduce((n, e) => n + e.quarantined + e.pending, 0);
  summary.complete = open === 0 && !input.interrupted && !input.fatal;
  return summary;
}

export function formatSummary(s: MigrateSummary): string {
  const row = (name: string, e: EntitySummary) =>
    `  ${name.padEnd(14)} ${String(e.total).padStart(7)} total: ${e.created} created, ${e.linked} linked, ${e.updated} updated, ${e.recovered} recovered, ${e.skipped} skipped, ${e.lossy} lossy, ${e.quarantined} quarantined${e.pending ? `, ${e.pending} pending` : ''}`;
  const lines = [
    `migrate → ${s.target} (run ${s.runId}, ledger ${s.state})`,
    row('organizations', s.organizations),
    row('users', s.users),
    row('memberships', s.memberships),
    `  this run: ${s.writes} writes, ${s.reads} reads, ${s.rateLimited} rate-limited, ${s.elapsedSeconds.toFixed(1)}s (${s.writesPerSecond} writes/s)`,
  ];
  if (s.targetEvents) lines.push(`  at the target: ${Object.entries(s.targetEvents).map(([k, v]) => `${k} ${v}`).join(', ')}`);
  if (s.plan && (s.plan.problems.errors || s.plan.problems.warnings)) lines.push(`  source problems: ${s.plan.problems.errors} errors, ${s.plan.problems.warnings} warnings`);
  if (s.quarantine.length) {
    lines.push('  quarantined (retry with --retry-failed once fixed):');
    for (const q of s.quarantine.slice(0, 20)) lines.push(`    ${q.kind} ${q.sourceId}: ${q.code}: ${q.message}`);
    const more = s.users.quarantined + s.organizations.quarantined + s.memberships.quarantined - Math.min(20, s.quarantine.length);
    if (more > 0) lines.push(`    … and ${more} more (flagless migrate --json lists ${s.quarantine.length})`);
  }
  if (s.missingFromExport) {
    const m = s.missingFromExport;
    lines.push(
      `  missing from this export: ${m.users} users the ledger knows (${m.inTarget} moved earlier and still in the target: flagless never deletes them; ${m.settled} never moved, now settled as skipped)`,
    );
    for (const x of m.sample.slice(0, 10)) lines.push(`    user ${x.sourceId}: ${x.state}${x.targetId ? ` (target ${x.targetId})` : ''}`);
    if (m.users > 10) lines.push(`    … and ${m.users - 10} more (--json lists ${m.sample.length})`);
  }
  if (s.interrupted) lines.push(`  interrupted by ${s.interrupted}: the ledger is consistent; run the same command again to continue`);
  if (s.fatal) lines.push(`  stopped: ${s.fatal.code}: ${s.fatal.message}`);
  if (s.complete) lines.push('  complete: every record is done');
  return lines.join('\n');
}
