import type { LossyNote } from '../model/user.js';
import type { Problem } from '../protocol/problem.js';
import type { MembershipPlan, OrganizationPlan, UserPlan } from './plan.js';
import type { LedgerRecord } from '../state/ledger/types.js';

/**
 * The plan's tallies: what `--dry-run` prints and `migrate` reports as its plan. Counts per entity
 * of what will be created or skipped and what is lossy, each reason with how many records it
 * touches. With an existing ledger, records already settled are counted apart (nothing to do,
 * changed since → update, quarantined → retry with --retry-failed, in flight at a crash → resolve).
 */
export interface EntityPlanCounts {
  total: number;
  create: number;
  update: number;
  skip: number;
  lossy: number;
  /** Already done in the ledger, unchanged: nothing will be sent. */
  done: number;
  /** Quarantined earlier: retried only with --retry-failed. */
  quarantined: number;
  /** Left `writing` by a crash: looked up in the target first. */
  resolve: number;
}

export interface PlanReport {
  users: EntityPlanCounts & { password: { import: number; jit: number; reset: number; none: number } };
  organizations: EntityPlanCounts;
  memberships: EntityPlanCounts;
  socialLinks: { total: number; import: number; lossy: number };
  /** `onCreate`: factors of users the run creates (what a target that enrols factors by their own request writes). */
  mfaFactors: { total: number; import: number; lossy: number; onCreate: number };
  /** Why records are skipped or lossy: one entry per distinct reason, most frequent first. */
  reasons: { entity: 'user' | 'organization' | 'membership'; field: string; reason: string; count: number }[];
  problems: { errors: number; warnings: number; sample: Problem[] };
  /** Accounts of decided duplicate-email groups (`--decisions`), by decision. */
  duplicates: { kept: number; skipped: number; linked: number };
}

const MAX_REASONS = 200;
const MAX_PROBLEM_SAMPLE = 20;

function counts(): EntityPlanCounts {
  return { total: 0, create: 0, update: 0, skip: 0, lossy: 0, done: 0, quarantined: 0, resolve: 0 };
}

export class PlanTally {
  readonly report: PlanReport = {
    users: { ...counts(), password: { import: 0, jit: 0, reset: 0, none: 0 } },
    organizations: counts(),
    memberships: counts(),
    socialLinks: { total: 0, import: 0, lossy: 0 },
    mfaFactors: { total: 0, import: 0, lossy: 0, onCreate: 0 },
    reasons: [],
    problems: { errors: 0, warnings: 0, sample: [] },
    duplicates: { kept: 0, skipped: 0, linked: 0 },
  };
  readonly #reasons = new Map<string, PlanReport['reasons'][number]>();
  #otherReasons = 0;

  user(plan: UserPlan, ledger?: LedgerRecord, fingerprint?: string): void {
    const u = this.report.users;
    const created = u.create;
    this.#entity(u, 'user', plan.action, plan.skipReason, plan.lossy, ledger, fingerprint);
    if (u.create > created) this.report.mfaFactors.onCreate += plan.mfaFactors.import;
    u.password[plan.password]++;
    if (plan.decision) this.report.duplicates[plan.decision.decision === 'keep' ? 'kept' : plan.decision.decision === 'skip' ? 'skipped' : 'linked']++;
    this.report.socialLinks.import += plan.socialLinks.import;
    this.report.socialLinks.lossy += plan.socialLinks.lossy;
    this.report.socialLinks.total += plan.socialLinks.import + plan.socialLinks.lossy;
    this.report.mfaFactors.import += plan.mfaFactors.import;
    this.report.mfaFactors.lossy += plan.mfaFactors.lossy;
    this.report.mfaFactors.total += plan.mfaFactors.import + plan.mfaFactors.lossy;
  }

  organization(plan: OrganizationPlan, ledger?: LedgerRecord, fingerprint?: string): void {
    this.#entity(this.report.organizations, 'organization', plan.action, plan.skipReason, plan.lossy, ledger, fingerprint);
  }

  membership(plan: MembershipPlan, ledger?: LedgerRecord, fingerprint?: string): void {
    this.#entity(this.report.memberships, 'membership', plan.action, plan.skipReason, plan.lossy, ledger, fingerprint);
  }

  problem(p: Problem): void {
    if (p.severity === 'error') this.report.problems.errors++;
    else this.report.problems.warnings++;
    if (this.report.problems.sample.length < MAX_PROBLEM_SAMPLE) this.report.problems.sample.push(p);
  }

  /** The report with reasons sorted (most frequent first). */
  finish(): PlanReport {
    const reasons = [...this.#reasons.values()].sort((a, b) => b.count - a.count || a.field.localeCompare(b.field));
    if (this.#otherReasons) reasons.push({ entity: 'user', field: '*', reason: 'other reasons (not listed)', count: this.#otherReasons });
    this.report.reasons = reasons;
    return this.report;
  }

  #entity(
    c: EntityPlanCounts,
    entity: 'user' | 'organization' | 'membership',
    action: 'create' | 'skip',
    skipReason: string | undefined,
    lossy: readonly LossyNote[],
    ledger: LedgerRecord | undefined,
    fingerprint: string | undefined,
  ): void {
    c.total++;
    if (action === 'skip') {
      c.skip++;
      this.#reason(entity, 'record', skipReason ?? 'skipped');
      return;
    }
    if (lossy.length) c.lossy++;
    for (const n of lossy) this.#reason(entity, n.field, n.reason);
    if (!ledger || ledger.state === 'planned') {
      if (ledger?.targetId && ledger.outcome && ledger.outcome !== 'skipped') c.update++;
      else c.create++;
    } else if (ledger.state === 'done') {
      if (ledger.fingerprint !== fingerprint && ledger.outcome !== 'skipped') c.update++;
      else c.done++;
    } else if (ledger.state === 'failed') c.quarantined++;
    else c.resolve++;
  }

  #reason(entity: PlanReport['reasons'][number]['entity'], field: string, reason: string): void {
    const key = `${entity}\u0000${field}\u0000${reason}`;
    const r = this.#reasons.get(key);
    if (r) r.count++;
    else if (this.#reasons.size < MAX_REASONS) this.#reasons.set(key, { entity, field, reason, count: 1 });
    else this.#otherReasons++;
  }
}
