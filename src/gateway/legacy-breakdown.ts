import type { DashboardCounts } from '../state/gateway/types.js';

/**
 * "Who is still on legacy, and what moves them?": the dashboard's breakdown of the users not yet
 * on the target, by reason, each with the command that moves that group. The reasons come from the
 * ledger (DashboardCounts.legacyByReason); whoever is left has simply not signed in since the move
 * began.
 */
export interface LegacyGroup {
  key: 'disabled' | 'noEmail' | 'quarantined' | 'undecidedDuplicate' | 'noUsableHash' | 'neverSignedIn';
  label: string;
  count: number;
  /** What moves this group. */
  action: string;
}

export function legacyBreakdown(data: DashboardCounts): LegacyGroup[] | undefined {
  if (data.legacyTotal === undefined) return undefined;
  const remaining = Math.max(0, data.legacyTotal - data.migrated);
  const r = data.legacyByReason ?? { disabled: 0, noEmail: 0, quarantined: 0, undecidedDuplicate: 0, noUsableHash: 0 };
  const groups: LegacyGroup[] = [
    { key: 'disabled', label: 'Disabled at the source', count: r.disabled, action: 'Stay on legacy by design (the target cannot disable users). Re-enable them at the source and export again, or leave them out.' },
    { key: 'noEmail', label: 'No email address', count: r.noEmail, action: 'The target requires one: add an address at the source, export again, then `flagless migrate` with the newer export.' },
    { key: 'quarantined', label: 'Quarantined', count: r.quarantined, action: 'Fix what the quarantine names (`flagless migrate --json` lists it), then `flagless migrate ... --retry-failed`.' },
    { key: 'undecidedDuplicate', label: 'Undecided duplicate accounts', count: r.undecidedDuplicate, action: '`flagless assess ... --decisions-out decisions.csv`, edit it, then `flagless migrate ... --decisions decisions.csv` (and `serve --decisions`).' },
    { key: 'noUsableHash', label: 'No usable password hash', count: r.noUsableHash, action: 'They complete at their next sign-in through this gateway; before switching legacy off, `flagless migrate ... --missing-password reset` asks them to reset.' },
  ];
  const explained = groups.reduce((n, g) => n + g.count, 0);
  groups.push({
    key: 'neverSignedIn',
    label: 'Not signed in since the move began',
    count: Math.max(0, remaining - explained),
    action: 'Import their hashes with `flagless migrate` (they then sign in at the target), or plan a password reset.',
  });
  return groups;
}
