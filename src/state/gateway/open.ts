import { DEFAULT_STATE_PATH, isPostgresUrl } from '../ledger/open.js';
import { FlaglessError } from '../../protocol/errors.js';
import { gatewaySchema } from './schema.js';
import { SqlGatewayStore } from './sql-store.js';

/**
 * Opens the gateway's state where `--state` points (the engine's ledger lives there too): a
 * SQLite path (default .flagless/state.db) or postgres://...?schema=name. Creates the gateway's
 * tables when missing. Drivers load lazily, like the engine's.
 */
export async function openGatewayStore(spec: string | undefined, opts: { poolSize?: number } = {}): Promise<SqlGatewayStore> {
  const s = spec && spec !== '' ? spec : DEFAULT_STATE_PATH;
  if (isPostgresUrl(s)) {
    const { PostgresDriver } = await import('./postgres-driver.js');
    const driver = new PostgresDriver(s, opts);
    try {
      await driver.migrate(gatewaySchema(driver.prefix));
    } catch (e) {
      await driver.close().catch(() => undefined);
      throw new FlaglessError('E_STATE', `cannot use the PostgreSQL state at ${driver.location}: ${(e as Error).message}`, { cause: e });
    }
    return new SqlGatewayStore(driver);
  }
  const { SqliteDriver } = await import('./sqlite-driver.js');
  const driver = new SqliteDriver(s);
  try {
    driver.exec(gatewaySchema('').join(';\n'));
  } catch (e) {
    await driver.close();
    throw new FlaglessError('E_STATE', `the state file ${s} cannot hold the gateway's tables: ${(e as Error).message}`, { cause: e });
  }
  return new SqlGatewayStore(driver);
}
