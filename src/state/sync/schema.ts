/**
 * Sync's tables, one DDL text for SQLite and PostgreSQL (portable types; epoch milliseconds as
 * BIGINT). `p` prefixes table names: '' for SQLite, '"schema".' for PostgreSQL (the schema of the
 * ledger and the gateway's flags).
 *
 *  - `sync_inbox`: every event a vendor delivered, keyed by the vendor's event id, so a retried
 *    delivery is a no-op. A delivery is answered 2xx only once its events are committed here.
 *    pending ──apply──▶ applied | stale (older than what the target holds) | ignored
 *       └──failure──▶ pending again at `next_at_ms` (back-off) ──bound──▶ quarantined (reason)
 *  - `sync_users`: per source user, the watermark (the source's `updated_at` of the newest state
 *    applied), whether the user was deleted at the source, its target id (the sync's id map), and
 *    the state applied without any secret (`snapshot`, JSON), which a later `migrate` of an older
 *    export writes instead of the export's profile; and the newest password timestamp the source
 *    reported (`password_changed_at_ms`, Clerk `password_last_updated_at`), so a newer one puts the
 *    gateway's flag back to legacy once and the same one again does nothing.
 *  - `sync_orgs`: per source organization, the same: the watermark (the source's `updated_at`, or
 *    the event's time where the vendor sends none), whether it was deleted at the source (a
 *    tombstone: a late older event does not bring it back), and its target id.
 *  - `sync_counters`: what the inbox rows cannot tell afterwards (duplicate deliveries, events
 *    found out of order, failed attempts).
 *
 * Nothing secret is stored: webhook bodies carry no hash, and errors are FlaglessError messages.
 * A body (personal data: names, addresses, metadata) is kept only until its event is settled.
 */
export function syncSchema(p: string): string[] {
  return [
    `CREATE TABLE IF NOT EXISTS ${p}sync_inbox (
      event_id TEXT PRIMARY KEY,
      vendor TEXT NOT NULL,
      type TEXT NOT NULL,
      subject TEXT NOT NULL,
      occurred_at_ms BIGINT NOT NULL,
      received_at_ms BIGINT NOT NULL,
      body TEXT NOT NULL,
      state TEXT NOT NULL CHECK (state IN ('pending', 'applied', 'stale', 'ignored', 'quarantined')),
      attempts INTEGER NOT NULL DEFAULT 0,
      applications INTEGER NOT NULL DEFAULT 0,
      next_at_ms BIGINT NOT NULL,
      applied_at_ms BIGINT,
      last_error TEXT
    )`,
    `CREATE INDEX IF NOT EXISTS sync_inbox_due ON ${p}sync_inbox (state, next_at_ms)`,
    `CREATE INDEX IF NOT EXISTS sync_inbox_applied ON ${p}sync_inbox (applied_at_ms)`,
    `CREATE TABLE IF NOT EXISTS ${p}sync_users (
      vendor TEXT NOT NULL,
      source_id TEXT NOT NULL,
      watermark_ms BIGINT,
      status TEXT NOT NULL CHECK (status IN ('present', 'deleted', 'disabled')),
      target_id TEXT,
      snapshot TEXT,
      password_changed_at_ms BIGINT,
      updated_at_ms BIGINT NOT NULL,
      PRIMARY KEY (vendor, source_id)
    )`,
    `CREATE TABLE IF NOT EXISTS ${p}sync_orgs (
      vendor TEXT NOT NULL,
      source_id TEXT NOT NULL,
      watermark_ms BIGINT,
      status TEXT NOT NULL CHECK (status IN ('present', 'deleted')),
      target_id TEXT,
      updated_at_ms BIGINT NOT NULL,
      PRIMARY KEY (vendor, source_id)
    )`,
    `CREATE TABLE IF NOT EXISTS ${p}sync_counters (
      name TEXT PRIMARY KEY,
      n BIGINT NOT NULL
    )`,
  ];
}

/**
 * Columns added to sync's tables after they first shipped, for a state made by an older flagless
 * (CREATE TABLE IF NOT EXISTS leaves an existing table as it was). Each is nullable, so existing
 * rows read as "not known".
 */
export const SYNC_ADDED_COLUMNS: readonly { table: string; column: string; type: string }[] = [
  { table: 'sync_users', column: 'password_changed_at_ms', type: 'BIGINT' },
];

/** PostgreSQL: the added columns as DDL that is a no-op where they exist (run after syncSchema, under its lock). */
export function syncColumnMigrationsPostgres(p: string): string[] {
  return SYNC_ADDED_COLUMNS.map((c) => `ALTER TABLE ${p}${c.table} ADD COLUMN IF NOT EXISTS ${c.column} ${c.type}`);
}
