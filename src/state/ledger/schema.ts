/**
 * The ledger schema, one text for SQLite and PostgreSQL (portable types only: TEXT timestamps in
 * ISO 8601, JSON in TEXT). `p` prefixes table names: '' for SQLite, '"schema".' for PostgreSQL.
 */
export const SCHEMA_VERSION = 1;

export function schemaStatements(p: string): string[] {
  return [
    `CREATE TABLE IF NOT EXISTS ${p}meta (
      key TEXT PRIMARY KEY,
      value TEXT NOT NULL
    )`,
    `CREATE TABLE IF NOT EXISTS ${p}runs (
      id TEXT PRIMARY KEY,
      source_fingerprint TEXT NOT NULL,
      target TEXT NOT NULL,
      options TEXT NOT NULL,
      started_at TEXT NOT NULL,
      finished_at TEXT
    )`,
    `CREATE TABLE IF NOT EXISTS ${p}records (
      run_id TEXT NOT NULL,
      kind TEXT NOT NULL CHECK (kind IN ('user', 'organization', 'membership')),
      source_id TEXT NOT NULL,
      state TEXT NOT NULL CHECK (state IN ('planned', 'writing', 'done', 'failed')),
      outcome TEXT CHECK (outcome IS NULL OR outcome IN ('created', 'linked', 'updated', 'skipped', 'recovered')),
      target_id TEXT,
      attempts INTEGER NOT NULL DEFAULT 0,
      error_code TEXT,
      error_message TEXT,
      lossy TEXT NOT NULL DEFAULT '[]',
      fingerprint TEXT,
      payload TEXT,
      user_source_id TEXT,
      org_source_id TEXT,
      owner INTEGER,
      updated_at TEXT NOT NULL,
      PRIMARY KEY (run_id, kind, source_id)
    )`,
    `CREATE INDEX IF NOT EXISTS records_by_state ON ${p}records (run_id, kind, state)`,
    // SQLite's single-writer lock: one row per state file, naming the live migrate process.
    `CREATE TABLE IF NOT EXISTS ${p}locks (
      name TEXT PRIMARY KEY,
      pid INTEGER NOT NULL,
      host TEXT NOT NULL,
      owner INTEGER NOT NULL,
      acquired_at TEXT NOT NULL
    )`,
  ];
}

/** The membership ledger key: both source ids, unambiguous whatever characters they contain. */
export function membershipKey(userSourceId: string, orgSourceId: string): string {
  return JSON.stringify([userSourceId, orgSourceId]);
}

export function randomWorkerId(): number {
  // A positive int4: PostgreSQL advisory-lock keys are int4 pairs.
  return 1 + Math.floor(Math.random() * 0x7ffffffe);
}
