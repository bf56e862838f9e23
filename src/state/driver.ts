/**
 * One connection to where `--state` points, shared by every store on it (the ledger, the
 * gateway's flags): opened once, closed once, as kysely's dialects do. Portable statements use
 * `$1..$n` placeholders; SQLite (better-sqlite3, synchronous) and PostgreSQL (pg pool) implement
 * them, so SQL written once runs on both. A store that needs the engine's own features (SQLite
 * transactions, `FOR UPDATE SKIP LOCKED`, advisory locks) reaches the driver's handle
 * (`SqliteDriver.db`, `PostgresDriver.pool`).
 */
export interface Statement {
  sql: string;
  params?: readonly unknown[];
}

export interface SqlDriver {
  readonly kind: 'sqlite' | 'postgres';
  /** The path, or the URL without its password, for messages. */
  readonly location: string;
  /** Table-name prefix: '' (SQLite) or '"schema".' (PostgreSQL). */
  readonly prefix: string;
  query<T>(sql: string, params?: readonly unknown[]): Promise<T[]>;
  /** Rows changed by one statement. */
  run(sql: string, params?: readonly unknown[]): Promise<number>;
  /** Runs every statement in one transaction; returns each one's changed-row count. */
  batch(statements: readonly Statement[]): Promise<number[]>;
  /** True when the error says a table does not exist (the ledger before any migrate). */
  isMissingTable(e: unknown): boolean;
  close(): Promise<void>;
}
