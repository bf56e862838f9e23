import type { CanonicalUser, LinkedIdentity, Membership } from '../../model/user.js';

/**
 * Duplicate accounts (several users sharing one email address), decided by the operator:
 *   keep  the account that moves with the address;
 *   skip  not moved, listed in the summary;
 *   link  not moved as an account; its social identities and organization memberships are
 *         attached to the kept account (where the target stores them).
 * A group is the accounts that share one normalized address, the same groups `assess` reports.
 */
export type Decision = 'keep' | 'skip' | 'link';
export const DECISIONS: readonly Decision[] = ['keep', 'skip', 'link'];

/** One row of a decisions file: one account of one group. */
export interface DecisionRow {
  /** The shared address as the export writes it (normalized for matching). */
  email: string;
  sourceId: string;
  decision: Decision;
  reason: string;
  /** Facts the default policy used, for the operator reading the file. */
  verified?: boolean;
  lastSignInAt?: string;
  createdAt?: string;
  /** Line of the account in the export, when the reader says. */
  line?: number;
  /** Line of the row in the decisions file (1 = the header), for messages. */
  fileLine?: number;
}

/** What a decided account does in the plan. */
export interface AccountDecision {
  decision: Decision;
  /** The shared address (normalized). */
  email: string;
  /** The account that keeps the address. */
  keeper: string;
}

/**
 * The decisions checked against the export (resolve.ts): a pure lookup the plan uses, the same in
 * `migrate`, `--dry-run`, `verify` and the gateway.
 */
export class DuplicateDecisions {
  constructor(
    readonly byAccount: ReadonlyMap<string, AccountDecision>,
    /** Per kept account: what its linked accounts bring (social identities, memberships). */
    readonly linked: ReadonlyMap<string, { identities: LinkedIdentity[]; memberships: Membership[] }>,
    /** Decided groups by normalized address. */
    readonly groups: ReadonlyMap<string, { keeper: string; accounts: string[] }>,
  ) {}

  get size(): number {
    return this.groups.size;
  }

  of(sourceId: string): AccountDecision | undefined {
    return this.byAccount.get(sourceId);
  }

  /** True when `other` is an account decided skip/link in a group `sourceId` keeps. */
  keeps(sourceId: string, other: string): boolean {
    const d = this.byAccount.get(other);
    return d !== undefined && d.decision !== 'keep' && d.keeper === sourceId;
  }

  /** Why the plan does not move this account, or undefined for a kept (or undecided) one. */
  skipReason(sourceId: string): string | undefined {
    const d = this.byAccount.get(sourceId);
    if (!d || d.decision === 'keep') return undefined;
    if (d.decision === 'skip') return `duplicate of ${d.keeper} (${d.email}), decided skip`;
    return `linked to ${d.keeper} (${d.email}): its social links and memberships move with the kept account`;
  }

  /** The kept account with its linked accounts' identities and memberships added (each once). */
  withLinked(user: CanonicalUser): CanonicalUser {
    const extra = this.linked.get(user.sourceId);
    if (!extra) return user;
    const identities = [...user.identities];
    const seen = new Set(identities.map((i) => `${i.provider}\u0000${i.providerUserId}`));
    for (const i of extra.identities) {
      const key = `${i.provider}\u0000${i.providerUserId}`;
      if (!seen.has(key)) {
        seen.add(key);
        identities.push(i);
      }
    }
    const memberships = [...user.memberships];
    const orgs = new Set(memberships.map((m) => m.organizationId));
    for (const m of extra.memberships) {
      if (!orgs.has(m.organizationId)) {
        orgs.add(m.organizationId);
        memberships.push(m);
      }
    }
    return { ...user, identities, memberships };
  }
}

export const NO_DECISIONS = new DuplicateDecisions(new Map(), new Map(), new Map());
