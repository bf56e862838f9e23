import pg from 'pg';
import { parseStateUrl } from '../ledger/postgres.js';
import { inTransaction } from '../ledger/pg-transaction.js';
import type { SqlDriver, Statement } from './driver.js';

/**
 * The gateway on the shared PostgreSQL ledger (`--state postgres://...?schema=name`, the same
 * schema the engine uses). Several gateway instances share it; claims are single atomic
 * statements, so no lock is held across a network call to a provider.
 */
export class PostgresDriver implements SqlDriver {
  readonly kind = 'postgres' as const;
  readonly location: string;
  readonly prefix: string;
  readonly schema: string;
  readonly #pool: pg.Pool;

  constructor(url: string, opts: { poolSize?: number } = {}) {
    const { connectionString, schema, display } = parseStateUrl(url);
    this.location = display;
    this.schema = schema;
    this.prefix = `"${schema.replace(/"/g, '""')}".`;
    this.#pool = new pg.Pool({ connectionString, max: opts.poolSize ?? 10 });
    this.#pool.on('error', () => {
      /* an idle client lost its connection; the next query reconnects or fails loudly */
    });
  }

  async query<T>(sql: string, params?: readonly unknown[]): Promise<T[]> {
    const r = await this.#pool.query(sql, params as unknown[] | undefined);
    return r.rows as T[];
  }

  async run(sql: string, params?: readonly unknown[]): Promise<number> {
    const r = await this.#pool.query(sql, params as unknown[] | undefined);
    return r.rowCount ?? 0;
  }

  async batch(statements: readonly Statement[]): Promise<number[]> {
    return inTransaction(this.#pool, async (c) => {
      const counts: number[] = [];
      for (const st of statements) counts.push((await c.query(st.sql, st.params as unknown[] | undefined)).rowCount ?? 0);
      return counts;
    });
  }

  /** Creates the schema and the gateway's tables; an advisory lock keeps two instances starting together from racing. */
  async migrate(ddl: readonly string[]): Promise<void> {
    await inTransaction(this.#pool, async (c) => {
      await c.query(`SELECT pg_advisory_xact_lock(hashtext('flagless-gateway-ddl'))`);
      await c.query(`CREATE SCHEMA IF NOT EXISTS "${this.schema.replace(/"/g, '""')}"`);
      for (const s of ddl) await c.query(s);
    });
  }

  isMissingTable(e: unknown): boolean {
    return (e as { code?: string }).code === '42P01';
  }

  /** Tests: drop the whole schema. */
  async dropSchema(): Promise<void> {
    await this.#pool.query(`DROP SCHEMA IF EXISTS "${this.schema.replace(/"/g, '""')}" CASCADE`);
  }

  async close(): Promise<void> {
    await this.#pool.end();
  }
}
