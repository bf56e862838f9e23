import type { Decision } from './types.js';

/**
 * The documented default for a duplicate-email group: keep the account whose address is verified,
 * then the one signed in most recently, then the oldest, then the first in the export. The others
 * are prefilled `skip` (nothing is merged unless the operator writes `link`). Pure.
 */
export interface GroupMember {
  sourceId: string;
  /** Is the shared address verified on this account? */
  verified: boolean;
  lastSignInAt?: string;
  createdAt?: string;
  line?: number;
}

export interface RankedMember extends GroupMember {
  decision: Decision;
  reason: string;
}

function time(iso: string | undefined): number | undefined {
  if (!iso) return undefined;
  const t = Date.parse(iso);
  return Number.isNaN(t) ? undefined : t;
}

/** Orders a group best first by the policy (a stable, total order: file order breaks ties). */
export function compareMembers(a: GroupMember, b: GroupMember): number {
  if (a.verified !== b.verified) return a.verified ? -1 : 1;
  const sa = time(a.lastSignInAt) ?? -Infinity;
  const sb = time(b.lastSignInAt) ?? -Infinity;
  if (sa !== sb) return sb - sa > 0 ? 1 : -1;
  const ca = time(a.createdAt) ?? Infinity;
  const cb = time(b.createdAt) ?? Infinity;
  if (ca !== cb) return ca - cb > 0 ? 1 : -1;
  return (a.line ?? Infinity) - (b.line ?? Infinity) || (a.sourceId < b.sourceId ? -1 : a.sourceId > b.sourceId ? 1 : 0);
}

/** Which rule chose the keeper over the runner-up, in words. */
function why(keeper: GroupMember, next: GroupMember | undefined): string {
  if (!next) return 'the only account';
  if (keeper.verified !== next.verified) return 'the address is verified on this account only';
  const sk = time(keeper.lastSignInAt);
  const sn = time(next.lastSignInAt);
  if (sk !== sn) return `most recent sign-in (${keeper.lastSignInAt})`;
  const ck = time(keeper.createdAt);
  const cn = time(next.createdAt);
  if (ck !== cn) return `oldest account (created ${keeper.createdAt})`;
  return 'first in the export (nothing else tells them apart)';
}

export function rankGroup(members: readonly GroupMember[]): RankedMember[] {
  const ordered = [...members].sort(compareMembers);
  const keeper = ordered[0]!;
  const reason = why(keeper, ordered[1]);
  return ordered.map((m, i) =>
    i === 0
      ? { ...m, decision: 'keep' as const, reason: `default policy: ${reason}` }
      : { ...m, decision: 'skip' as const, reason: `default policy: ${keeper.sourceId} keeps the address (${reason}); write link to attach this account's social links and memberships to it` },
  );
}
