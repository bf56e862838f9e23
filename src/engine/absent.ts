import { SeenIds } from '../lib/io/seen-ids.js';
import type { StateStore } from '../state/ledger/types.js';

/**
 * A newer export of the same source continues the same run. Users the ledger knows but the new
 * export lacks (deleted at the source, or rows removed on purpose, such as duplicates) are
 * reported, never deleted from the target. Those never moved (still planned, or quarantined) have
 * nothing left to retry: they are settled as skipped with the reason, so they stop holding the run
 * open, and are planned again if a later export brings them back.
 */
export interface MissingFromExport {
  /** Users in the ledger that this export does not have. */
  users: number;
  /** Of them, moved earlier and still in the target (flagless never deletes). */
  inTarget: number;
  /** Of them, never moved: settled now as skipped (no longer quarantined or pending). */
  settled: number;
  sample: { sourceId: string; state: string; targetId?: string }[];
}

const PAGE = 1000;
const SAMPLE = 100;
export const ABSENT_MESSAGE = 'absent from the current export: nothing to move (planned again if a later export has it)';

/** Tracks the users an export holds (8 bytes an id), then compares the ledger with them. */
export class ExportMembers {
  readonly #seen = new SeenIds(1 << 16);
  add(sourceId: string): void {
    this.#seen.add(sourceId);
  }

  async reconcile(store: StateStore, runId: string): Promise<MissingFromExport> {
    const out: MissingFromExport = { users: 0, inTarget: 0, settled: 0, sample: [] };
    const neverMoved: string[] = [];
    let after: string | undefined;
    for (;;) {
      const page = await store.page(runId, 'user', after, PAGE);
      if (page.length === 0) break;
      after = page[page.length - 1]!.sourceId;
      for (const r of page) {
        // add() is false for an id already seen: present in this export.
        if (!this.#seen.add(r.sourceId)) continue;
        out.users++;
        const moved = r.state === 'done' && r.outcome !== 'skipped' && r.targetId !== undefined;
        if (moved) out.inTarget++;
        if (r.state === 'planned' || r.state === 'failed') neverMoved.push(r.sourceId);
        if (out.sample.length < SAMPLE) out.sample.push({ sourceId: r.sourceId, state: r.state === 'done' ? (r.outcome ?? 'done') : r.state, ...(r.targetId ? { targetId: r.targetId } : {}) });
      }
    }
    for (let i = 0; i < neverMoved.length; i += PAGE) out.settled += await store.settleAbsent(runId, neverMoved.slice(i, i + PAGE), ABSENT_MESSAGE);
    return out;
  }
}
