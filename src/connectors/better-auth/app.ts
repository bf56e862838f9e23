/**
 * The Better Auth instance flagless itself writes through and signs in with. It is the config an
 * application would have (email and password, the organization plugin, `flaglessImport()`), so
 * what flagless proves here is what the application will see. The target, `flagless demo` and the
 * tests all build it here.
 *
 * `--db PATH` is a SQLite file (better-sqlite3; created with Better Auth's schema when missing);
 * `--db postgres://...` is a `pg` Pool. Better Auth's built-in Kysely adapter takes either as
 * `database`, so every other line is the same for both.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { betterAuth, type BetterAuthOptions } from 'better-auth';
import { getMigrations } from 'better-auth/db/migration';
import { organization } from 'better-auth/plugins/organization';
import pg from 'pg';
import { flaglessImport } from './verifier.js';

export type BetterAuthDbKind = 'sqlite' | 'postgres';

export interface BetterAuthDatabase {
  kind: BetterAuthDbKind;
  /** What Better Auth's `database` option takes. */
  handle: Database.Database | pg.Pool;
  close(): Promise<void>;
}

export function isPostgresUrl(db: string): boolean {
  return /^postgres(ql)?:\/\//i.test(db);
}

/** Opens the database `--db` names; a SQLite file (and its folder) is created when missing. */
export function openDatabase(db: string): BetterAuthDatabase {
  if (isPostgresUrl(db)) {
    const pool = new pg.Pool({ connectionString: db, max: 8 });
    // A client losing its connection must not crash the process; the query in flight (or the next
    // one) reports it, classified retriable, and the pool drops the broken client. The pool listens
    // for idle clients only: a client checked out for a transaction that loses its connection
    // between two statements emits 'error' with no listener, an uncaught exception (found by the
    // target conformance suite dropping every PostgreSQL connection).
    pool.on('error', () => undefined);
    pool.on('connect', (client) => client.on('error', () => undefined));
    return { kind: 'postgres', handle: pool, close: () => pool.end() };
  }
  fs.mkdirSync(path.dirname(path.resolve(db)), { recursive: true });
  const sqlite = new Database(db);
  // WAL lets an application read the file while flagless writes; busy_timeout waits out its writes.
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('busy_timeout = 5000');
  return {
    kind: 'sqlite',
    handle: sqlite,
    close: async () => {
      if (sqlite.open) sqlite.close();
    },
  };
}

export interface FlaglessAuthOptions {
  /** BETTER_AUTH_SECRET of the application; a random one when absent (flagless's own sessions are discarded). */
  secret?: string;
  /** BETTER_AUTH_URL; only used for URLs Better Auth builds, never contacted. */
  baseURL?: string;
  /**
   * The application's own `emailAndPassword.sendResetPassword` (the function its Better Auth config
   * passes), so `flagless finish` sends the reset email the application sends; absent: Better Auth
   * refuses password resets (RESET_PASSWORD_DISABLED).
   */
  sendResetPassword?: ResetPasswordSender;
}

/** Better Auth's `sendResetPassword` signature (better-auth 1.7: `({ user, url, token }, request)`). */
export type ResetPasswordSender = (data: { user: { id: string; email: string; name?: string }; url: string; token: string }, request?: Request) => Promise<void>;

export function createFlaglessAuth(database: BetterAuthDatabase['handle'], options: FlaglessAuthOptions = {}) {
  return betterAuth({
    // Typed as Better Auth's own option, so the instance's type names no driver type (the
    // published declarations could not name better-sqlite3's).
    database: database as BetterAuthOptions['database'],
    secret: options.secret ?? randomBytes(32).toString('base64url'),
    baseURL: options.baseURL ?? 'http://127.0.0.1:3000',
    emailAndPassword: { enabled: true, ...(options.sendResetPassword ? { sendResetPassword: options.sendResetPassword } : {}) },
    plugins: [organization(), flaglessImport()],
    telemetry: { enabled: false },
    // Better Auth warns on every failed sign-in; flagless reports those itself.
    logger: { level: 'error' },
  });
}

export type FlaglessAuth = ReturnType<typeof createFlaglessAuth>;

/** Creates Better Auth's tables (and adds flagless's user columns) when they are missing. */
export async function ensureSchema(auth: FlaglessAuth): Promise<{ created: string[]; added: string[] }> {
  const { toBeCreated, toBeAdded, runMigrations } = await getMigrations(auth.options);
  if (toBeCreated.length > 0 || toBeAdded.length > 0) await runMigrations();
  return { created: toBeCreated.map((t) => t.table), added: toBeAdded.map((t) => t.table) };
}

/** Opens `--db`, builds flagless's Better Auth on it and makes sure its schema is there. */
export async function openFlaglessAuth(db: string, options: FlaglessAuthOptions = {}) {
  const database = openDatabase(db);
  try {
    const auth = createFlaglessAuth(database.handle, options);
    await ensureSchema(auth);
    return { auth, database };
  } catch (e) {
    await database.close().catch(() => undefined);
    throw e;
  }
}
