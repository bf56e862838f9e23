import type { Organization } from '../model/user.js';
import type { TargetOrgRef } from '../protocol/target.js';
import { planMembership, type UserPlan } from './plan.js';
import type { RunContext } from './run-context.js';
import { membershipKey } from '../state/ledger/schema.js';
import type { LedgerRecord, StateStore } from '../state/ledger/types.js';

/**
 * The memberships a bulk create can write with its new users (`capabilities.membershipsWithUsers`):
 * those of the batch's users whose ledger record was never sent (planned, no attempt) and whose
 * organization is settled in the target (done, with a target id, not skipped). They are claimed
 * like any record (`neverSent`), so no other worker takes them; every other membership is left to
 * the memberships phase, which settles it as before (orphans, quarantined organizations, retries).
 */
export interface NewMembership {
  rec: LedgerRecord;
  org: TargetOrgRef;
  orgRecord: LedgerRecord;
  roles: string[];
}

/** Per user source id, the memberships taken for its create. */
export type NewMemberships = Map<string, NewMembership[]>;

/** Organizations settled in the target, read from the ledger until each has settled (a settled one does not change). */
export class SettledOrganizations {
  readonly #store: StateStore;
  readonly #runId: string;
  readonly #known = new Map<string, LedgerRecord>();
  static readonly MAX = 10_000;

  constructor(store: StateStore, runId: string) {
    this.#store = store;
    this.#runId = runId;
  }

  /** The settled ones among `ids` (done, with a target id, not skipped). */
  async get(ids: readonly string[]): Promise<Map<string, LedgerRecord>> {
    const missing = [...new Set(ids.filter((id) => !this.#known.has(id)))];
    if (missing.length) {
      const found = await this.#store.getMany(this.#runId, 'organization', missing);
      // Bounded: an export with more organizations than this only reads some of them again.
      if (this.#known.size + missing.length > SettledOrganizations.MAX) this.#known.clear();
      for (const id of missing) {
        const r = found.get(id);
        // Only a settled organization is remembered; any other is read again next time (in one pass
        // an organization can come in a later batch than some of its members, and settle then).
        if (r && settled(r)) this.#known.set(id, r);
      }
    }
    const out = new Map<string, LedgerRecord>();
    for (const id of ids) {
      const r = this.#known.get(id);
      if (r) out.set(id, r);
    }
    return out;
  }
}

function settled(r: LedgerRecord): boolean {
  return r.state === 'done' && Boolean(r.targetId) && r.outcome !== 'skipped';
}

/**
 * Claims the memberships of the users of `plans` (first-time creates) that can go with their create.
 * `known`: the run's rows are those its plan pass wrote (run.ts, one pass): the memberships the
 * plan created are `planned` with no attempt, and are taken without a claim.
 */
export async function claimNewMemberships(ctx: RunContext, orgs: SettledOrganizations, plans: readonly UserPlan[], known = false): Promise<NewMemberships> {
  const wanted = new Map<string, { userId: string; orgId: string; roles: string[] }>();
  for (const p of plans) {
    const u = p.user;
    for (const m of u.memberships) {
      const mp = planMembership(m, ctx.capabilities);
      if (mp.action !== 'create') continue;
      const key = membershipKey(u.sourceId, m.organizationId);
      // The first of a key wins, as in the plan pass.
      if (!wanted.has(key)) wanted.set(key, { userId: u.sourceId, orgId: m.organizationId, roles: mp.roles });
    }
  }
  const out: NewMemberships = new Map();
  if (wanted.size === 0) return out;
  const settledOrgs = await orgs.get([...new Set([...wanted.values()].map((w) => w.orgId))]);
  const ids = [...wanted].filter(([, w]) => settledOrgs.has(w.orgId)).map(([key]) => key);
  if (ids.length === 0) return out;
  const taken = known
    ? ids.map((id): LedgerRecord => {
        const w = wanted.get(id)!;
        return { runId: ctx.runId, kind: 'membership', sourceId: id, state: 'planned', attempts: 0, lossy: [], payload: { roles: w.roles }, userSourceId: w.userId, orgSourceId: w.orgId, updatedAt: '' };
      })
    : await ctx.store.claim(ctx.runId, 'membership', { states: ['planned'], sourceIds: ids, neverSent: true });
  for (const rec of taken) {
    const w = wanted.get(rec.sourceId)!;
    const orgRecord = settledOrgs.get(w.orgId)!;
    const org: TargetOrgRef = { id: orgRecord.targetId!, externalId: orgRecord.sourceId, name: (orgRecord.payload as Organization | undefined)?.name ?? orgRecord.sourceId };
    const list = out.get(w.userId) ?? [];
    list.push({ rec, org, orgRecord, roles: ((rec.payload as { roles?: string[] } | undefined)?.roles ?? []).slice() });
    out.set(w.userId, list);
  }
  return out;
}
