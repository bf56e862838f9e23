/**
 * The little the gateway store needs from a database: queries with `$1..$n` placeholders, and a
 * batch of statements applied atomically. SQLite (better-sqlite3, synchronous) and PostgreSQL
 * (pg pool) implement it, so the store's SQL is written once.
 */
export interface Statement {
  sql: string;
  params?: readonly unknown[];
}

export interface SqlDriver {
  readonly kind: 'sqlite' | 'postgres';
  readonly location: string;
  /** Table-name prefix: '' (SQLite) or '"schema".' (PostgreSQL). */
  readonly prefix: string;
  query<T>(sql: string, params?: readonly unknown[]): Promise<T[]>;
  /** Rows changed by one statement. */
  run(sql: string, params?: readonly unknown[]): Promise<number>;
  /** Runs every statement in one transaction; returns each one's changed-row count. */
  batch(statements: readonly Statement[]): Promise<number[]>;
  /** True when the error says a table does not exist (the engine's ledger before any migrate). */
  isMissingTable(e: unknown): boolean;
  close(): Promise<void>;
}
