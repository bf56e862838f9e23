import { parseStateSpec } from '../location.js';
import type { StateStore } from './types.js';

/**
 * Opens the ledger `--state` names: a postgres:// URL or a SQLite path (default .flagless/state.db).
 * Drivers load lazily, so SQLite users never load `pg` and vice versa.
 */
export async function openStateStore(spec: string | undefined, opts: { readonly?: boolean } = {}): Promise<StateStore> {
  const at = parseStateSpec(spec);
  if (at.kind === 'postgres') {
    const { PostgresStore } = await import('./postgres.js');
    return PostgresStore.open(spec!, opts);
  }
  const { SqliteStore } = await import('./sqlite.js');
  return SqliteStore.open(at.path, opts);
}
