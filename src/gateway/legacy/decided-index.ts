import type { CanonicalUser } from '../../model/user.js';
import type { DuplicateDecisions } from '../../engine/decisions/types.js';
import type { ExportIndex } from './export-index.js';

/**
 * The export index as the operator decided duplicate accounts (`serve --decisions`): an identifier
 * that names a decided account names its group's kept account instead, so a sign-in with the
 * shared address (or any identifier of a skipped or linked account) is checked against the kept
 * account's password and moves the kept account, carrying its linked accounts' social links and
 * memberships, exactly as `migrate --decisions` moves it. Undecided duplicates are left as they
 * are (several ids for one identifier), for the gateway to refuse.
 */
export function decidedIndex(index: ExportIndex, decisions: DuplicateDecisions): ExportIndex {
  const resolve = (id: string) => decisions.of(id)?.keeper || id;
  return {
    get stats() {
      return index.stats;
    },
    sourceIdsFor(identifier: string): string[] {
      return [...new Set(index.sourceIdsFor(identifier).map(resolve))];
    },
    user(sourceId: string): CanonicalUser | undefined {
      const d = decisions.of(sourceId);
      if (d && d.decision !== 'keep') return undefined; // never moved on its own
      const user = index.user(sourceId);
      return user && d ? decisions.withLinked(user) : user;
    },
    organization: (id) => index.organization(id),
    close: () => index.close(),
  };
}
