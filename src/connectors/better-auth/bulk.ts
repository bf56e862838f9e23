/**
 * Many rows in one transaction, for the Better Auth target's batched writes.
 *
 * Better Auth's adapter has no batch insert, so the rows are built by Better Auth itself and only
 * the INSERT is ours: `RowBuilder` is an adapter made with Better Auth's own `createAdapterFactory`
 * and the very adapter config of the running instance (the Kysely adapter's: dates as ISO text and
 * booleans as 0/1 on SQLite, native on PostgreSQL; model and field names from the schema, plugins'
 * columns and defaults included). Its `create` keeps the row the factory hands to the database
 * instead of sending it, so a row written here is, column for column, the row Better Auth's Kysely
 * adapter would insert (`db.insertInto(model).values(row)`); the target's tests compare both.
 *
 * `BulkWriter` then inserts those rows: on SQLite with cached prepared statements in one
 * better-sqlite3 transaction, on PostgreSQL with multi-row INSERTs in one statement (one transaction
 * of a pooled client when the batch exceeds a statement's parameters). All or nothing: a failed
 * statement rolls the whole batch back.
 */
import { randomFillSync } from 'node:crypto';
import type Database from 'better-sqlite3';
import type pg from 'pg';
import { createAdapterFactory } from 'better-auth/adapters';
import type { BetterAuthDatabase, FlaglessAuth } from './app.js';
import { groups, insertGroupsSqlite, MAX_PARAMS, quote, type Group, type Row, type TableRow } from './bulk-sqlite.js';
import { SqliteInsertThread } from './bulk-thread.js';

type AuthContext = Awaited<FlaglessAuth['$context']>;
export type { Row, TableRow } from './bulk-sqlite.js';

type AdapterConfig = Parameters<typeof createAdapterFactory>[0]['config'];

function unsupported(): never {
  throw new Error('flagless row builder: builds rows only');
}

/**
 * Better Auth's `transformInput` and model names, taken from an adapter the factory builds with the
 * running instance's adapter config: the factory's `create` does exactly `transformInput(data, model,
 * "create", forceAllowId)` and hands the result to the database adapter. Calling it directly skips
 * only the factory's debug logging and tracing spans (which cost more than the transform itself).
 */
export class RowBuilder {
  readonly #transform: (data: Row, model: string, action: 'create', forceAllowId?: boolean) => Promise<Row>;
  readonly #tableOf: (model: string) => string;
  readonly #modelKey: (model: string) => string;

  constructor(ctx: AuthContext) {
    const running = (ctx.adapter.options as { adapterConfig?: AdapterConfig } | undefined)?.adapterConfig;
    if (!running) throw new Error('Better Auth adapter exposes no adapterConfig; cannot build rows for a batch');
    const config: AdapterConfig = {
      ...running,
      adapterId: 'flagless-rows',
      adapterName: 'flagless rows',
      transaction: false,
      debugLogs: false,
      // Better Auth's default id, from a pooled random buffer (see PooledIds). The factory asks for it
      // exactly where it would call its own generateId(): an application's `advanced.database.generateId`
      // (a function, "uuid", "serial", false) still wins, as does an adapter's own generator.
      ...(running.customIdGenerator ? {} : { customIdGenerator: new PooledIds().next }),
    };
    let helpers: Parameters<Parameters<typeof createAdapterFactory>[0]['adapter']>[0] | undefined;
    createAdapterFactory({
      config,
      adapter: (h) => {
        helpers = h;
        return { create: unsupported, update: unsupported, updateMany: unsupported, findOne: unsupported, findMany: unsupported, delete: unsupported, deleteMany: unsupported, count: unsupported };
      },
    })(ctx.options);
    if (!helpers) throw new Error('Better Auth adapter factory did not build the row helpers');
    const h = helpers;
    this.#transform = (data, model, action, forceAllowId) => h.transformInput(data, model, action, forceAllowId) as Promise<Row>;
    this.#modelKey = (model) => h.getDefaultModelName(model);
    this.#tableOf = (model) => h.getModelName(model);
  }

  /** The row Better Auth's adapter would insert for `create({ model, data, forceAllowId })`. */
  async row(model: string, data: Row, forceAllowId = false): Promise<TableRow> {
    const key = this.#modelKey(model);
    return { table: this.#tableOf(key), row: await this.#transform(data, key, 'create', forceAllowId) };
  }
}

const ID_ALPHABET = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
/** Bytes at or above it are rejected, so that every character is equally likely (as in Better Auth's generator). */
const ID_MAX_VALID = Math.floor(256 / ID_ALPHABET.length) * ID_ALPHABET.length;
const ID_LENGTH = 32;

/**
 * Better Auth's default id (core `generateId()`: 32 characters of a-z, A-Z, 0-9, each byte of a
 * CSPRNG taken when below 248, else skipped), drawn from one 4 KiB buffer refilled as it runs out
 * instead of a Web Crypto call for 64 bytes per id: those calls were a tenth of a batch's CPU
 * (profile of bench:better-auth: a row per account and per membership needs an id).
 */
export class PooledIds {
  readonly #buf = Buffer.alloc(4096);
  #at = this.#buf.length;

  readonly next = (): string => {
    let id = '';
    while (id.length < ID_LENGTH) {
      if (this.#at >= this.#buf.length) {
        randomFillSync(this.#buf);
        this.#at = 0;
      }
      const b = this.#buf[this.#at++]!;
      if (b < ID_MAX_VALID) id += ID_ALPHABET[b % ID_ALPHABET.length];
    }
    return id;
  };
}

/** Serialises the target's SQLite writes: a batch's synchronous transaction must never run inside an open Kysely one. */
export class Mutex {
  #tail: Promise<void> = Promise.resolve();

  async run<T>(fn: () => Promise<T> | T): Promise<T> {
    const prev = this.#tail;
    let release!: () => void;
    this.#tail = new Promise<void>((r) => (release = r));
    await prev;
    try {
      return await fn();
    } finally {
      release();
    }
  }
}

export class BulkWriter {
  readonly #db: BetterAuthDatabase;
  readonly #statements = new Map<string, Database.Statement>();
  /** SQLite: one writer at a time on the shared connection (Kysely transactions included). */
  readonly sqliteWrites = new Mutex();
  /**
   * SQLite in a file: the inserts run on a thread of their own (bulk-thread.ts), started with the
   * first batch (commands that only read never start it); an in-memory database has no file to share.
   */
  #thread: SqliteInsertThread | undefined;

  constructor(db: BetterAuthDatabase) {
    this.#db = db;
  }

  #insertThread(db: Database.Database): SqliteInsertThread | undefined {
    if (!this.#thread && !db.memory && db.name !== '') this.#thread = new SqliteInsertThread(db.name);
    return this.#thread;
  }

  async close(): Promise<void> {
    await this.#thread?.close();
  }

  /** Inserts `rows` in one transaction, in order (parents' rows before their children's), all or nothing. */
  async insert(rows: readonly TableRow[]): Promise<void> {
    if (rows.length === 0) return;
    if (this.#db.kind === 'sqlite') {
      const db = this.#db.handle as Database.Database;
      const thread = this.#insertThread(db);
      await this.sqliteWrites.run(() => (thread ? thread.insert(rows) : insertGroupsSqlite(db, this.#statements, rows)));
      return;
    }
    const pool = this.#db.handle as pg.Pool;
    const all = groups(rows);
    if (all.reduce((n, g) => n + g.rows.length * g.cols.length, 0) <= MAX_PARAMS) {
      // One statement, its INSERTs as data-modifying CTEs: atomic on its own, so one round trip
      // instead of BEGIN, one INSERT per group and COMMIT. Foreign keys are checked at the end of
      // the statement, when every row (users before their accounts) is in.
      const values: unknown[] = [];
      const parts = all.map((g, i) => `g${i} AS (${insertSql(g, values)} RETURNING 1)`);
      await pool.query(`WITH ${parts.join(', ')} SELECT ${all.map((_, i) => `(SELECT COUNT(*) FROM g${i})`).join(' + ')} AS n`, values);
      return;
    }
    const client = await pool.connect();
    let broken = false;
    try {
      await client.query('BEGIN');
      try {
        for (const group of all) {
          const values: unknown[] = [];
          await client.query(insertSql(group, values), values);
        }
        await client.query('COMMIT');
      } catch (e) {
        await client.query('ROLLBACK').catch(() => {
          broken = true;
        });
        throw e;
      }
    } finally {
      client.release(broken);
    }
  }

}

/** The multi-row INSERT of one group, its values appended to `values` (numbered after those already there). */
function insertSql(g: Group, values: unknown[]): string {
  const tuples = g.rows.map((row) => `(${g.cols.map((c) => `$${values.push(row[c])}`).join(', ')})`);
  return `INSERT INTO ${quote(g.table)} (${g.cols.map(quote).join(', ')}) VALUES ${tuples.join(', ')}`;
}
