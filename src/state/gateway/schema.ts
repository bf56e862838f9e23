/**
 * The gateway's tables: one DDL text for SQLite and PostgreSQL (portable types: TEXT, BIGINT for
 * epoch milliseconds, ISO 8601 text timestamps). `p` prefixes table names: '' for SQLite,
 * '"schema".' for PostgreSQL (the same schema as the engine's ledger).
 *
 * The engine's own `records` table is only ever read here (users moved by `flagless migrate`).
 */
export function gatewaySchema(p: string): string[] {
  return [
    `CREATE TABLE IF NOT EXISTS ${p}gateway_users (
      source_id TEXT PRIMARY KEY,
      state TEXT NOT NULL CHECK (state IN ('legacy', 'claimed', 'migrated')),
      route TEXT CHECK (route IS NULL OR route IN ('jit', 'completed', 'bulk', 'lazy')),
      target_id TEXT,
      owner TEXT,
      claim_expires_ms BIGINT,
      migrated_at TEXT,
      attempts INTEGER NOT NULL DEFAULT 0,
      last_error TEXT,
      updated_at TEXT NOT NULL
    )`,
    `CREATE INDEX IF NOT EXISTS gateway_users_by_state ON ${p}gateway_users (state, migrated_at)`,
    `CREATE TABLE IF NOT EXISTS ${p}gateway_identifiers (
      identifier TEXT PRIMARY KEY,
      source_id TEXT,
      native_target_id TEXT,
      updated_at TEXT NOT NULL
    )`,
    `CREATE TABLE IF NOT EXISTS ${p}gateway_failures (
      bucket TEXT NOT NULL,
      reason TEXT NOT NULL,
      n BIGINT NOT NULL,
      PRIMARY KEY (bucket, reason)
    )`,
  ];
}
