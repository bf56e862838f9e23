import type { CanonicalUser } from '../model/user.js';
import type { TargetCapabilities } from '../protocol/capabilities.js';
import type { Source } from '../protocol/source.js';
import { AbortedError, yieldToEventLoop } from './concurrency.js';
import { membershipFingerprint, organizationFingerprint, userFingerprint } from './fingerprint.js';
import { planMembership, planOrganization, planUser, type PlanOptions, type UserPlan } from './plan.js';
import { PlanTally, type PlanReport } from './plan-report.js';
import { membershipKey } from '../state/ledger/schema.js';
import type { EntityKind, LedgerRecord, PlannedRecord } from '../state/ledger/types.js';

/**
 * One streaming pass over the source that plans every record: the first pass of `migrate` (which
 * writes the plan into the ledger batch by batch) and all of `--dry-run` (which writes nothing).
 * Memory stays bounded by the batch size, whatever the size of the export.
 */
export interface PlanPassOptions {
  source: Source;
  capabilities: TargetCapabilities;
  plan: PlanOptions;
  batchSize: number;
  signal?: AbortSignal;
  /** Ledger rows for the batch's records, to count what is already done (absent on a first run or a dry run without a ledger). */
  lookup?: (kind: EntityKind, sourceIds: string[]) => Promise<Map<string, LedgerRecord>>;
  /** Receives each batch of planned records (migrate writes them; a dry run passes nothing). */
  write?: (records: PlannedRecord[]) => Promise<void>;
  /** Sees every planned record as it is added (with its user's plan for users and their memberships). */
  observe?: (record: PlannedRecord, user: UserPlan | undefined) => void;
}

/** The fingerprint of what planUser would write: the written user plus the create options. */
export function plannedUserFingerprint(plan: UserPlan): string {
  return userFingerprint(plan.user, plan.createOptions);
}

interface Pending {
  record: PlannedRecord;
  count: (ledger: LedgerRecord | undefined) => void;
}

export async function planPass(opts: PlanPassOptions): Promise<PlanReport> {
  const tally = new PlanTally();
  const caps = opts.capabilities;
  let batch: Pending[] = [];
  const seen = new Set<string>();

  const flush = async () => {
    if (batch.length === 0) return;
    await yieldToEventLoop();
    const current = batch;
    batch = [];
    seen.clear();
    const ledger = new Map<string, LedgerRecord>();
    if (opts.lookup) {
      // The kinds' reads at once: on PostgreSQL parallel round trips rather than one after another.
      const found = await Promise.all(
        (['organization', 'user', 'membership'] as const).map(async (kind) => {
          const ids = current.filter((p) => p.record.kind === kind).map((p) => p.record.sourceId);
          return { kind, rows: ids.length ? await opts.lookup!(kind, ids) : new Map<string, LedgerRecord>() };
        }),
      );
      for (const { kind, rows } of found) for (const [id, rec] of rows) ledger.set(`${kind}:${id}`, rec);
    }
    for (const p of current) p.count(ledger.get(`${p.record.kind}:${p.record.sourceId}`));
    if (opts.write) await opts.write(current.map((p) => p.record));
  };

  const add = (p: Pending, user?: UserPlan) => {
    // A key twice in one batch would make one upsert statement touch a row twice; the first wins.
    const key = `${p.record.kind}:${p.record.sourceId}`;
    if (seen.has(key)) return;
    seen.add(key);
    batch.push(p);
    opts.observe?.(p.record, user);
  };

  for await (const item of opts.source.read()) {
    if (opts.signal?.aborted) throw new AbortedError();
    if (item.type === 'problem') {
      tally.problem(item.problem);
      continue;
    }
    if (item.type === 'organization') {
      const org = item.organization;
      const plan = planOrganization(org, caps);
      const fp = organizationFingerprint(org);
      add({
        record: { kind: 'organization', sourceId: org.sourceId, fingerprint: fp, lossy: plan.lossy, payload: org, ...(plan.skipReason ? { skipReason: plan.skipReason } : {}) },
        count: (l) => tally.organization(plan, l, fp),
      });
    } else {
      addUser(item.user, caps, opts.plan, tally, add);
    }
    if (batch.length >= opts.batchSize) await flush();
  }
  await flush();
  return tally.finish();
}

function addUser(user: CanonicalUser, caps: TargetCapabilities, planOptions: PlanOptions, tally: PlanTally, add: (p: Pending, user?: UserPlan) => void): void {
  const plan = planUser(user, caps, planOptions);
  const fp = plannedUserFingerprint(plan);
  add({
    record: { kind: 'user', sourceId: user.sourceId, fingerprint: fp, lossy: plan.lossy, ...(plan.skipReason ? { skipReason: plan.skipReason } : {}) },
    count: (l) => tally.user(plan, l, fp),
  }, plan);
  // plan.user: a kept duplicate's memberships include those its linked accounts bring.
  for (const m of plan.user.memberships) {
    const mp = planMembership(m, caps);
    const mfp = membershipFingerprint(mp.roles);
    // A user the plan skips takes its memberships with it (a linked one's move with the kept account).
    const skipReason =
      plan.action === 'skip' ? (plan.decision?.decision === 'link' ? `moved with the kept account ${plan.decision.keeper}` : 'its user is skipped') : mp.skipReason;
    add({
      record: {
        kind: 'membership',
        sourceId: membershipKey(user.sourceId, m.organizationId),
        fingerprint: mfp,
        lossy: mp.lossy,
        payload: { roles: mp.roles },
        userSourceId: user.sourceId,
        orgSourceId: m.organizationId,
        ...(skipReason ? { skipReason } : {}),
      },
      count: (l) => tally.membership(skipReason ? { ...mp, action: 'skip', skipReason } : mp, l, mfp),
    }, plan);
  }
}
