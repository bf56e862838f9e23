/**
 * The SSO cutover proxy's tables: one DDL text for SQLite and PostgreSQL (portable types; BIGINT
 * epoch milliseconds; ISO 8601 text timestamps). `p` prefixes table names: '' for SQLite,
 * '"schema".' for PostgreSQL (the schema the ledger and the gateway's flags use).
 *
 * - sso_flags: one row per connection: the side its responses go to, an optional rollout
 *   within it (percent of users and/or email domains), and the flip that set it.
 * - sso_flips: every flip (who, when, from, to, rollout, reason), never updated.
 * - sso_version: one row whose counter every flip bumps, so gateway instances poll one tiny
 *   row and reload the flags only when it moved.
 * - sso_requests: AuthnRequest IDs and OIDC `state` values (as SHA-256 digests, never the value)
 *   → the side whose provider issued them, until they expire.
 * - sso_counts: per connection and flip, events per side (responses and starts routed, logins
 *   completed and failed), flushed by each instance; `sso status` and auto-rollback read them.
 */
export function ssoSchema(p: string): string[] {
  return [
    `CREATE TABLE IF NOT EXISTS ${p}sso_flags (
      connection TEXT PRIMARY KEY,
      side TEXT NOT NULL CHECK (side IN ('legacy', 'target')),
      percent INTEGER CHECK (percent IS NULL OR (percent >= 0 AND percent <= 100)),
      domains TEXT,
      flip_id TEXT NOT NULL,
      updated_at TEXT NOT NULL
    )`,
    `CREATE TABLE IF NOT EXISTS ${p}sso_flips (
      id TEXT PRIMARY KEY,
      connection TEXT NOT NULL,
      at TEXT NOT NULL,
      at_ms BIGINT NOT NULL,
      who TEXT NOT NULL,
      from_side TEXT NOT NULL,
      to_side TEXT NOT NULL CHECK (to_side IN ('legacy', 'target')),
      percent INTEGER,
      domains TEXT,
      reason TEXT NOT NULL
    )`,
    `CREATE INDEX IF NOT EXISTS sso_flips_by_connection ON ${p}sso_flips (connection, at_ms)`,
    `CREATE TABLE IF NOT EXISTS ${p}sso_version (
      id INTEGER PRIMARY KEY,
      n BIGINT NOT NULL
    )`,
    `INSERT INTO ${p}sso_version (id, n) VALUES (1, 0) ON CONFLICT (id) DO NOTHING`,
    `CREATE TABLE IF NOT EXISTS ${p}sso_requests (
      key TEXT PRIMARY KEY,
      connection TEXT NOT NULL,
      side TEXT NOT NULL CHECK (side IN ('legacy', 'target')),
      expires_ms BIGINT NOT NULL
    )`,
    `CREATE INDEX IF NOT EXISTS sso_requests_by_expiry ON ${p}sso_requests (expires_ms)`,
    `CREATE TABLE IF NOT EXISTS ${p}sso_counts (
      connection TEXT NOT NULL,
      flip_id TEXT NOT NULL,
      side TEXT NOT NULL,
      event TEXT NOT NULL,
      n BIGINT NOT NULL,
      PRIMARY KEY (connection, flip_id, side, event)
    )`,
  ];
}
