import type pg from 'pg';
import { FlaglessError } from '../../protocol/errors.js';
import { PostgresDriver } from '../postgres-driver.js';
import { legacyReasons, movedUsers, movedUserTargetId } from './moved-users.js';
import { clip, nowIso, rowsToTally, rowToRecord, rowToRun, type RecordRow, type RunRow, type TallyRow } from './rows.js';
import { randomWorkerId, schemaStatements, SCHEMA_VERSION } from './schema.js';
import { writeBatchId, writeBatchStatements } from './write-batches.js';
import type { ClaimOptions, EntityKind, IdMapRow, LedgerRecord, LegacyReasons, MovedUsers, Outcome, PlannedRecord, PlanWrite, PlanWriteOptions, RunInfo, StateStore, Tally } from './types.js';

/** First key of every advisory lock flagless takes ('flg'); the second is the worker id (0 = schema DDL). */
const LOCK_NAMESPACE = 0x00666c67;
/** First key of the shared lock each worker holds on the run it works on ('flgr'); the second is the run's key. */
const RUN_LOCK_NAMESPACE = 0x666c6772;

/** A 32-bit key for a run in a schema (advisory lock keys are two int4). */
function runLockKey(schema: string, runId: string): number {
  let h = 0x811c9dc5;
  for (const ch of `${schema}\u0000${runId}`) {
    h ^= ch.codePointAt(0)!;
    h = Math.imul(h, 0x01000193);
  }
  return h | 0;
}

/**
 * The shared ledger on PostgreSQL: the same tables as SQLite, in their own schema (`?schema=` in
 * the URL, default `flagless`). Several `migrate` workers share one run: each claims rows with
 * `FOR UPDATE SKIP LOCKED` and owns them until it settles them. A worker holds a session advisory
 * lock (LOCK_NAMESPACE, workerId) for its lifetime, which PostgreSQL drops the moment its
 * connection dies: so a `writing` row whose owner's lock is gone was left by a dead worker, and is
 * resolved by lookup, while a live worker's rows are never touched (no lease timeout to guess).
 */
export class PostgresStore implements StateStore {
  readonly kind = 'postgres' as const;
  readonly location: string;
  readonly workerId = randomWorkerId();
  readonly driver: PostgresDriver;
  readonly #pool: pg.Pool;
  readonly #p: string;
  readonly #ownsDriver: boolean;
  #lockClient: pg.PoolClient | pg.Client | undefined;
  /** Records planned by this process, and how many there were at its last ANALYZE (see #analyzeWhenGrown). */
  #planned = 0;
  #analyzedAt = 0;

  private constructor(driver: PostgresDriver, ownsDriver: boolean) {
    this.driver = driver;
    this.location = driver.location;
    this.#pool = driver.pool;
    this.#p = driver.prefix;
    this.#ownsDriver = ownsDriver;
  }

  /** `url`: postgres://user:pass@host:port/db?schema=name. The schema is created if absent (unless readonly). */
  static async open(url: string, opts: { readonly?: boolean } = {}): Promise<PostgresStore> {
    const driver = new PostgresDriver(url, { poolSize: 6 });
    const { location: display, schema, pool } = driver;
    const store = new PostgresStore(driver, true);
    try {
      if (!opts.readonly) await store.#migrate();
      const v = await pool.query<{ value: string }>(`SELECT value FROM ${store.#p}meta WHERE key = 'schema_version'`);
      const version = v.rows[0]?.value;
      if (version && Number(version) > SCHEMA_VERSION) {
        throw new FlaglessError('E_STATE', `the ledger in ${display} was written by a newer flagless (schema ${version}); upgrade flagless`);
      }
    } catch (e) {
      await driver.close().catch(() => undefined);
      if (e instanceof FlaglessError) throw e;
      if ((e as { code?: string }).code === '42P01') {
        throw new FlaglessError('E_INPUT_UNREADABLE', `no flagless ledger in ${display} (schema "${schema}"): run \`flagless migrate\` with this --state first`, { cause: e });
      }
      throw new FlaglessError(opts.readonly ? 'E_INPUT_UNREADABLE' : 'E_STATE', `cannot use the PostgreSQL ledger at ${display}: ${(e as Error).message}`, { cause: e });
    }
    return store;
  }

  /**
   * The ledger on a driver another store opened (the gateway's, on the same schema): creates no
   * table, since only `flagless migrate` writes the ledger, and leaves closing the pool to its owner.
   */
  static attach(driver: PostgresDriver): PostgresStore {
    return new PostgresStore(driver, false);
  }

  async #migrate(): Promise<void> {
    // Two workers starting together must not race on CREATE TABLE IF NOT EXISTS.
    await this.driver.migrate({ sql: 'SELECT pg_advisory_xact_lock($1, 0)', params: [LOCK_NAMESPACE] }, [...schemaStatements(this.#p), ...writeBatchStatements(this.#p)], async (c) => {
      await c.query(`INSERT INTO ${this.#p}meta (key, value) VALUES ('schema_version', $1) ON CONFLICT (key) DO NOTHING`, [String(SCHEMA_VERSION)]);
    });
  }

  async acquireWorker(): Promise<void> {
    if (this.#lockClient) return;
    const c = await this.#pool.connect();
    await c.query('SELECT pg_advisory_lock($1, $2)', [LOCK_NAMESPACE, this.workerId]);
    this.#lockClient = c;
  }

  async beginRun(run: RunInfo): Promise<RunInfo> {
    await this.#pool.query(
      `INSERT INTO ${this.#p}runs (id, source_fingerprint, target, options, started_at) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (id) DO UPDATE SET source_fingerprint = excluded.source_fingerprint, options = excluded.options, finished_at = NULL`,
      [run.id, run.sourceFingerprint, run.target, JSON.stringify(run.options), run.startedAt],
    );
    await this.#joinRun(run.id);
    // Marks of dead workers whose records were all taken over or settled since: nothing left to say.
    await this.#pool.query(
      `WITH ${this.#liveWorkers()}
       DELETE FROM ${this.#p}write_batches b WHERE b.run_id = $1 AND b.owner <> $2 AND b.owner NOT IN (SELECT id FROM live)
         AND NOT EXISTS (SELECT 1 FROM ${this.#p}records r WHERE r.run_id = b.run_id AND r.kind = b.kind AND r.state = 'planned' AND r.owner = b.owner)`,
      [run.id, this.workerId],
    );
    return (await this.getRun(run.id))!;
  }

  async finishRun(runId: string): Promise<void> {
    await this.#pool.query(`UPDATE ${this.#p}runs SET finished_at = $1 WHERE id = $2`, [nowIso(), runId]);
  }

  async getRun(runId: string): Promise<RunInfo | undefined> {
    const r = await this.#pool.query<RunRow>(`SELECT * FROM ${this.#p}runs WHERE id = $1`, [runId]);
    return r.rows[0] ? rowToRun(r.rows[0]) : undefined;
  }

  async plan(runId: string, records: readonly PlannedRecord[], opts: PlanWriteOptions = {}): Promise<PlanWrite> {
    if (records.length === 0) return { inserted: 0 };
    const now = nowIso();
    const cols = (r: PlannedRecord) => [
      r.kind,
      r.sourceId,
      JSON.stringify(r.lossy),
      r.fingerprint,
      r.payload === undefined ? null : JSON.stringify(r.payload),
      r.userSourceId ?? null,
      r.orgSourceId ?? null,
      r.skipReason === undefined ? null : clip(r.skipReason),
    ];
    const asJson = (rows: unknown[][]) => JSON.stringify(rows.map(([k, id, lossy, fp, payload, u, o, reason]) => ({ k, id, lossy, fp, payload, u, o, reason })));
    // One statement, so one round trip and atomic without BEGIN/COMMIT: both forms are
    // data-modifying CTEs over one input (a key is in one form only: the plan pass sends each once).
    // A done record re-planned (its source changed) is also given up by the worker that settled it:
    // that worker still holds it until its release() and never claims it again, and the others skip
    // the rows a live worker holds, so a re-planned record left owned would stay planned for good
    // (another worker's export read later, e.g. a source API listed while users change).
    const result = await this.#pool.query<{ inserted: string }>(
      `WITH i AS (SELECT * FROM json_to_recordset($2::json) AS x(k text, id text, lossy text, fp text, payload text, u text, o text, reason text)),
       planned AS (
         INSERT INTO ${this.#p}records AS r (run_id, kind, source_id, state, lossy, fingerprint, payload, user_source_id, org_source_id, updated_at)
         SELECT $1, k, id, 'planned', lossy, fp, payload, u, o, $3 FROM i WHERE reason IS NULL
         ${opts.keepExisting ? 'ON CONFLICT (run_id, kind, source_id) DO NOTHING' : `ON CONFLICT (run_id, kind, source_id) DO UPDATE SET
           state = CASE WHEN r.state = 'done' AND r.fingerprint IS DISTINCT FROM excluded.fingerprint THEN 'planned' ELSE r.state END,
           owner = CASE WHEN r.state = 'done' AND r.fingerprint IS DISTINCT FROM excluded.fingerprint THEN NULL ELSE r.owner END,
           updated_at = CASE WHEN r.state = 'done' AND r.fingerprint IS DISTINCT FROM excluded.fingerprint THEN excluded.updated_at ELSE r.updated_at END,
           fingerprint = excluded.fingerprint, lossy = excluded.lossy, payload = excluded.payload,
           user_source_id = excluded.user_source_id, org_source_id = excluded.org_source_id`}
         RETURNING (xmax = 0) AS inserted),
       skipped AS (
         INSERT INTO ${this.#p}records AS r (run_id, kind, source_id, state, outcome, error_message, lossy, fingerprint, payload, user_source_id, org_source_id, updated_at)
         SELECT $1, k, id, 'done', 'skipped', reason, lossy, fp, payload, u, o, $3 FROM i WHERE reason IS NOT NULL
         ${opts.keepExisting ? 'ON CONFLICT (run_id, kind, source_id) DO NOTHING' : `ON CONFLICT (run_id, kind, source_id) DO UPDATE SET
           state = 'done', outcome = 'skipped', error_code = NULL, error_message = excluded.error_message,
           fingerprint = excluded.fingerprint, lossy = excluded.lossy, payload = excluded.payload, updated_at = excluded.updated_at
         WHERE r.state IN ('planned', 'failed') OR (r.state = 'done' AND r.outcome = 'skipped')`}
         RETURNING 1)
       SELECT (SELECT COUNT(*) FROM planned WHERE inserted) AS inserted, (SELECT COUNT(*) FROM skipped) AS skipped`,
      [runId, asJson(records.map(cols)), now],
    );
    await this.#analyzeWhenGrown(records.length);
    // xmax = 0: the row version this statement inserted (an updated one carries the updating transaction).
    return { inserted: Number(result.rows[0]?.inserted ?? 0) };
  }

  /**
   * A ledger filled by one plan pass has no statistics until autovacuum gets to it (a minute or
   * more), and with none PostgreSQL plans the claim queries for a tiny table: nested loops over
   * the state index, half a second a claim at 5,000 users and growing with the run (measured). So
   * the table is analyzed each time this process has doubled what it planned (from 1,000 records on).
   */
  async #analyzeWhenGrown(added: number): Promise<void> {
    this.#planned += added;
    if (this.#planned < 1000 || this.#planned < this.#analyzedAt * 2) return;
    this.#analyzedAt = this.#planned;
    await this.#pool.query(`ANALYZE ${this.#p}records`);
  }

  /** Workers alive now: those whose session holds their advisory lock (read once per claim). */
  #liveWorkers(): string {
    return `live AS MATERIALIZED (
      SELECT l.objid::bigint AS id FROM pg_locks l
      WHERE l.locktype = 'advisory' AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
        AND l.classid = ${LOCK_NAMESPACE} AND l.objsubid = 2 AND l.granted)`;
  }

  /** A row is free when nobody owns it, or its owner is another worker that is no longer alive. */
  #ownerFree(alias: string): string {
    return `(${alias}.owner IS NULL OR (${alias}.owner <> $me AND ${alias}.owner NOT IN (SELECT id FROM live)))`;
  }

  async claim(runId: string, kind: EntityKind, opts: ClaimOptions): Promise<LedgerRecord[]> {
    const sql = `WITH ${this.#liveWorkers()}, c AS (
        SELECT run_id, kind, source_id, ${this.#orphaned('r')} AS orphaned FROM ${this.#p}records r
        WHERE run_id = $run AND kind = $kind
          AND ($ids::text[] IS NULL OR source_id = ANY($ids::text[]))
          AND state = ANY($states::text[])
          AND ${this.#ownerFree('r')}
          AND ($first::boolean IS NOT TRUE OR (attempts = 0 AND NOT ${this.#orphaned('r')}))
        ORDER BY source_id
        LIMIT $limit
        FOR UPDATE SKIP LOCKED)
      UPDATE ${this.#p}records AS t SET ${this.#takeOver()} FROM c
      WHERE t.run_id = c.run_id AND t.kind = c.kind AND t.source_id = c.source_id
      RETURNING t.*`;
    return this.#claimQuery(sql, {
      run: runId,
      kind,
      ids: opts.sourceIds ? [...opts.sourceIds] : null,
      states: opts.neverSent ? ['planned'] : withWriting(opts.states),
      limit: opts.limit ?? null,
      first: opts.neverSent === true,
    });
  }

  async claimMemberships(runId: string, opts: ClaimOptions): Promise<LedgerRecord[]> {
    const sql = `WITH ${this.#liveWorkers()}, c AS (
        SELECT m.run_id, m.kind, m.source_id, ${this.#orphaned('m')} AS orphaned FROM ${this.#p}records m
        WHERE m.run_id = $run AND m.kind = 'membership'
          AND m.state = ANY($states::text[])
          AND ${this.#ownerFree('m')}
          AND NOT EXISTS (SELECT 1 FROM ${this.#p}records u WHERE u.run_id = m.run_id AND u.kind = 'user' AND u.source_id = m.user_source_id AND u.state NOT IN ('done', 'failed'))
          AND NOT EXISTS (SELECT 1 FROM ${this.#p}records o WHERE o.run_id = m.run_id AND o.kind = 'organization' AND o.source_id = m.org_source_id AND o.state NOT IN ('done', 'failed'))
        ORDER BY m.source_id
        LIMIT $limit
        FOR UPDATE OF m SKIP LOCKED)
      UPDATE ${this.#p}records AS t SET ${this.#takeOver()} FROM c
      WHERE t.run_id = c.run_id AND t.kind = c.kind AND t.source_id = c.source_id
      RETURNING t.*`;
    return this.#claimQuery(sql, { run: runId, kind: 'membership', ids: null, states: withWriting(opts.states), limit: opts.limit ?? null });
  }

  /**
   * A planned row taken from a dead owner whose batch mark lists it may have been written: it is
   * handed out as `writing` (write-batches.ts). Only rows with a dead owner are looked at.
   */
  #orphaned(alias: string): string {
    return `(${alias}.owner IS NOT NULL AND ${alias}.state = 'planned' AND EXISTS (
      SELECT 1 FROM ${this.#p}write_batches b
      WHERE b.run_id = ${alias}.run_id AND b.kind = ${alias}.kind AND b.owner = ${alias}.owner AND b.source_ids::jsonb ? ${alias}.source_id))`;
  }

  /** The claim's update: this worker owns the row; an orphaned one becomes `writing`, as its owner's per-record mark would have left it. */
  #takeOver(): string {
    return `owner = $me, state = CASE WHEN c.orphaned THEN 'writing' ELSE t.state END,
      attempts = t.attempts + CASE WHEN c.orphaned THEN 1 ELSE 0 END, updated_at = CASE WHEN c.orphaned THEN $now ELSE t.updated_at END`;
  }

  async #claimQuery(sql: string, named: Record<string, unknown>): Promise<LedgerRecord[]> {
    const { text, values } = bindNamed(sql, { ...named, me: this.workerId, now: nowIso() });
    const r = await this.#pool.query<RecordRow>(text, values);
    return r.rows.map(rowToRecord);
  }

  async markWriting(runId: string, kind: EntityKind, sourceId: string): Promise<void> {
    await this.#pool.query(`UPDATE ${this.#p}records SET state = 'writing', attempts = attempts + 1, updated_at = $1 WHERE run_id = $2 AND kind = $3 AND source_id = $4`, [
      nowIso(),
      runId,
      kind,
      sourceId,
    ]);
  }

  async markDone(runId: string, kind: EntityKind, sourceId: string, result: { targetId?: string; outcome: Outcome }): Promise<void> {
    await this.#pool.query(
      `UPDATE ${this.#p}records SET state = 'done', outcome = $1, target_id = COALESCE($2, target_id), error_code = NULL, error_message = NULL, owner = NULL, updated_at = $3
       WHERE run_id = $4 AND kind = $5 AND source_id = $6`,
      [result.outcome, result.targetId ?? null, nowIso(), runId, kind, sourceId],
    );
  }

  /** A whole batch marked `writing` in one statement (one round trip instead of one per record). */
  async markWritingMany(runId: string, kind: EntityKind, sourceIds: readonly string[]): Promise<void> {
    if (sourceIds.length === 0) return;
    await this.#pool.query(
      `UPDATE ${this.#p}records SET state = 'writing', attempts = attempts + 1, updated_at = $1 WHERE run_id = $2 AND kind = $3 AND source_id = ANY($4::text[])`,
      [nowIso(), runId, kind, [...sourceIds]],
    );
  }

  /** A whole batch marked done in one statement: each row's outcome and target id from parallel arrays. */
  async markDoneMany(runId: string, kind: EntityKind, results: readonly { sourceId: string; targetId?: string; outcome: Outcome }[]): Promise<void> {
    if (results.length === 0) return;
    await this.#pool.query(
      `UPDATE ${this.#p}records AS r SET state = 'done', outcome = v.outcome, target_id = COALESCE(v.target_id, r.target_id), error_code = NULL, error_message = NULL, owner = NULL, updated_at = $1
       FROM unnest($4::text[], $5::text[], $6::text[]) AS v(source_id, outcome, target_id)
       WHERE r.run_id = $2 AND r.kind = $3 AND r.source_id = v.source_id`,
      [nowIso(), runId, kind, results.map((x) => x.sourceId), results.map((x) => x.outcome), results.map((x) => x.targetId ?? null)],
    );
  }

  #batchSeq = 0;

  async markBatchWriting(runId: string, kind: EntityKind, sourceIds: readonly string[]): Promise<string> {
    const id = writeBatchId(this.workerId, ++this.#batchSeq);
    await this.#pool.query(`INSERT INTO ${this.#p}write_batches (run_id, kind, id, owner, source_ids, created_at) VALUES ($1, $2, $3, $4, $5, $6)`, [
      runId,
      kind,
      id,
      this.workerId,
      JSON.stringify(sourceIds),
      nowIso(),
    ]);
    return id;
  }

  /** One statement (atomic, one round trip): the mark deleted and the records done, as markDoneMany. */
  async markBatchDone(runId: string, kind: EntityKind, batchId: string, results: readonly { sourceId: string; targetId?: string; outcome: Outcome }[]): Promise<void> {
    await this.#pool.query(
      `WITH d AS (DELETE FROM ${this.#p}write_batches WHERE run_id = $2 AND id = $7)
       UPDATE ${this.#p}records AS r SET state = 'done', outcome = v.outcome, target_id = COALESCE(v.target_id, r.target_id), error_code = NULL, error_message = NULL, owner = NULL, updated_at = $1
       FROM unnest($4::text[], $5::text[], $6::text[]) AS v(source_id, outcome, target_id)
       WHERE r.run_id = $2 AND r.kind = $3 AND r.source_id = v.source_id`,
      [nowIso(), runId, kind, results.map((x) => x.sourceId), results.map((x) => x.outcome), results.map((x) => x.targetId ?? null), batchId],
    );
  }

  async expandBatch(runId: string, kind: EntityKind, batchId: string): Promise<void> {
    await this.#expandMarks(`run_id = $2 AND kind = $3 AND id = $4`, [nowIso(), runId, kind, batchId]);
  }

  /** One statement: the marks `where` selects are deleted and their still-planned records become `writing` (attempts + 1), as markWritingMany leaves them. */
  async #expandMarks(where: string, params: unknown[]): Promise<void> {
    await this.#pool.query(
      `WITH d AS (DELETE FROM ${this.#p}write_batches WHERE ${where} RETURNING run_id, kind, source_ids)
       UPDATE ${this.#p}records AS r SET state = 'writing', attempts = r.attempts + 1, updated_at = $1
       FROM d CROSS JOIN LATERAL jsonb_array_elements_text(d.source_ids::jsonb) AS i(source_id)
       WHERE r.run_id = d.run_id AND r.kind = d.kind AND r.source_id = i.source_id AND r.state = 'planned'`,
      params,
    );
  }

  async markFailed(runId: string, kind: EntityKind, sourceId: string, error: { code: string; message: string }): Promise<void> {
    await this.#pool.query(
      `UPDATE ${this.#p}records SET state = 'failed', error_code = $1, error_message = $2, updated_at = $3 WHERE run_id = $4 AND kind = $5 AND source_id = $6`,
      [error.code, clip(error.message), nowIso(), runId, kind, sourceId],
    );
  }

  async requeueFailed(runId: string, kind: EntityKind, sourceIds: readonly string[]): Promise<number> {
    if (sourceIds.length === 0) return 0;
    const r = await this.#pool.query(
      // Free as well: the worker that quarantined it in its invocation still holds it and would never take it again.
      `UPDATE ${this.#p}records SET state = 'planned', owner = NULL, error_code = NULL, error_message = NULL, updated_at = $1
       WHERE run_id = $2 AND kind = $3 AND state = 'failed' AND source_id = ANY($4::text[])`,
      [nowIso(), runId, kind, [...sourceIds]],
    );
    return r.rowCount ?? 0;
  }

  async page(runId: string, kind: EntityKind, after: string | undefined, limit: number): Promise<LedgerRecord[]> {
    const r = await this.#pool.query<RecordRow>(
      `SELECT * FROM ${this.#p}records WHERE run_id = $1 AND kind = $2 AND source_id COLLATE "C" > $3 ORDER BY source_id COLLATE "C" LIMIT $4`,
      [runId, kind, after ?? '', limit],
    );
    return r.rows.map(rowToRecord);
  }

  async settleAbsent(runId: string, userSourceIds: readonly string[], message: string): Promise<number> {
    if (userSourceIds.length === 0) return 0;
    const settle = `SET state = 'done', outcome = 'skipped', error_code = NULL, error_message = $1, fingerprint = NULL, updated_at = $2
                    WHERE run_id = $3 AND state IN ('planned', 'failed') AND owner IS NULL`;
    const params = [clip(message), nowIso(), runId, [...userSourceIds]];
    const users = await this.#pool.query(`UPDATE ${this.#p}records ${settle} AND kind = 'user' AND source_id = ANY($4::text[])`, params);
    await this.#pool.query(`UPDATE ${this.#p}records ${settle} AND kind = 'membership' AND user_source_id = ANY($4::text[])`, params);
    return users.rowCount ?? 0;
  }

  async release(runId: string): Promise<void> {
    // A mark still open (its settling failed) must not outlive the ownership that makes it visible.
    await this.#expandMarks(`run_id = $2 AND owner = $3`, [nowIso(), runId, this.workerId]);
    await this.#pool.query(`UPDATE ${this.#p}records SET owner = NULL WHERE run_id = $1 AND owner = $2`, [runId, this.workerId]);
    if (this.#runsJoined.delete(runId)) {
      await this.#lockClient?.query('SELECT pg_advisory_unlock_shared($1, $2)', [RUN_LOCK_NAMESPACE, runLockKey(this.driver.schema, runId)]).catch(() => undefined);
    }
  }

  readonly #runsJoined = new Set<string>();

  /** Holds the run's shared lock on this worker's lock session: counted by liveWorkers, dropped by PostgreSQL if the worker dies. */
  async #joinRun(runId: string): Promise<void> {
    if (!this.#lockClient || this.#runsJoined.has(runId)) return;
    await this.#lockClient.query('SELECT pg_advisory_lock_shared($1, $2)', [RUN_LOCK_NAMESPACE, runLockKey(this.driver.schema, runId)]);
    this.#runsJoined.add(runId);
  }

  async liveWorkers(runId: string): Promise<number> {
    const r = await this.#pool.query<{ n: string }>(
      `SELECT COUNT(*) AS n FROM pg_locks
       WHERE locktype = 'advisory' AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
         AND classid = $1::int4::oid AND objid = $2::int4::oid AND objsubid = 2 AND granted`,
      [RUN_LOCK_NAMESPACE, runLockKey(this.driver.schema, runId)],
    );
    return Math.max(1, Number(r.rows[0]?.n ?? 1));
  }

  async get(runId: string, kind: EntityKind, sourceId: string): Promise<LedgerRecord | undefined> {
    const r = await this.#pool.query<RecordRow>(`SELECT * FROM ${this.#p}records WHERE run_id = $1 AND kind = $2 AND source_id = $3`, [runId, kind, sourceId]);
    return r.rows[0] ? rowToRecord(r.rows[0]) : undefined;
  }

  async getMany(runId: string, kind: EntityKind, sourceIds: readonly string[]): Promise<Map<string, LedgerRecord>> {
    const r = await this.#pool.query<RecordRow>(`SELECT * FROM ${this.#p}records WHERE run_id = $1 AND kind = $2 AND source_id = ANY($3::text[])`, [runId, kind, [...sourceIds]]);
    return new Map(r.rows.map((row) => [row.source_id, rowToRecord(row)]));
  }

  async tally(runId: string): Promise<Tally> {
    const r = await this.#pool.query<TallyRow>(
      `SELECT kind, state, outcome, COUNT(*) AS n, SUM(CASE WHEN lossy <> '[]' AND outcome IS DISTINCT FROM 'skipped' THEN 1 ELSE 0 END) AS lossy FROM ${this.#p}records WHERE run_id = $1 GROUP BY kind, state, outcome`,
      [runId],
    );
    return rowsToTally(r.rows);
  }

  async failures(runId: string, limit: number): Promise<LedgerRecord[]> {
    const r = await this.#pool.query<RecordRow>(`SELECT * FROM ${this.#p}records WHERE run_id = $1 AND state = 'failed' ORDER BY updated_at, kind, source_id LIMIT $2`, [runId, limit]);
    return r.rows.map(rowToRecord);
  }

  async *idMap(runId?: string): AsyncIterable<IdMapRow> {
    // Keyset pages: constant memory however large the map.
    let after: [string, string, string] = ['', '~', ''];
    for (;;) {
      const r = await this.#pool.query<{ run_id: string; target: string; kind: 'user' | 'organization'; source_id: string; target_id: string; outcome: Outcome | null }>(
        `SELECT r.run_id, runs.target, r.kind, r.source_id, r.target_id, r.outcome FROM ${this.#p}records r JOIN ${this.#p}runs runs ON runs.id = r.run_id
         WHERE r.kind IN ('user', 'organization') AND r.state = 'done' AND r.target_id IS NOT NULL AND ($1::text IS NULL OR r.run_id = $1)
           AND (r.run_id > $2 OR (r.run_id = $2 AND (r.kind < $3 OR (r.kind = $3 AND r.source_id > $4))))
         ORDER BY r.run_id, r.kind DESC, r.source_id LIMIT 1000`,
        [runId ?? null, after[0], after[1], after[2]],
      );
      for (const row of r.rows) {
        yield { runId: row.run_id, target: row.target, kind: row.kind, sourceId: row.source_id, targetId: row.target_id, ...(row.outcome ? { outcome: row.outcome } : {}) };
      }
      const last = r.rows[r.rows.length - 1];
      if (!last || r.rows.length < 1000) return;
      after = [last.run_id, last.kind, last.source_id];
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
    const c = this.#lockClient;
    this.#lockClient = undefined;
    if (c) {
      await c.query('SELECT pg_advisory_unlock($1, $2)', [LOCK_NAMESPACE, this.workerId]).catch(() => undefined);
      (c as pg.PoolClient).release?.();
    }
    if (this.#ownsDriver) await this.driver.close();
  }
}

/** The states a claim takes: the asked ones and `writing` (left by a dead worker), as one list the state index can match. */
function withWriting(states: readonly string[]): string[] {
  return [...new Set([...states, 'writing'])];
}

/** `$name` placeholders → `$1..$n` (each distinct name bound once). */
function bindNamed(sql: string, named: Record<string, unknown>): { text: string; values: unknown[] } {
  const order: string[] = [];
  const text = sql.replace(/\$([a-z]+)/g, (_, name: string) => {
    if (!(name in named)) throw new Error(`unbound SQL parameter $${name}`);
    let i = order.indexOf(name);
    if (i < 0) i = order.push(name) - 1;
    return `$${i + 1}`;
  });
  return { text, values: order.map((n) => named[n]) };
}
