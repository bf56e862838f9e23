/**
 * `flagless finish`'s ledger: one row per user per action (a password reset), written ahead of the
 * message like the engine's records: planned → sending (committed before the target is asked) →
 * sent (after it answered) | failed (it refused: nothing went out) | skipped (nothing to send, and
 * why). A `sending` row left by a crash is unconfirmed: the message may have gone out, so it is
 * never sent again without the operator saying so (`finish --resend-unconfirmed`).
 *
 * One DDL for SQLite and PostgreSQL (`p`: '' or '"schema".'). Nothing secret: no link, no token;
 * the address is kept for the report.
 */
export const FINISH_ACTIONS = ['reset'] as const;
export type FinishAction = (typeof FINISH_ACTIONS)[number];
export const FINISH_STATES = ['planned', 'sending', 'sent', 'failed', 'skipped'] as const;
export type FinishState = (typeof FINISH_STATES)[number];

export function finishSchema(p: string): string[] {
  return [
    `CREATE TABLE IF NOT EXISTS ${p}finish_actions (
      source_id TEXT NOT NULL,
      action TEXT NOT NULL CHECK (action IN ('reset')),
      state TEXT NOT NULL CHECK (state IN ('planned', 'sending', 'sent', 'failed', 'skipped')),
      reason TEXT NOT NULL,
      target TEXT NOT NULL,
      target_id TEXT,
      email TEXT,
      via TEXT,
      error_code TEXT,
      detail TEXT,
      attempts INTEGER NOT NULL DEFAULT 0,
      sent_at TEXT,
      updated_at TEXT NOT NULL,
      PRIMARY KEY (source_id, action)
    )`,
    `CREATE INDEX IF NOT EXISTS finish_actions_by_state ON ${p}finish_actions (action, state)`,
  ];
}
