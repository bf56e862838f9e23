/**
 * Sorts what Better Auth's database (better-sqlite3 or pg, through Better Auth's Kysely adapter)
 * throws into flagless's error classes. Messages are built here from codes and constraint names
 * only: a driver's own message can quote the values of a row (PostgreSQL's `invalid input syntax
 * ... "value"`), and rows carry password hashes.
 */
import { FlaglessError } from '../../protocol/errors.js';

interface DriverError {
  code?: unknown;
  constraint?: unknown;
  message?: unknown;
  name?: unknown;
  status?: unknown;
  statusCode?: unknown;
  body?: unknown;
}

function asDriverError(e: unknown): DriverError {
  return typeof e === 'object' && e !== null ? (e as DriverError) : {};
}

/** The constraint a SQLite message names (`UNIQUE constraint failed: user.email`), values never appear in it. */
function sqliteConstraint(message: unknown): string | undefined {
  if (typeof message !== 'string') return undefined;
  const m = /constraint failed: ([A-Za-z0-9_.", ]+)$/.exec(message);
  return m?.[1]?.trim();
}

const RETRIABLE_NODE_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN', 'ECONNABORTED', '57P01', '57P02', '57P03']);

/**
 * @param what the operation, for the message (`creating user user_123`); never a secret.
 * @param phase 'open' turns unreachable-database errors fatal: nothing can run without it.
 */
export function classifyDbError(e: unknown, what: string, phase: 'open' | 'write' | 'read' = 'write'): FlaglessError {
  if (e instanceof FlaglessError) return e;
  const err = asDriverError(e);
  const code = typeof err.code === 'string' ? err.code : '';

  // Better Auth's own errors (APIError / BetterAuthError): validation of the record.
  if (err.name === 'APIError' || typeof err.statusCode === 'number') {
    const body = typeof err.body === 'object' && err.body !== null ? (err.body as { code?: unknown }) : {};
    const reason = typeof body.code === 'string' ? body.code : String(err.status ?? 'error');
    return new FlaglessError('E_TARGET_VALIDATION', `Better Auth rejected ${what} (${reason})`, { errorClass: 'skippable' });
  }

  if (code.startsWith('SQLITE_')) {
    const constraint = sqliteConstraint(err.message);
    if (code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY')
      return new FlaglessError('E_TARGET_CONFLICT', `${what}: the Better Auth database already has a row with this ${constraint ?? 'key'}`, { errorClass: 'skippable' });
    if (code.startsWith('SQLITE_CONSTRAINT'))
      return new FlaglessError('E_TARGET_VALIDATION', `${what}: the Better Auth database rejected the row (${code}${constraint ? ` on ${constraint}` : ''})`, { errorClass: 'skippable' });
    if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED'))
      return new FlaglessError('E_TARGET_UNAVAILABLE', `${what}: the SQLite file is locked by another process (${code}); will retry`, { errorClass: phase === 'open' ? 'fatal' : 'retriable' });
    return new FlaglessError('E_TARGET_UNAVAILABLE', `${what}: the SQLite database failed (${code}); check the --db path, its permissions and free disk space`, { errorClass: 'fatal' });
  }

  // PostgreSQL SQLSTATE codes (https://www.postgresql.org/docs/current/errcodes-appendix.html).
  if (/^[0-9A-Z]{5}$/.test(code) && !code.startsWith('E')) {
    const constraint = typeof err.constraint === 'string' ? ` (${err.constraint})` : '';
    if (code === '23505') return new FlaglessError('E_TARGET_CONFLICT', `${what}: the Better Auth database already has this row${constraint}`, { errorClass: 'skippable' });
    if (code.startsWith('23') || code.startsWith('22'))
      return new FlaglessError('E_TARGET_VALIDATION', `${what}: PostgreSQL rejected the row (SQLSTATE ${code}${constraint}); are the id columns text? flagless writes source ids as Better Auth ids`, { errorClass: 'skippable' });
    if (code.startsWith('28'))
      return new FlaglessError('E_TARGET_AUTH', `PostgreSQL refused the credentials in --db (SQLSTATE ${code})`, { errorClass: 'fatal' });
    if (code.startsWith('08') || code.startsWith('53') || code === '40001' || code === '40P01' || RETRIABLE_NODE_CODES.has(code))
      return new FlaglessError('E_TARGET_UNAVAILABLE', `${what}: PostgreSQL is unavailable (SQLSTATE ${code}); will retry`, { errorClass: phase === 'open' ? 'fatal' : 'retriable' });
    return new FlaglessError('E_TARGET_UNAVAILABLE', `${what}: PostgreSQL failed (SQLSTATE ${code}); check the database and Better Auth's schema in it`, { errorClass: 'fatal' });
  }

  if (['ENOENT', 'EACCES', 'EPERM', 'ENOTDIR', 'EEXIST', 'EISDIR', 'EROFS', 'ENOSPC'].includes(code))
    return new FlaglessError('E_TARGET_UNAVAILABLE', `${what}: cannot create or open the SQLite file named by --db (${code})`, { errorClass: 'fatal' });
  if (RETRIABLE_NODE_CODES.has(code))
    return new FlaglessError('E_TARGET_UNAVAILABLE', `${what}: the database connection failed (${code})`, { errorClass: phase === 'open' ? 'fatal' : 'retriable' });

  if (e instanceof TypeError || e instanceof RangeError || e instanceof ReferenceError)
    return new FlaglessError('E_INTERNAL', `${what}: ${e.name} in the Better Auth target (a bug in flagless)`, { errorClass: 'fatal' });
  const name = typeof err.name === 'string' ? err.name : 'Error';
  return new FlaglessError('E_TARGET_UNAVAILABLE', `${what}: Better Auth failed (${name}${code ? ` ${code}` : ''})`, { errorClass: phase === 'open' ? 'fatal' : 'retriable' });
}
