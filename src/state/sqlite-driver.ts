import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { FlaglessError } from '../protocol/errors.js';
import type { SqlDriver, Statement } from './driver.js';

/** `$1` → `@p1`: better-sqlite3 binds named parameters from an object, and a name may repeat. */
function toNamed(sql: string): string {
  return sql.replace(/\$(\d+)/g, '@p$1');
}

function bind(params: readonly unknown[] = []): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  params.forEach((v, i) => {
    out[`p${i + 1}`] = typeof v === 'boolean' ? (v ? 1 : 0) : v;
  });
  return out;
}

/**
 * The state on one SQLite file: one connection (WAL, so `flagless migrate` and the gateway can
 * share the file), portable statements cached by text. Calls are synchronous, so a batch is a
 * plain better-sqlite3 transaction and no other request can interleave with it.
 *
 * synchronous=NORMAL in WAL survives `kill -9` (the WAL is written before each commit returns).
 */
export class SqliteDriver implements SqlDriver {
  readonly kind = 'sqlite' as const;
  readonly prefix = '';
  readonly location: string;
  /** The better-sqlite3 handle, for the ledger's own prepared statements and transactions. */
  readonly db: Database.Database;
  readonly readonly: boolean;
  readonly #cache = new Map<string, Database.Statement>();

  /**
   * Opens (and creates, with its folder) the file; `readonly` opens an existing file without
   * creating anything. A file that cannot be opened is E_STATE (E_INPUT_UNREADABLE when read-only);
   * pragmas that fail (a file that is no database) throw as they are, for the store to word.
   */
  constructor(path: string, opts: { readonly?: boolean } = {}) {
    this.location = path;
    this.readonly = opts.readonly === true;
    try {
      if (!this.readonly && path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
      this.db = new Database(path, this.readonly ? { readonly: true, fileMustExist: true } : {});
    } catch (e) {
      throw new FlaglessError(this.readonly ? 'E_INPUT_UNREADABLE' : 'E_STATE', `cannot open the state file ${path}: ${(e as Error).message}`, { cause: e });
    }
    try {
      this.db.pragma('busy_timeout = 5000');
      if (!this.readonly) {
        this.db.pragma('journal_mode = WAL');
        this.db.pragma('synchronous = NORMAL');
      }
    } catch (e) {
      this.db.close();
      throw e;
    }
  }

  #stmt(sql: string): Database.Statement {
    let s = this.#cache.get(sql);
    if (!s) {
      s = this.db.prepare(toNamed(sql));
      this.#cache.set(sql, s);
    }
    return s;
  }

  async query<T>(sql: string, params?: readonly unknown[]): Promise<T[]> {
    return this.#stmt(sql).all(bind(params)) as T[];
  }

  async run(sql: string, params?: readonly unknown[]): Promise<number> {
    const s = this.#stmt(sql);
    return s.reader ? s.all(bind(params)).length : s.run(bind(params)).changes;
  }

  async batch(statements: readonly Statement[]): Promise<number[]> {
    return this.db.transaction(() =>
      statements.map((st) => {
        const s = this.#stmt(st.sql);
        return s.reader ? s.all(bind(st.params)).length : s.run(bind(st.params)).changes;
      }),
    )();
  }

  /** DDL (several statements, no parameters). */
  exec(sql: string): void {
    this.db.exec(sql);
  }

  isMissingTable(e: unknown): boolean {
    return e instanceof Error && /no such table/i.test(e.message);
  }

  get open(): boolean {
    return this.db.open;
  }

  async close(): Promise<void> {
    this.#cache.clear();
    if (this.db.open) this.db.close();
  }
}
