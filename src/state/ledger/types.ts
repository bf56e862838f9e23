import type { LossyNote } from '../../model/user.js';
import type { SqlDriver } from '../driver.js';

/**
 * The ledger: one row per record a run moves, the write-ahead log of every target write.
 *
 *   planned ──claim──▶ (planned, owned) ──markWriting──▶ writing ──ack──▶ done
 *                                                          │ └──reject──▶ failed (quarantine)
 *                                                          └──crash──▶ writing, owner dead:
 *                                                               resolved by a lookup in the target
 *
 * `writing` is committed BEFORE a request is sent and `done` only AFTER the target acknowledged
 * it, so after a crash every record is either untouched (`planned`), settled (`done`/`failed`),
 * or possibly applied (`writing`), and only the last needs a lookup in the target.
 *
 * The same schema lives in SQLite (one migrate process per file) and PostgreSQL (several workers
 * share a run and claim rows with `FOR UPDATE SKIP LOCKED`). The id map is the `records` table:
 * `target_id` of done users and organizations. Nothing secret is ever stored here: no hashes,
 * no TOTP secrets, no passwords; error messages come from FlaglessError messages, which never
 * carry secrets.
 */
export type EntityKind = 'user' | 'organization' | 'membership';
export const ENTITY_KINDS: readonly EntityKind[] = ['organization', 'user', 'membership'];

export type RecordState = 'planned' | 'writing' | 'done' | 'failed';
export const RECORD_STATES: readonly RecordState[] = ['planned', 'writing', 'done', 'failed'];

/** How a done record got there. `recovered`: a write found applied in the target after a crash or a lost reply. */
export type Outcome = 'created' | 'linked' | 'updated' | 'skipped' | 'recovered';
export const OUTCOMES: readonly Outcome[] = ['created', 'linked', 'updated', 'skipped', 'recovered'];

export interface RunInfo {
  /** Stable for one (source, target) pair, so re-runs and parallel workers share it. */
  id: string;
  /** Where the source came from (vendor, file, size, mtime): for humans, not for identity. */
  sourceFingerprint: string;
  /** Target name and instance (url, db, realm). */
  target: string;
  /** The options of the last invocation (no secrets). */
  options: Record<string, unknown>;
  startedAt: string;
  finishedAt?: string;
}

/** What planning writes for one record. Inserting is idempotent; a changed fingerprint re-plans a done record. */
/** What a plan write did (StateStore.plan). */
export interface PlanWrite {
  /** Records to do (no skip reason) whose row this write inserted (the others were there already). */
  inserted: number;
}

export interface PlanWriteOptions {
  /**
   * Rows already there are left as they are: migrate's one pass, where a row already there came
   * from an earlier batch of the same export (a record it holds twice) and may be in flight; the
   * first occurrence wins, as within one batch.
   */
  keepExisting?: boolean;
}

export interface PlannedRecord {
  kind: EntityKind;
  sourceId: string;
  /** Digest of what would be written (see fingerprint.ts): a change makes a done record an update. */
  fingerprint: string;
  lossy: LossyNote[];
  /**
   * Non-secret data the engine needs without reading the source again: an organization's fields,
   * a membership's roles. Users carry none (their data, hashes included, stays in the export).
   */
  payload?: unknown;
  /** Memberships: the user and the organization (source ids). */
  userSourceId?: string;
  orgSourceId?: string;
  /** The plan skips this record (a reason is kept in `errorMessage`); it is recorded done/skipped. */
  skipReason?: string;
}

export interface LedgerRecord {
  runId: string;
  kind: EntityKind;
  sourceId: string;
  state: RecordState;
  outcome?: Outcome;
  targetId?: string;
  attempts: number;
  errorCode?: string;
  errorMessage?: string;
  lossy: LossyNote[];
  fingerprint?: string;
  payload?: unknown;
  userSourceId?: string;
  orgSourceId?: string;
  /** The worker that claimed the row (null when free). */
  owner?: number;
  updatedAt: string;
}

export type KindTally = Record<RecordState, number> & Record<Outcome, number> & { lossy: number; total: number };
export type Tally = Record<EntityKind, KindTally>;

export function emptyKindTally(): KindTally {
  return {
    planned: 0, writing: 0, done: 0, failed: 0,
    created: 0, linked: 0, updated: 0, skipped: 0, recovered: 0,
    lossy: 0, total: 0,
  };
}

export function emptyTally(): Tally {
  return { user: emptyKindTally(), organization: emptyKindTally(), membership: emptyKindTally() };
}

export interface IdMapRow {
  runId: string;
  target: string;
  kind: 'user' | 'organization';
  sourceId: string;
  targetId: string;
  outcome?: Outcome;
}

/** Users the ledger holds as moved into the target (done, not skipped), any run: what the gateway reads. */
export interface MovedUsers {
  /** Distinct users moved. */
  count: number;
  /** Moved users per hour of their last update (`YYYY-MM-DDTHH`). */
  series: { bucket: string; count: number }[];
  /** Distinct users moved together with the source ids the caller's `alsoMoved` subquery yields. */
  withAlso: number;
  /** Distinct users any run planned. */
  planned: number;
}

export interface ClaimOptions {
  /** Which settled states to take (planned for a normal run, failed for --retry-failed). `writing` left by a dead worker is always taken. */
  states: readonly RecordState[];
  /** Only these source ids (a streamed batch), or any matching row. */
  sourceIds?: readonly string[];
  /**
   * Only records no request was ever sent for: `planned`, no attempt, in no batch mark of a dead
   * worker (what a bulk create may write without a lookup first). `writing` rows are not taken either.
   */
  neverSent?: boolean;
  limit?: number;
}

export interface StateStore {
  readonly kind: 'sqlite' | 'postgres';
  /** The path, or the URL without its password, for messages. */
  readonly location: string;
  /** This process's worker id: the `owner` of the rows it claims. */
  readonly workerId: number;
  /**
   * One process at a time works on this ledger (acquireWorker refuses a second live one): while it
   * holds it, nothing but that process changes the records (SQLite). Absent: shared by workers.
   */
  readonly exclusive?: boolean;
  /** The connection the store stands on (shared with the gateway's flags when they open it together). */
  readonly driver: SqlDriver;

  /**
   * Registers this process as a worker that may claim rows. SQLite: one migrate process per file
   * (a lock row; a second live process gets E_STATE). PostgreSQL: a session advisory lock, so other
   * workers can tell a live owner from a dead one.
   */
  acquireWorker(): Promise<void>;
  /** Starts or joins a run; on PostgreSQL this worker also counts among the run's live workers until release(). */
  beginRun(run: RunInfo): Promise<RunInfo>;
  /**
   * Optional: how many workers are working on this run now, this one included (PostgreSQL: those
   * holding the run's shared advisory lock, which PostgreSQL drops when a worker's connection dies).
   * The engine divides the target's rate limit among them. A single-process store has no such method.
   */
  liveWorkers?(runId: string): Promise<number>;
  finishRun(runId: string): Promise<void>;
  getRun(runId: string): Promise<RunInfo | undefined>;

  /**
   * Upserts planned records in one transaction. Answers how many of the records to do (those
   * without a skip reason) had no row before: all of them, on a fresh run, unless the export holds a
   * record twice (migrate's one-pass apply takes such rows without a claim only then).
   */
  plan(runId: string, records: readonly PlannedRecord[], opts?: PlanWriteOptions): Promise<PlanWrite>;
  /**
   * Takes rows for this worker: rows in `states`, plus `writing` rows whose owner is dead.
   * Never returns a row another live worker (or this one) holds.
   */
  claim(runId: string, kind: EntityKind, opts: ClaimOptions): Promise<LedgerRecord[]>;
  /** Like claim, for memberships whose user and organization are settled (done or failed, or absent). */
  claimMemberships(runId: string, opts: ClaimOptions): Promise<LedgerRecord[]>;
  /** Write-ahead: committed before the request is sent. */
  markWriting(runId: string, kind: EntityKind, sourceId: string): Promise<void>;
  /**
   * Committed after the target acknowledged. The row stays owned by this worker until release(),
   * so a worker never takes back a record it settled in the same invocation (a failure is retried
   * only by a later --retry-failed).
   */
  markDone(runId: string, kind: EntityKind, sourceId: string, result: { targetId?: string; outcome: Outcome }): Promise<void>;
  /** Optional: markWriting for several records in one transaction (a bulk create's batch). */
  markWritingMany?(runId: string, kind: EntityKind, sourceIds: readonly string[]): Promise<void>;
  /** Optional: markDone for several records in one transaction (a bulk create's batch). */
  markDoneMany?(runId: string, kind: EntityKind, results: readonly { sourceId: string; targetId?: string; outcome: Outcome }[]): Promise<void>;
  /**
   * Optional: the write-ahead mark of a whole batch of claimed, planned records: one row committed
   * before the batch is sent (write-batches.ts), where markWritingMany updates every record.
   * Returns the mark's id, for markBatchDone or expandBatch.
   */
  markBatchWriting?(runId: string, kind: EntityKind, sourceIds: readonly string[]): Promise<string>;
  /** Optional: after the target acknowledged a marked batch: its records done (as markDoneMany) and the mark removed, in one transaction. */
  markBatchDone?(runId: string, kind: EntityKind, batchId: string, results: readonly { sourceId: string; targetId?: string; outcome: Outcome }[]): Promise<void>;
  /** Optional: a marked batch failed: its still-planned records marked `writing` (as markWritingMany) and the mark removed, in one transaction. */
  expandBatch?(runId: string, kind: EntityKind, batchId: string): Promise<void>;
  /** Quarantine (owned until release(), like markDone). */
  markFailed(runId: string, kind: EntityKind, sourceId: string, error: { code: string; message: string }): Promise<void>;
  /**
   * Puts quarantined records back to `planned` (their error cleared), so the next claim takes
   * them: the accounts of a duplicate group decided since they were quarantined. Other states are
   * left alone. Returns how many records changed.
   */
  requeueFailed(runId: string, kind: EntityKind, sourceIds: readonly string[]): Promise<number>;
  /** A page of a run's records of one kind, in source-id order after `after` (keyset paging). */
  page(runId: string, kind: EntityKind, after: string | undefined, limit: number): Promise<LedgerRecord[]>;
  /**
   * Users absent from the export being planned: those still `planned` or `failed` (never moved)
   * are settled done/skipped with `message`, their fingerprint cleared so that the user is planned
   * again if a later export brings it back; their memberships likewise. Nothing is deleted
   * anywhere. Returns how many users changed.
   */
  settleAbsent(runId: string, userSourceIds: readonly string[], message: string): Promise<number>;
  /**
   * Gives back every row this worker holds (end of an invocation, shutdown). States are left as they
   * are, except that the records of a batch mark still open (a batch whose settling failed) become
   * `writing` first, as expandBatch does.
   */
  release(runId: string): Promise<void>;

  get(runId: string, kind: EntityKind, sourceId: string): Promise<LedgerRecord | undefined>;
  getMany(runId: string, kind: EntityKind, sourceIds: readonly string[]): Promise<Map<string, LedgerRecord>>;
  tally(runId: string): Promise<Tally>;
  /** Quarantined records, oldest first. */
  failures(runId: string, limit: number): Promise<LedgerRecord[]>;
  /** Source id → target id of settled users and organizations (all runs, or one). */
  idMap(runId?: string): AsyncIterable<IdMapRow>;
  /** The target id of a user some run moved (done, not skipped; the newest); undefined when none, or when no migrate ever ran here. */
  movedUserTargetId(sourceId: string): Promise<string | undefined>;
  /**
   * Users moved by any run; undefined when no migrate ever ran here. `alsoMoved`: a subquery on the
   * same database (`SELECT source_id FROM ...`) whose ids are counted with them in `withAlso`.
   */
  /** Why users are not on the target yet, leaving out those `alsoMoved` selects (the dashboard's breakdown); undefined without ledger tables. */
  legacyReasons(alsoMoved?: string): Promise<LegacyReasons | undefined>;
  movedUsers(alsoMoved?: string): Promise<MovedUsers | undefined>;
  /** Closes the driver too, unless the store was attached to a driver someone else owns. */
  close(): Promise<void>;
}

/** Users the ledger knows that are not on the target, by why (moved-users.ts). */
export interface LegacyReasons {
  disabled: number;
  noEmail: number;
  quarantined: number;
  undecidedDuplicate: number;
  noUsableHash: number;
}
