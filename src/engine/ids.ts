import { stringify } from 'csv-stringify/sync';
import type { StateStore } from '../state/ledger/types.js';

/**
 * The id map an application needs to rewrite its own foreign keys: source id → target id for every
 * user and organization the ledger holds as done. Streamed from the ledger (constant memory).
 */
export type IdsFormat = 'csv' | 'json';

export const ID_COLUMNS = ['kind', 'source_id', 'target_id', 'target', 'run_id', 'status'] as const;

/** What sync did to a user or an organization since: deleted or disabled at the target, or created there (not in any run). */
export interface SyncedId {
  /** Default `user`. */
  kind?: 'user' | 'organization';
  sourceId: string;
  targetId?: string;
  status: 'present' | 'deleted' | 'disabled';
}

/**
 * Writes the map in chunks that each end with a newline (one CSV row, one JSON array element).
 * `status`: `present`, or what sync (`serve --sync`, `sync reconcile`) did since: `deleted` or
 * `disabled` at the target because the user was deleted at the legacy provider, `deleted` for an
 * organization deleted there (the target id is the one it had); users and organizations sync created
 * (no run moved them) follow with run id `sync`, and so do those sync deleted that no run moved.
 */
export async function exportIds(store: StateStore, format: IdsFormat, write: (chunk: string) => void, runId?: string, synced: readonly SyncedId[] = []): Promise<number> {
  let n = 0;
  let pending: string | undefined;
  const key = (kind: string, sourceId: string) => `${kind}:${sourceId}`;
  const bySource = new Map(synced.map((s) => [key(s.kind ?? 'user', s.sourceId), s]));
  const seen = new Set<string>();
  const row = (r: { kind: string; sourceId: string; targetId: string; target: string; runId: string; status: string }) => {
    if (format === 'csv') write(stringify([[r.kind, r.sourceId, r.targetId, r.target, r.runId, r.status]]));
    else {
      if (pending !== undefined) write(`${pending},\n`);
      pending = `  ${JSON.stringify(r)}`;
    }
    n++;
  };
  if (format === 'csv') write(stringify([[...ID_COLUMNS]]));
  else write('[\n');
  for await (const r of store.idMap(runId)) {
    const s = bySource.get(key(r.kind, r.sourceId));
    if (s) seen.add(key(r.kind, r.sourceId));
    row({ kind: r.kind, sourceId: r.sourceId, targetId: r.targetId, target: r.target, runId: r.runId, status: s?.status ?? 'present' });
  }
  if (runId === undefined) {
    for (const s of synced) {
      const kind = s.kind ?? 'user';
      if (!seen.has(key(kind, s.sourceId)) && s.targetId) row({ kind, sourceId: s.sourceId, targetId: s.targetId, target: '', runId: 'sync', status: s.status });
    }
  }
  if (format === 'json') write(`${pending !== undefined ? `${pending}\n` : ''}]\n`);
  return n;
}
