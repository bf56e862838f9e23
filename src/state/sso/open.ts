import { FlaglessError } from '../../protocol/errors.js';
import type { SqlDriver } from '../driver.js';
import { parseStateSpec } from '../location.js';
import type { PostgresDriver } from '../postgres-driver.js';
import type { SqliteDriver } from '../sqlite-driver.js';
import { ssoSchema } from './schema.js';
import { SqlSsoStore } from './sql-store.js';

async function createTables(driver: SqlDriver): Promise<void> {
  if (driver.kind === 'postgres') {
    await (driver as PostgresDriver).migrate({ sql: `SELECT pg_advisory_xact_lock(hashtext('flagless-sso-ddl'))` }, ssoSchema(driver.prefix));
  } else {
    (driver as SqliteDriver).exec(ssoSchema('').join(';\n'));
  }
}

/**
 * The SSO proxy's store on a driver someone else opened (the gateway's, inside `serve`): creates
 * its tables when missing; closing it leaves the driver open.
 */
export async function attachSsoStore(driver: SqlDriver): Promise<SqlSsoStore> {
  try {
    await createTables(driver);
  } catch (e) {
    throw new FlaglessError('E_STATE', `the state at ${driver.location} cannot hold the SSO proxy's tables: ${(e as Error).message}`, { cause: e });
  }
  return new SqlSsoStore(driver, { ownsDriver: false });
}

/** The SSO proxy's store where `--state` points (`sso flip`, `sso status`); owns its driver. */
export async function openSsoStore(spec: string | undefined, opts: { poolSize?: number } = {}): Promise<SqlSsoStore> {
  const at = parseStateSpec(spec);
  let driver: SqlDriver;
  if (at.kind === 'postgres') {
    const { PostgresDriver } = await import('../postgres-driver.js');
    driver = new PostgresDriver(spec!, { poolSize: opts.poolSize ?? 4 });
  } else {
    const { SqliteDriver } = await import('../sqlite-driver.js');
    try {
      driver = new SqliteDriver(at.path);
    } catch (e) {
      if (e instanceof FlaglessError) throw e;
      throw new FlaglessError('E_STATE', `cannot open the state file ${at.path}: ${(e as Error).message}`, { cause: e });
    }
  }
  try {
    await createTables(driver);
  } catch (e) {
    await driver.close().catch(() => undefined);
    throw new FlaglessError('E_STATE', `cannot use the state at ${driver.location} for SSO flags: ${(e as Error).message}`, { cause: e });
  }
  return new SqlSsoStore(driver, { ownsDriver: true });
}
