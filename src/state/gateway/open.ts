import { FlaglessError } from '../../protocol/errors.js';
import { parseStateSpec } from '../location.js';
import { gatewaySchema } from './schema.js';
import { SqlGatewayStore } from './sql-store.js';

/**
 * Opens the gateway's state where `--state` points (the engine's ledger lives there too): a
 * SQLite path (default .flagless/state.db) or postgres://...?schema=name. Creates the gateway's
 * tables when missing. One driver serves the gateway's flags and its reads of the ledger (which it
 * never creates); closing the store closes it. Drivers load lazily, like the ledger's.
 */
export async function openGatewayStore(spec: string | undefined, opts: { poolSize?: number } = {}): Promise<SqlGatewayStore> {
  const at = parseStateSpec(spec);
  if (at.kind === 'postgres') {
    const { PostgresDriver } = await import('../postgres-driver.js');
    const { PostgresStore } = await import('../ledger/postgres.js');
    const driver = new PostgresDriver(spec!, opts);
    try {
      await driver.migrate({ sql: `SELECT pg_advisory_xact_lock(hashtext('flagless-gateway-ddl'))` }, gatewaySchema(driver.prefix));
    } catch (e) {
      await driver.close().catch(() => undefined);
      throw new FlaglessError('E_STATE', `cannot use the PostgreSQL state at ${driver.location}: ${(e as Error).message}`, { cause: e });
    }
    return new SqlGatewayStore(driver, PostgresStore.attach(driver));
  }
  const { SqliteDriver } = await import('../sqlite-driver.js');
  const { SqliteStore } = await import('../ledger/sqlite.js');
  let driver: InstanceType<typeof SqliteDriver>;
  try {
    driver = new SqliteDriver(at.path);
  } catch (e) {
    if (e instanceof FlaglessError) throw e;
    throw new FlaglessError('E_STATE', `cannot open the state file ${at.path}: ${(e as Error).message}`, { cause: e });
  }
  try {
    driver.exec(gatewaySchema('').join(';\n'));
  } catch (e) {
    await driver.close();
    throw new FlaglessError('E_STATE', `the state file ${at.path} cannot hold the gateway's tables: ${(e as Error).message}`, { cause: e });
  }
  return new SqlGatewayStore(driver, SqliteStore.attach(driver));
}
