import type { CanonicalUser } from '../model/user.js';
import type { TargetCapabilities } from '../protocol/capabilities.js';
import type { Source } from '../protocol/source.js';
import { AbortedError, yieldToEventLoop } from './concurrency.js';
import { membershipFingerprint, organizationFingerprint, userFingerprint } from './fingerprint.js';
import { planMembership, planOrganization, planUser, type PlanOptions, type UserPlan } from './plan.js';
import { PlanTally, type PlanReport } from './plan-report.js';
import { membershipKey } from '../state/ledger/schema.js';
import type { EntityKind, LedgerRecord, PlannedRecord, PlanWrite } from '../state/ledger/types.js';

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
  write?: (records: PlannedRecord[]) => Promise<PlanWrite | void>;
  /**
   * Called after each batch is written, with the batch's organizations and users (each user as the
   * source gave it and as planned; a user twice in one batch is there once, the first, as in the
   * plan) and whether every record to do in it got a row of its own (none was there before):
   * migrate's one-pass apply (run.ts) moves the batch while the pass reads the next.
   */
  applyBatch?: (batch: PlannedBatch) => Promise<void>;
  /**
   * With applyBatch: a batch ends at this many users (a user's memberships ride with it), so the
   * target gets full batches of users; or at four times `batchSize` records, whichever comes first.
   */
  usersPerBatch?: number;
  /** Sees every planned record as it is added (with its user's plan for users and their memberships). */
  observe?: (record: PlannedRecord, user: UserPlan | undefined) => void;
}

export interface PlannedBatch {
  organizations: PlannedRecord[];
  users: { user: CanonicalUser; plan: UserPlan }[];
  /** Every record to do in the batch (no skip reason) was inserted by its write. */
  allNew: boolean;
  /** How many records to do its write inserted (a record already there is not counted again). */
  inserted: number;
}

/** The fingerprint of what planUser would write: the written user plus the create options. */
export function plannedUserFingerprint(plan: UserPlan): string {
  return userFingerprint(plan.user, plan.createOptions);
}

interface Pending {
  record: PlannedRecord;
  count: (ledger: LedgerRecord | undefined) => void;
  /** A user record's source user and plan (for applyBatch). */
  user?: { user: CanonicalUser; plan: UserPlan };
}

export async function planPass(opts: PlanPassOptions): Promise<PlanReport> {
  const tally = new PlanTally();
  const caps = opts.capabilities;
  let batch: Pending[] = [];
  let users = 0;
  const seen = new Set<string>();

  const flush = async () => {
    if (batch.length === 0) return;
    await yieldToEventLoop();
    const current = batch;
    batch = [];
    users = 0;
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
    const records = current.map((p) => p.record);
    const store = async () => {
      const written = opts.write ? await opts.write(records) : undefined;
      if (opts.applyBatch) {
        const toDo = records.reduce((n, r) => (r.skipReason === undefined ? n + 1 : n), 0);
        await opts.applyBatch({
          organizations: records.filter((r) => r.kind === 'organization'),
          users: current.flatMap((p) => (p.user ? [p.user] : [])),
          allNew: written !== undefined && written.inserted === toDo,
          inserted: written?.inserted ?? 0,
        });
      }
    };
    if (opts.lookup) {
      await store();
      return;
    }
    // Without lookups (a fresh run, a dry run) the next batch is read and planned while this one is
    // written and applied (a ledger on its own thread, a target that answers later): one batch in
    // flight at a time, in order. Its failure surfaces at the next flush or at the end.
    const previous = inFlight;
    const next = (async () => {
      if (previous) await previous;
      await store();
    })();
    next.catch(() => undefined);
    inFlight = next;
    if (previous) await previous;
  };
  let inFlight: Promise<void> | undefined;

  const add = (p: Pending, user?: UserPlan) => {
    // A key twice in one batch would make one upsert statement touch a row twice; the first wins.
    const key = `${p.record.kind}:${p.record.sourceId}`;
    if (seen.has(key)) return;
    seen.add(key);
    batch.push(p);
    if (p.user) users++;
    opts.observe?.(p.record, user);
  };

  try {
    await readAll();
  } catch (e) {
    // The batch in flight is written and applied before the pass ends, whatever ended it (a source
    // error, an abort): nothing of this run may still be claiming or writing once migrate returns.
    await inFlight?.catch(() => undefined);
    throw e;
  }
  await flush();
  await inFlight;
  return tally.finish();

  async function readAll(): Promise<void> {
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
      if (opts.usersPerBatch !== undefined ? users >= opts.usersPerBatch || batch.length >= 4 * opts.batchSize : batch.length >= opts.batchSize) await flush();
    }
  }
}

function addUser(user: CanonicalUser, caps: TargetCapabilities, planOptions: PlanOptions, tally: PlanTally, add: (p: Pending, user?: UserPlan) => void): void {
  const plan = planUser(user, caps, planOptions);
  const fp = plannedUserFingerprint(plan);
  add({
    record: { kind: 'user', sourceId: user.sourceId, fingerprint: fp, lossy: plan.lossy, ...(plan.skipReason ? { skipReason: plan.skipReason } : {}) },
    count: (l) => tally.user(plan, l, fp),
    user: { user, plan },
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
