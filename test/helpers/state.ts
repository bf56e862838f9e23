/**
 * Test-only reads and clean-up of a flagless state (they were methods of the stores in src/ that
 * only tests called): every run in a ledger, and dropping a PostgreSQL state's whole schema.
 */
import { quoteIdent } from '../../src/state/location.js';
import type { PostgresDriver } from '../../src/state/postgres-driver.js';
import { rowToRun, type RunRow } from '../../src/state/ledger/rows.js';
import type { RunInfo, StateStore } from '../../src/state/ledger/types.js';

export async function listRuns(store: StateStore): Promise<RunInfo[]> {
  return (await store.driver.query<RunRow>(`SELECT * FROM ${store.driver.prefix}runs ORDER BY started_at`)).map(rowToRun);
}

/** Drops the schema of a store on PostgreSQL (the ledger's and the gateway's tables with it). */
export async function dropSchema(store: { driver: unknown }): Promise<void> {
  const driver = store.driver as PostgresDriver;
  if (driver.kind !== 'postgres') throw new Error('dropSchema: not a PostgreSQL state');
  await driver.query(`DROP SCHEMA IF EXISTS ${quoteIdent(driver.schema)} CASCADE`);
}
