import { hostname } from 'node:os';
import type Database from 'better-sqlite3';
import { FlaglessError } from '../../protocol/errors.js';
import { SqliteDriver } from '../sqlite-driver.js';
import { legacyReasons, movedUsers, movedUserTargetId } from './moved-users.js';
import { clip, nowIso, rowsToTally, rowToRecord, rowToRun, type RecordRow, type RunRow, type TallyRow } from './rows.js';
import { randomWorkerId, schemaStatements, SCHEMA_VERSION } from './schema.js';
import { writeBatchId, writeBatchStatements } from './write-batches.js';
import type { ClaimOptions, EntityKind, IdMapRow, LedgerRecord, LegacyReasons, MovedUsers, Outcome, PlannedRecord, PlanWrite, PlanWriteOptions, RunInfo, StateStore, Tally } from './types.js';

/**
 * The default ledger: one SQLite file (WAL). One `migrate` process per file: SQLite serialises
 * writers anyway, and the lock row lets a second process fail fast with a clear message instead
 * of waiting on the database. Several workers need `--state postgres://...`.
 *
 * synchronous=NORMAL in WAL survives `kill -9` (the WAL is written before each commit returns);
 * only an OS crash can lose the last commits, and then a lost `writing` mark is still harmless: the
 * re-sent create meets the target's own uniqueness and is resolved by lookup (run-user.ts).
 */
export class SqliteStore implements StateStore {
  readonly kind = 'sqlite' as const;
  readonly location: string;
  readonly workerId = randomWorkerId();
  /** The lock row of acquireWorker: one migrate process per file. */
  readonly exclusive = true;
  readonly driver: SqliteDriver;
  readonly #db: Database.Database;
  /** Prepared once per SQL text: preparing costs more than running the small statements of a batch. */
  readonly #statements = new Map<string, Database.Statement>();
  readonly #ownsDriver: boolean;
  #lockHeld = false;

  private constructor(driver: SqliteDriver, ownsDriver: boolean) {
    this.driver = driver;
    this.location = driver.location;
    this.#db = driver.db;
    this.#ownsDriver = ownsDriver;
  }

  /** Opens (and creates) the state file. `readonly` opens an existing file without creating anything. */
  static open(path: string, opts: { readonly?: boolean } = {}): SqliteStore {
    let driver: SqliteDriver;
    try {
      driver = new SqliteDriver(path, opts);
    } catch (e) {
      if (e instanceof FlaglessError) throw e;
      throw new FlaglessError('E_STATE', `the state file ${path} is not a flagless ledger: ${(e as Error).message}`, { cause: e });
    }
    const store = new SqliteStore(driver, true);
    const db = driver.db;
    try {
      if (!opts.readonly) {
        db.transaction(() => {
          for (const s of [...schemaStatements(''), ...writeBatchStatements('')]) db.exec(s);
          db.prepare(`INSERT INTO meta (key, value) VALUES ('schema_version', ?) ON CONFLICT (key) DO NOTHING`).run(String(SCHEMA_VERSION));
        })();
      }
      const v = db.prepare(`SELECT value FROM meta WHERE key = 'schema_version'`).get() as { value: string } | undefined;
      if (v && Number(v.value) > SCHEMA_VERSION) {
        throw new FlaglessError('E_STATE', `the state file ${path} was written by a newer flagless (schema ${v.value}); upgrade flagless`);
      }
    } catch (e) {
      db.close();
      if (e instanceof FlaglessError) throw e;
      throw new FlaglessError('E_STATE', `the state file ${path} is not a flagless ledger: ${(e as Error).message}`, { cause: e });
    }
    return store;
  }

  #prepare(sql: string): Database.Statement {
    let stmt = this.#statements.get(sql);
    if (!stmt) {
      stmt = this.#db.prepare(sql);
      this.#statements.set(sql, stmt);
    }
    return stmt;
  }

  /**
   * The ledger on a driver another store opened (the gateway's, on the same file): creates no
   * table, since only `flagless migrate` writes the ledger, and leaves closing the driver to its owner.
   */
  static attach(driver: SqliteDriver): SqliteStore {
    return new SqliteStore(driver, false);
  }

  async acquireWorker(): Promise<void> {
    const me = { pid: process.pid, host: hostname(), owner: this.workerId };
    this.#db.transaction(() => {
      const held = this.#prepare(`SELECT pid, host, acquired_at FROM locks WHERE name = 'migrate'`).get() as { pid: number; host: string; acquired_at: string } | undefined;
      if (held && held.pid !== me.pid && (held.host !== me.host || processAlive(held.pid))) {
        throw new FlaglessError(
          'E_STATE',
          `the state file ${this.location} is in use by another flagless migrate (pid ${held.pid} on ${held.host}, since ${held.acquired_at}). ` +
            'A SQLite state file takes one migrate process at a time; to run several workers use --state postgres://...',
        );
      }
      this
        .#prepare(`INSERT INTO locks (name, pid, host, owner, acquired_at) VALUES ('migrate', ?, ?, ?, ?) ON CONFLICT (name) DO UPDATE SET pid = excluded.pid, host = excluded.host, owner = excluded.owner, acquired_at = excluded.acquired_at`)
        .run(me.pid, me.host, me.owner, nowIso());
      // Any batch mark here was left by a process that is gone (the lock says none is alive): its
      // records may have been written, so they become `writing` before anything is claimed.
      this.#expandMarks(`SELECT run_id, kind, source_ids FROM write_batches`, {});
      this.#prepare(`DELETE FROM write_batches`).run();
    }).immediate();
    this.#lockHeld = true;
  }

  async beginRun(run: RunInfo): Promise<RunInfo> {
    this
      .#prepare(
        `INSERT INTO runs (id, source_fingerprint, target, options, started_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (id) DO UPDATE SET source_fingerprint = excluded.source_fingerprint, options = excluded.options, finished_at = NULL`,
      )
      .run(run.id, run.sourceFingerprint, run.target, JSON.stringify(run.options), run.startedAt);
    return (await this.getRun(run.id))!;
  }

  async finishRun(runId: string): Promise<void> {
    this.#prepare(`UPDATE runs SET finished_at = ? WHERE id = ?`).run(nowIso(), runId);
  }

  async getRun(runId: string): Promise<RunInfo | undefined> {
    const r = this.#prepare(`SELECT * FROM runs WHERE id = ?`).get(runId) as RunRow | undefined;
    return r ? rowToRun(r) : undefined;
  }

  /**
   * One statement per batch for each form (upsert, plan-time skip), the rows passed as one JSON
   * array: a statement run per record cost about what the reference's own INSERT of the user costs
   * (binding ten named parameters and a call into SQLite each), measured in bench:better-auth.
   */
  async plan(runId: string, records: readonly PlannedRecord[], opts: PlanWriteOptions = {}): Promise<PlanWrite> {
    const planned: unknown[][] = [];
    const skipped: unknown[][] = [];
    for (const r of records) {
      const row = [r.kind, r.sourceId, JSON.stringify(r.lossy), r.fingerprint, r.payload === undefined ? null : JSON.stringify(r.payload), r.userSourceId ?? null, r.orgSourceId ?? null];
      if (r.skipReason !== undefined) skipped.push([...row, clip(r.skipReason)]);
      else planned.push(row);
    }
    const input = `SELECT value ->> 0 AS k, value ->> 1 AS id, value ->> 2 AS lossy, value ->> 3 AS fp, value ->> 4 AS payload, value ->> 5 AS u, value ->> 6 AS o, value ->> 7 AS reason
                   FROM json_each(@rows)`;
    const named = { run: runId, now: nowIso() };
    let inserted = 0;
    this.#db.transaction(() => {
      // New rows first (a fresh run's: one plain insert); the upsert only when some were there.
      if (planned.length)
        inserted = this.#prepare(
          `INSERT INTO records (run_id, kind, source_id, state, lossy, fingerprint, payload, user_source_id, org_source_id, updated_at)
           SELECT @run, k, id, 'planned', lossy, fp, payload, u, o, @now FROM (${input}) WHERE true
           ON CONFLICT (run_id, kind, source_id) DO NOTHING`,
        ).run({ ...named, rows: JSON.stringify(planned) }).changes;
      if (inserted < planned.length && !opts.keepExisting)
        this.#prepare(
          `INSERT INTO records (run_id, kind, source_id, state, lossy, fingerprint, payload, user_source_id, org_source_id, updated_at)
           SELECT @run, k, id, 'planned', lossy, fp, payload, u, o, @now FROM (${input}) WHERE true
           ON CONFLICT (run_id, kind, source_id) DO UPDATE SET
             state = CASE WHEN records.state = 'done' AND records.fingerprint IS NOT excluded.fingerprint THEN 'planned' ELSE records.state END,
             owner = CASE WHEN records.state = 'done' AND records.fingerprint IS NOT excluded.fingerprint THEN NULL ELSE records.owner END,
             updated_at = CASE WHEN records.state = 'done' AND records.fingerprint IS NOT excluded.fingerprint THEN excluded.updated_at ELSE records.updated_at END,
             fingerprint = excluded.fingerprint, lossy = excluded.lossy, payload = excluded.payload,
             user_source_id = excluded.user_source_id, org_source_id = excluded.org_source_id`,
        ).run({ ...named, rows: JSON.stringify(planned) });
      // A plan-time skip is settled at once, unless the record was already moved or is in flight.
      if (skipped.length && opts.keepExisting)
        this.#prepare(
          `INSERT INTO records (run_id, kind, source_id, state, outcome, error_message, lossy, fingerprint, payload, user_source_id, org_source_id, updated_at)
           SELECT @run, k, id, 'done', 'skipped', reason, lossy, fp, payload, u, o, @now FROM (${input}) WHERE true
           ON CONFLICT (run_id, kind, source_id) DO NOTHING`,
        ).run({ ...named, rows: JSON.stringify(skipped) });
      else if (skipped.length)
        this.#prepare(
          `INSERT INTO records (run_id, kind, source_id, state, outcome, error_message, lossy, fingerprint, payload, user_source_id, org_source_id, updated_at)
           SELECT @run, k, id, 'done', 'skipped', reason, lossy, fp, payload, u, o, @now FROM (${input}) WHERE true
           ON CONFLICT (run_id, kind, source_id) DO UPDATE SET
             state = 'done', outcome = 'skipped', error_code = NULL, error_message = excluded.error_message,
             fingerprint = excluded.fingerprint, lossy = excluded.lossy, payload = excluded.payload, updated_at = excluded.updated_at
           WHERE records.state IN ('planned', 'failed') OR (records.state = 'done' AND records.outcome = 'skipped')`,
        ).run({ ...named, rows: JSON.stringify(skipped) });
    })();
    return { inserted };
  }

  /**
   * Both forms find their rows through an index, never by scanning the run: a streamed batch's ids
   * drive primary-key lookups (CROSS JOIN keeps json_each outside), and the states (with `writing`)
   * are matched in the state index. Scanning the run's rows at each claim made a 100,000-user run
   * quadratic (measured: the users phase 6x longer for 3x the users).
   */
  async claim(runId: string, kind: EntityKind, opts: ClaimOptions): Promise<LedgerRecord[]> {
    // Marks of dead processes were expanded when this one started (acquireWorker): a planned row
    // with no attempt was never sent.
    const states = JSON.stringify(opts.neverSent ? ['planned'] : [...new Set([...opts.states, 'writing'])]);
    const named = { me: this.workerId, run: runId, kind, states, limit: opts.limit ?? -1, first: opts.neverSent ? 1 : 0 };
    const rows = opts.sourceIds
      ? (this.#prepare(
          `UPDATE records SET owner = @me
           WHERE rowid IN (SELECT r.rowid FROM json_each(@ids) AS i CROSS JOIN records AS r
                           WHERE r.run_id = @run AND r.kind = @kind AND r.source_id = i.value
                             AND r.state IN (SELECT value FROM json_each(@states))
                             AND (r.owner IS NULL OR r.owner <> @me)
                             AND (@first = 0 OR r.attempts = 0)
                           LIMIT @limit)
           RETURNING *`,
        ).all({ ...named, ids: JSON.stringify(opts.sourceIds) }) as RecordRow[])
      : (this.#prepare(
          `UPDATE records SET owner = @me
           WHERE rowid IN (SELECT rowid FROM records WHERE run_id = @run AND kind = @kind
                             AND state IN (SELECT value FROM json_each(@states))
                             AND (owner IS NULL OR owner <> @me)
                             AND (@first = 0 OR attempts = 0)
                           LIMIT @limit)
           RETURNING *`,
        ).all(named) as RecordRow[]);
    return rows.map(rowToRecord);
  }

  async claimMemberships(runId: string, opts: ClaimOptions): Promise<LedgerRecord[]> {
    const rows = this
      .#prepare(
        `UPDATE records SET owner = @me
         WHERE rowid IN (
           SELECT m.rowid FROM records m
           LEFT JOIN records u ON u.run_id = m.run_id AND u.kind = 'user' AND u.source_id = m.user_source_id
           LEFT JOIN records o ON o.run_id = m.run_id AND o.kind = 'organization' AND o.source_id = m.org_source_id
           WHERE m.run_id = @run AND m.kind = 'membership'
             AND m.state IN (SELECT value FROM json_each(@states))
             AND (m.owner IS NULL OR m.owner <> @me)
             AND (u.state IS NULL OR u.state IN ('done', 'failed'))
             AND (o.state IS NULL OR o.state IN ('done', 'failed'))
           LIMIT @limit)
         RETURNING *`,
      )
      .all({ me: this.workerId, run: runId, states: JSON.stringify([...new Set([...opts.states, 'writing'])]), limit: opts.limit ?? -1 }) as RecordRow[];
    return rows.map(rowToRecord);
  }

  async markWriting(runId: string, kind: EntityKind, sourceId: string): Promise<void> {
    this
      .#prepare(`UPDATE records SET state = 'writing', attempts = attempts + 1, updated_at = ? WHERE run_id = ? AND kind = ? AND source_id = ?`)
      .run(nowIso(), runId, kind, sourceId);
  }

  async markDone(runId: string, kind: EntityKind, sourceId: string, result: { targetId?: string; outcome: Outcome }): Promise<void> {
    this
      .#prepare(
        `UPDATE records SET state = 'done', outcome = ?, target_id = COALESCE(?, target_id), error_code = NULL, error_message = NULL, owner = NULL, updated_at = ?
         WHERE run_id = ? AND kind = ? AND source_id = ?`,
      )
      .run(result.outcome, result.targetId ?? null, nowIso(), runId, kind, sourceId);
  }

  async markWritingMany(runId: string, kind: EntityKind, sourceIds: readonly string[]): Promise<void> {
    this
      .#prepare(
        `UPDATE records SET state = 'writing', attempts = attempts + 1, updated_at = ?
         WHERE run_id = ? AND kind = ? AND source_id IN (SELECT value FROM json_each(?))`,
      )
      .run(nowIso(), runId, kind, JSON.stringify(sourceIds));
  }

  /**
   * A whole batch marked done in one statement, each row's outcome and target id from one JSON
   * array. The batch's rows are found first (a materialized CTE: the ids drive primary-key lookups,
   * CROSS JOIN keeping json_each outside) and updated by rowid: a plain UPDATE … FROM json_each lets
   * the planner put the run's rows in the outer loop when the table has no statistics (EXPLAIN QUERY
   * PLAN: a scan of the run per batch).
   */
  async markDoneMany(runId: string, kind: EntityKind, results: readonly { sourceId: string; targetId?: string; outcome: Outcome }[]): Promise<void> {
    this.#markDoneMany(runId, kind, results);
  }

  #markDoneMany(runId: string, kind: EntityKind, results: readonly { sourceId: string; targetId?: string; outcome: Outcome }[]): void {
    if (results.length === 0) return;
    this
      .#prepare(
        `WITH v AS MATERIALIZED (
           SELECT r.rowid AS rid, i.value ->> 1 AS outcome, i.value ->> 2 AS target_id
           FROM json_each(@rows) AS i CROSS JOIN records AS r
           WHERE r.run_id = @run AND r.kind = @kind AND r.source_id = i.value ->> 0)
         UPDATE records SET state = 'done', outcome = v.outcome, target_id = COALESCE(v.target_id, records.target_id), error_code = NULL, error_message = NULL, owner = NULL, updated_at = @now
         FROM v WHERE records.rowid = v.rid`,
      )
      .run({ now: nowIso(), run: runId, kind, rows: JSON.stringify(results.map((r) => [r.sourceId, r.outcome, r.targetId ?? null])) });
  }

  #batchSeq = 0;

  async markBatchWriting(runId: string, kind: EntityKind, sourceIds: readonly string[]): Promise<string> {
    const id = writeBatchId(this.workerId, ++this.#batchSeq);
    this
      .#prepare(`INSERT INTO write_batches (run_id, kind, id, owner, source_ids, created_at) VALUES (?, ?, ?, ?, ?, ?)`)
      .run(runId, kind, id, this.workerId, JSON.stringify(sourceIds), nowIso());
    return id;
  }

  async markBatchDone(runId: string, kind: EntityKind, batchId: string, results: readonly { sourceId: string; targetId?: string; outcome: Outcome }[]): Promise<void> {
    this.#db.transaction(() => {
      this.#markDoneMany(runId, kind, results);
      this.#prepare(`DELETE FROM write_batches WHERE run_id = ? AND id = ?`).run(runId, batchId);
    })();
  }

  async expandBatch(runId: string, kind: EntityKind, batchId: string): Promise<void> {
    this.#db.transaction(() => {
      this.#expandMarks(`SELECT run_id, kind, source_ids FROM write_batches WHERE run_id = @run AND kind = @kind AND id = @id`, { run: runId, kind, id: batchId });
      this.#prepare(`DELETE FROM write_batches WHERE run_id = ? AND id = ?`).run(runId, batchId);
    })();
  }

  /** The still-planned records the marks `marks` selects become `writing` (attempts + 1), as markWritingMany leaves them. The caller deletes the marks in the same transaction. */
  #expandMarks(marks: string, named: Record<string, unknown>): void {
    this
      .#prepare(
        `UPDATE records SET state = 'writing', attempts = attempts + 1, updated_at = @now
         WHERE rowid IN (SELECT r.rowid FROM (${marks}) AS b CROSS JOIN json_each(b.source_ids) AS i CROSS JOIN records AS r
                         WHERE r.run_id = b.run_id AND r.kind = b.kind AND r.source_id = i.value AND r.state = 'planned')`,
      )
      .run({ ...named, now: nowIso() });
  }

  async markFailed(runId: string, kind: EntityKind, sourceId: string, error: { code: string; message: string }): Promise<void> {
    this
      .#prepare(`UPDATE records SET state = 'failed', error_code = ?, error_message = ?, updated_at = ? WHERE run_id = ? AND kind = ? AND source_id = ?`)
      .run(error.code, clip(error.message), nowIso(), runId, kind, sourceId);
  }

  async requeueFailed(runId: string, kind: EntityKind, sourceIds: readonly string[]): Promise<number> {
    if (sourceIds.length === 0) return 0;
    const r = this.#db
      .prepare(
        `UPDATE records SET state = 'planned', owner = NULL, error_code = NULL, error_message = NULL, updated_at = ?
         WHERE run_id = ? AND kind = ? AND state = 'failed' AND source_id IN (SELECT value FROM json_each(?))`,
      )
      .run(nowIso(), runId, kind, JSON.stringify(sourceIds));
    return r.changes;
  }

  async page(runId: string, kind: EntityKind, after: string | undefined, limit: number): Promise<LedgerRecord[]> {
    const rows = this.#db
      .prepare(`SELECT * FROM records WHERE run_id = ? AND kind = ? AND source_id > ? ORDER BY source_id LIMIT ?`)
      .all(runId, kind, after ?? '', limit) as RecordRow[];
    return rows.map(rowToRecord);
  }

  async settleAbsent(runId: string, userSourceIds: readonly string[], message: string): Promise<number> {
    if (userSourceIds.length === 0) return 0;
    const ids = JSON.stringify(userSourceIds);
    const now = nowIso();
    const settle = `SET state = 'done', outcome = 'skipped', error_code = NULL, error_message = ?, fingerprint = NULL, updated_at = ?
                    WHERE run_id = ? AND state IN ('planned', 'failed') AND owner IS NULL`;
    return this.#db.transaction(() => {
      const users = this.#db.prepare(`UPDATE records ${settle} AND kind = 'user' AND source_id IN (SELECT value FROM json_each(?))`).run(clip(message), now, runId, ids);
      this.#db.prepare(`UPDATE records ${settle} AND kind = 'membership' AND user_source_id IN (SELECT value FROM json_each(?))`).run(clip(message), now, runId, ids);
      return users.changes;
    })();
  }

  async release(runId: string): Promise<void> {
    this.#db.transaction(() => {
      const mine = { run: runId, me: this.workerId };
      this.#expandMarks(`SELECT run_id, kind, source_ids FROM write_batches WHERE run_id = @run AND owner = @me`, mine);
      this.#prepare(`DELETE FROM write_batches WHERE run_id = @run AND owner = @me`).run(mine);
      this.#prepare(`UPDATE records SET owner = NULL WHERE run_id = ? AND owner = ?`).run(runId, this.workerId);
    })();
  }

  async get(runId: string, kind: EntityKind, sourceId: string): Promise<LedgerRecord | undefined> {
    const r = this.#prepare(`SELECT * FROM records WHERE run_id = ? AND kind = ? AND source_id = ?`).get(runId, kind, sourceId) as RecordRow | undefined;
    return r ? rowToRecord(r) : undefined;
  }

  async getMany(runId: string, kind: EntityKind, sourceIds: readonly string[]): Promise<Map<string, LedgerRecord>> {
    const rows = this
      .#prepare(`SELECT * FROM records WHERE run_id = ? AND kind = ? AND source_id IN (SELECT value FROM json_each(?))`)
      .all(runId, kind, JSON.stringify(sourceIds)) as RecordRow[];
    return new Map(rows.map((r) => [r.source_id, rowToRecord(r)]));
  }

  async tally(runId: string): Promise<Tally> {
    const rows = this
      .#prepare(`SELECT kind, state, outcome, COUNT(*) AS n, SUM(CASE WHEN lossy <> '[]' AND outcome IS NOT 'skipped' THEN 1 ELSE 0 END) AS lossy FROM records WHERE run_id = ? GROUP BY kind, state, outcome`)
      .all(runId) as TallyRow[];
    return rowsToTally(rows);
  }

  async failures(runId: string, limit: number): Promise<LedgerRecord[]> {
    const rows = this.#prepare(`SELECT * FROM records WHERE run_id = ? AND state = 'failed' ORDER BY updated_at, kind, source_id LIMIT ?`).all(runId, limit) as RecordRow[];
    return rows.map(rowToRecord);
  }

  async *idMap(runId?: string): AsyncIterable<IdMapRow> {
    const stmt = this.#db.prepare(
      `SELECT r.run_id, runs.target, r.kind, r.source_id, r.target_id, r.outcome FROM records r JOIN runs ON runs.id = r.run_id
       WHERE r.kind IN ('user', 'organization') AND r.state = 'done' AND r.target_id IS NOT NULL AND (? IS NULL OR r.run_id = ?)
       ORDER BY r.run_id, r.kind DESC, r.source_id`,
    );
    for (const r of stmt.iterate(runId ?? null, runId ?? null) as IterableIterator<{ run_id: string; target: string; kind: 'user' | 'organization'; source_id: string; target_id: string; outcome: Outcome | null }>) {
      yield { runId: r.run_id, target: r.target, kind: r.kind, sourceId: r.source_id, targetId: r.target_id, ...(r.outcome ? { outcome: r.outcome } : {}) };
    }
  }

  movedUserTargetId(sourceId: string): Promise<string | undefined> {
    return movedUserTargetId(this.driver, sourceId);
  }

  legacyReasons(alsoMoved?: string): Promise<LegacyReasons | undefined> {
    return legacyReasons(this.driver, alsoMoved);
  }

  movedUsers(alsoMoved?: string): Promise<MovedUsers | undefined> {
    return movedUsers(this.driver, alsoMoved);
  }

  async close(): Promise<void> {
    if (!this.#db.open) return;
    if (this.#lockHeld) {
      this.#prepare(`DELETE FROM locks WHERE name = 'migrate' AND owner = ?`).run(this.workerId);
      this.#lockHeld = false;
    }
    if (this.#ownsDriver) await this.driver.close();
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
