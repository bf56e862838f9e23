import pg from 'pg';
import type { SqlDriver, Statement } from './driver.js';
import { parseStateUrl, quoteIdent } from './location.js';
import { inTransaction } from './pg-transaction.js';

/**
 * The state on PostgreSQL (`--state postgres://...?schema=name`): one pool, in one schema that
 * the ledger and the gateway's flags share. Several migrate workers and gateway instances share
 * it; the stores on it keep their own guarantees (the ledger's `FOR UPDATE SKIP LOCKED` claims
 * and advisory-lock liveness, the gateway's single-statement claims).
 */
export class PostgresDriver implements SqlDriver {
  readonly kind = 'postgres' as const;
  readonly location: string;
  readonly prefix: string;
  readonly schema: string;
  /** The pg pool, for the ledger's transactions and its workers' advisory-lock connections. */
  readonly pool: pg.Pool;

  constructor(url: string, opts: { poolSize?: number } = {}) {
    const { connectionString, schema, display } = parseStateUrl(url);
    this.location = display;
    this.schema = schema;
    this.prefix = `${quoteIdent(schema)}.`;
    this.pool = new pg.Pool({ connectionString, max: opts.poolSize ?? 10 });
    this.pool.on('error', () => {
      /* an idle client lost its connection; the next query reconnects or fails loudly */
    });
  }

  async query<T>(sql: string, params?: readonly unknown[]): Promise<T[]> {
    const r = await this.pool.query(sql, params as unknown[] | undefined);
    return r.rows as T[];
  }

  async run(sql: string, params?: readonly unknown[]): Promise<number> {
    const r = await this.pool.query(sql, params as unknown[] | undefined);
    return r.rowCount ?? 0;
  }

  async batch(statements: readonly Statement[]): Promise<number[]> {
    return inTransaction(this.pool, async (c) => {
      const counts: number[] = [];
      for (const st of statements) counts.push((await c.query(st.sql, st.params as unknown[] | undefined)).rowCount ?? 0);
      return counts;
    });
  }

  /** Runs `fn` in one transaction on one pooled connection. */
  transaction<T>(fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    return inTransaction(this.pool, fn);
  }

  /**
   * Creates the schema and runs `ddl` in one transaction, after `lock` (an advisory transaction
   * lock statement) so that two processes starting together do not race on CREATE ... IF NOT EXISTS.
   */
  async migrate(lock: Statement, ddl: readonly string[], after?: (c: pg.PoolClient) => Promise<void>): Promise<void> {
    await inTransaction(this.pool, async (c) => {
      await c.query(lock.sql, lock.params as unknown[] | undefined);
      await c.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(this.schema)}`);
      for (const s of ddl) await c.query(s);
      if (after) await after(c);
    });
  }

  isMissingTable(e: unknown): boolean {
    return (e as { code?: string }).code === '42P01';
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
