import { existsSync } from 'node:fs';
import type { StateStore } from './types.js';

export const DEFAULT_STATE_PATH = '.flagless/state.db';

export function isPostgresUrl(spec: string): boolean {
  return /^postgres(ql)?:\/\//i.test(spec);
}

/**
 * Opens the ledger `--state` names: a postgres:// URL or a SQLite path (default .flagless/state.db).
 * Drivers load lazily, so SQLite users never load `pg` and vice versa.
 */
export async function openStateStore(spec: string | undefined, opts: { readonly?: boolean } = {}): Promise<StateStore> {
  const s = spec && spec !== '' ? spec : DEFAULT_STATE_PATH;
  if (isPostgresUrl(s)) {
    const { PostgresStore } = await import('./postgres.js');
    return PostgresStore.open(s, opts);
  }
  const { SqliteStore } = await import('./sqlite.js');
  return SqliteStore.open(s, opts);
}

/** Whether a ledger may exist without creating one (a dry run must not create a state file). */
export function stateMayExist(spec: string | undefined): boolean {
  const s = spec && spec !== '' ? spec : DEFAULT_STATE_PATH;
  return isPostgresUrl(s) || existsSync(s);
}
