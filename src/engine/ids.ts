import { stringify } from 'csv-stringify/sync';
import type { StateStore } from '../state/ledger/types.js';

/**
 * The id map an application needs to rewrite its own foreign keys: source id → target id for every
 * user and organization the ledger holds as done. Streamed from the ledger (constant memory).
 */
export type IdsFormat = 'csv' | 'json';

export const ID_COLUMNS = ['kind', 'source_id', 'target_id', 'target', 'run_id'] as const;

/** Writes the map in chunks that each end with a newline (one CSV row, one JSON array element). */
export async function exportIds(store: StateStore, format: IdsFormat, write: (chunk: string) => void, runId?: string): Promise<number> {
  let n = 0;
  let pending: string | undefined;
  if (format === 'csv') write(stringify([[...ID_COLUMNS]]));
  else write('[\n');
  for await (const r of store.idMap(runId)) {
    if (format === 'csv') write(stringify([[r.kind, r.sourceId, r.targetId, r.target, r.runId]]));
    else {
      if (pending !== undefined) write(`${pending},\n`);
      pending = `  ${JSON.stringify({ kind: r.kind, sourceId: r.sourceId, targetId: r.targetId, target: r.target, runId: r.runId })}`;
    }
    n++;
  }
  if (format === 'json') write(`${pending !== undefined ? `${pending}\n` : ''}]\n`);
  return n;
}
