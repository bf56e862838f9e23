import type { Organization } from '../../model/user.js';
import type { Target, TargetOrgRef, TargetUserView } from '../../protocol/target.js';
import type { PlanOptions } from '../plan.js';
import { RecordFailure, type Requester } from '../request.js';

export interface Mismatch {
  sourceId: string;
  targetId: string;
  field: string;
  /** Shown for identity fields (email, names, flags, external id); metadata values are not printed. */
  expected?: unknown;
  actual?: unknown;
}

/** A finding list that keeps the first `max` items and counts all of them. */
export class Listed<T> {
  readonly items: T[] = [];
  count = 0;
  constructor(private readonly max: number) {}
  add(item: T): void {
    this.count++;
    if (this.items.length < this.max) this.items.push(item);
  }
}

/** What the reconciliation steps found, each list bounded, each count exact. */
export class Findings {
  readonly missing: Listed<{ sourceId: string; email?: string; reason?: string }>;
  readonly extra: Listed<{ targetId: string; email?: string; externalId?: string }>;
  readonly duplicates: Listed<{ externalId: string; targetIds: string[] }>;
  readonly mismatches: Listed<Mismatch>;
  readonly missingOrganizations: Listed<{ sourceId: string; name: string }>;
  readonly missingMemberships: Listed<{ sourceId: string; organizationId: string; reason: string }>;
  readonly missingSocialLinks: Listed<{ sourceId: string; provider: string; providerUserId: string }>;
  constructor(max: number) {
    this.missing = new Listed(max);
    this.extra = new Listed(max);
    this.duplicates = new Listed(max);
    this.mismatches = new Listed(max);
    this.missingOrganizations = new Listed(max);
    this.missingMemberships = new Listed(max);
    this.missingSocialLinks = new Listed(max);
  }
}

/** The target's users, listed once and indexed by external id and email (one compact view each). */
export interface TargetIndex {
  byExternalId: Map<string, TargetUserView[]>;
  byEmail: Map<string, TargetUserView>;
  count: number;
}

/** What every reconciliation step reads and writes. */
export interface Reconciliation {
  readonly target: Target;
  readonly requester: Requester;
  readonly plan: PlanOptions;
  readonly index: TargetIndex;
  readonly findings: Findings;
  /** Target user ids matched to a source user (the rest are extra). */
  readonly matched: Set<string>;
  /** The source's organizations by source id, as read so far. */
  readonly organizations: Map<string, Organization>;
  /** Looks an organization up in the target once per source id (memberships and organizations share it). */
  findOrganization(sourceId: string): Promise<TargetOrgRef | undefined>;
}

/** One lookup per organization, shared by the steps; a record-level failure reads as "not there". */
export function organizationFinder(target: Target, requester: Requester, organizations: Map<string, Organization>): (sourceId: string) => Promise<TargetOrgRef | undefined> {
  const refs = new Map<string, Promise<TargetOrgRef | undefined>>();
  return (sourceId) => {
    let p = refs.get(sourceId);
    if (!p) {
      const name = organizations.get(sourceId)?.name ?? sourceId;
      p = requester.call(() => target.findOrganization({ externalId: sourceId, name }), undefined, 'read').catch((e) => {
        if (e instanceof RecordFailure) return undefined;
        throw e;
      });
      refs.set(sourceId, p);
    }
    return p;
  };
}
