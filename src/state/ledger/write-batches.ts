/**
 * Write-ahead marks of whole batches: one row per batch in flight, instead of one `writing` update
 * per record of it.
 *
 * A bulk create's records are all `planned` and held by the worker that claimed them. Before the
 * batch is sent, one row naming its records is committed here (the write-ahead mark); after the
 * target acknowledged, the records are marked done and the row deleted in one transaction. If the
 * batch fails, its records are marked `writing` (as a per-record write-ahead would have left them)
 * and the row deleted, again in one transaction, before they are moved one by one. So the ledger
 * says exactly what per-record marks said, with one row written per batch instead of one update
 * of each record (each moving it in the state index): measured in bench:better-auth as about a
 * quarter of the ledger's cost per record.
 *
 * While a mark exists its records read `planned` (held by the writer). A mark left by a worker
 * that died turns its still-planned records into `writing` before anyone can take them, so they
 * are looked up in the target first, never created twice:
 *   - SQLite (one migrate process per file): every mark found when a worker starts is expanded.
 *   - PostgreSQL: a claim that takes a planned row from a dead owner hands it out as `writing`
 *     when that owner's mark lists it; marks of dead workers with nothing left are deleted when a
 *     run begins.
 * A live worker that gives its rows back (release) first expands its own remaining marks.
 *
 * `p` prefixes the table name: '' for SQLite, '"schema".' for PostgreSQL. `source_ids` is a JSON
 * array of source ids (portable TEXT).
 */
export function writeBatchStatements(p: string): string[] {
  return [
    `CREATE TABLE IF NOT EXISTS ${p}write_batches (
      run_id TEXT NOT NULL,
      kind TEXT NOT NULL CHECK (kind IN ('user', 'organization', 'membership')),
      id TEXT NOT NULL,
      owner INTEGER NOT NULL,
      source_ids TEXT NOT NULL,
      created_at TEXT NOT NULL,
      PRIMARY KEY (run_id, id)
    )`,
  ];
}

/** A mark's id: unique within a run (a worker's id and its own counter, plus the time against reuse of a worker id). */
export function writeBatchId(workerId: number, seq: number): string {
  return `${workerId.toString(36)}-${Date.now().toString(36)}-${seq.toString(36)}`;
}
