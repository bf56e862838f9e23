import { normalizeEmail } from '../../model/email.js';
import type { LinkedIdentity, Membership } from '../../model/user.js';
import { FlaglessError } from '../../protocol/errors.js';
import type { Source } from '../../protocol/source.js';
import { AbortedError } from '../concurrency.js';
import { DuplicateDecisions, type AccountDecision, type DecisionRow } from './types.js';

/**
 * Checks a decisions file against the export it is used with, in one pass over the source, before
 * anything is planned or written; refuses (E_DECISIONS, exit 2) a file that no longer matches:
 *   - an account not in the export, or no longer holding the group's address;
 *   - an address no longer shared (the group is gone: an id not in any group);
 *   - a group with no keeper or two keepers;
 *   - an account of the export holding a decided address but missing from its group (a new
 *     duplicate: decide it too);
 *   - an account decided differently in two groups.
 * Groups the file does not mention stay undecided (quarantined by migrate, 409 at the gateway).
 */
const LISTED = 10;

export async function resolveDecisions(source: Source, rows: readonly DecisionRow[], path: string, signal?: AbortSignal): Promise<DuplicateDecisions> {
  const problems: string[] = [];
  const where = (r: DecisionRow) => `${path}:${r.fileLine ?? '?'}`;
  const byGroup = new Map<string, DecisionRow[]>();
  const byAccount = new Map<string, DecisionRow>();
  for (const r of rows) {
    const key = normalizeEmail(r.email);
    const group = byGroup.get(key) ?? [];
    if (group.some((x) => x.sourceId === r.sourceId)) problems.push(`${where(r)}: ${r.sourceId} is listed twice for ${r.email}`);
    group.push(r);
    byGroup.set(key, group);
    const other = byAccount.get(r.sourceId);
    if (other && other.decision !== r.decision) problems.push(`${where(r)}: ${r.sourceId} is decided ${other.decision} (${where(other)}) and ${r.decision} here`);
    if (!other || r.decision === 'keep') byAccount.set(r.sourceId, r);
  }

  // One pass over the export: who holds each decided address, and what linked accounts bring.
  const holders = new Map<string, Set<string>>();
  const present = new Map<string, Set<string>>();
  const brought = new Map<string, { identities: LinkedIdentity[]; memberships: Membership[] }>();
  for await (const item of source.read()) {
    if (signal?.aborted) throw new AbortedError();
    if (item.type !== 'user') continue;
    const u = item.user;
    const decided = byAccount.has(u.sourceId);
    const keys = new Set(u.emails.map((e) => e.normalized || normalizeEmail(e.address)));
    if (decided) {
      present.set(u.sourceId, keys);
      if ([...keys].some((k) => byGroup.get(k)?.some((r) => r.sourceId === u.sourceId && r.decision === 'link'))) {
        brought.set(u.sourceId, { identities: u.identities, memberships: u.memberships });
      }
    }
    for (const k of keys) {
      if (byGroup.has(k)) {
        const set = holders.get(k) ?? new Set<string>();
        set.add(u.sourceId);
        holders.set(k, set);
      }
    }
  }

  const decisions = new Map<string, AccountDecision>();
  const linked = new Map<string, { identities: LinkedIdentity[]; memberships: Membership[] }>();
  const groups = new Map<string, { keeper: string; accounts: string[] }>();
  for (const [key, group] of byGroup) {
    const keepers = group.filter((r) => r.decision === 'keep');
    const email = group[0]!.email;
    if (keepers.length !== 1) {
      problems.push(`${where(group[0]!)}: the group of ${email} has ${keepers.length === 0 ? 'no keeper' : `${keepers.length} keepers (${keepers.map((k) => k.sourceId).join(', ')})`}; exactly one account keeps the address`);
    }
    for (const r of group) {
      const keys = present.get(r.sourceId);
      if (!keys) problems.push(`${where(r)}: ${r.sourceId} is not in the export`);
      else if (!keys.has(key)) problems.push(`${where(r)}: ${r.sourceId} no longer has the address ${email}`);
    }
    const holding = holders.get(key) ?? new Set<string>();
    if (holding.size < 2) problems.push(`${where(group[0]!)}: ${email} is no longer shared in the export (no duplicate group to decide)`);
    const listed = new Set(group.map((r) => r.sourceId));
    const newcomers = [...holding].filter((id) => !listed.has(id));
    if (newcomers.length) problems.push(`${where(group[0]!)}: the export has ${newcomers.length === 1 ? 'an account' : 'accounts'} with ${email} that the file does not decide: ${newcomers.slice(0, 5).join(', ')}${newcomers.length > 5 ? ', ...' : ''}`);
    const keeper = keepers[0]?.sourceId ?? '';
    groups.set(key, { keeper, accounts: group.map((r) => r.sourceId) });
    for (const r of group) {
      if (r.decision === 'keep' && decisions.get(r.sourceId)?.decision === 'keep') continue;
      decisions.set(r.sourceId, { decision: r.decision, email: key, keeper });
      if (r.decision === 'link') {
        const extra = brought.get(r.sourceId);
        if (extra) {
          const into = linked.get(keeper) ?? { identities: [], memberships: [] };
          into.identities.push(...extra.identities);
          into.memberships.push(...extra.memberships);
          linked.set(keeper, into);
        }
      }
    }
  }
  if (problems.length) {
    const more = problems.length > LISTED ? `\n  ... and ${problems.length - LISTED} more` : '';
    throw new FlaglessError(
      'E_DECISIONS',
      `${path} no longer matches the export (${problems.length} ${problems.length === 1 ? 'problem' : 'problems'}); nothing was written:\n  ${problems.slice(0, LISTED).join('\n  ')}${more}\nFix these rows, or write a fresh file with \`flagless assess --decisions-out\` and carry your edits over.`,
    );
  }
  return new DuplicateDecisions(decisions, linked, groups);
}
