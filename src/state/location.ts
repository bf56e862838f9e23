import { existsSync } from 'node:fs';
import { FlaglessError } from '../protocol/errors.js';

/**
 * The one reading of `--state`, shared by the ledger and the gateway's flag store: a SQLite path
 * (default .flagless/state.db) or a postgres:// URL whose `?schema=` names the schema both use.
 */
export const DEFAULT_STATE_PATH = '.flagless/state.db';

export type StateLocation =
  | { kind: 'sqlite'; path: string }
  | {
      kind: 'postgres';
      /** The URL without `?schema=`, as `pg` takes it. */
      connectionString: string;
      schema: string;
      /** The URL without its password, for messages. */
      display: string;
    };

export function isPostgresUrl(spec: string): boolean {
  return /^postgres(ql)?:\/\//i.test(spec);
}

export function parseStateSpec(spec: string | undefined): StateLocation {
  const s = spec && spec !== '' ? spec : DEFAULT_STATE_PATH;
  return isPostgresUrl(s) ? { kind: 'postgres', ...parseStateUrl(s) } : { kind: 'sqlite', path: s };
}

/** Whether a state may exist without creating one (a dry run must not create a state file). */
export function stateMayExist(spec: string | undefined): boolean {
  const at = parseStateSpec(spec);
  return at.kind === 'postgres' || existsSync(at.path);
}

/** Splits `?schema=` off a postgres:// URL and builds a display form without the password. */
export function parseStateUrl(url: string): { connectionString: string; schema: string; display: string } {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new FlaglessError('E_USAGE', `--state: not a valid postgres:// URL`);
  }
  const schema = u.searchParams.get('schema') ?? 'flagless';
  if (!/^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(schema)) throw new FlaglessError('E_USAGE', `--state: schema "${schema}" must be a plain SQL identifier`);
  u.searchParams.delete('schema');
  const display = new URL(u.toString());
  if (display.password) display.password = '***';
  return { connectionString: u.toString(), schema, display: display.toString() };
}

export function quoteIdent(s: string): string {
  return `"${s.replace(/"/g, '""')}"`;
}
