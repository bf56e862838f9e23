import { FlaglessError } from '../../protocol/errors.js';
import type { InboundEvent } from '../../protocol/sync.js';
import type { SqlDriver, Statement } from '../driver.js';
import { SYNC_ADDED_COLUMNS, syncColumnMigrationsPostgres, syncSchema } from './schema.js';
import { readSyncStats, type SyncStats } from './stats.js';
import { guardState, stateError } from '../guard.js';

export type { SyncStats } from './stats.js';

/**
 * The sync inbox and per-user watermarks over either driver (statements run unchanged on SQLite
 * and PostgreSQL). Attached to the driver the gateway's flags and the ledger stand on; the caller
 * owns the driver. See schema.ts for the states.
 */
export type InboxState = 'pending' | 'applied' | 'stale' | 'ignored' | 'quarantined';

export interface InboxRow extends InboundEvent {
  vendor: string;
  state: InboxState;
  attempts: number;
  applications: number;
  receivedAtMs: number;
  nextAtMs: number;
  appliedAtMs?: number;
  lastError?: string;
}

export interface SyncUserState {
  /** The source's `updated_at` (epoch ms) of the newest state applied. */
  watermarkMs?: number;
  status: 'present' | 'deleted' | 'disabled';
  targetId?: string;
  /** The state applied, as JSON without any secret (written with the state; not read back by userState). */
  snapshot?: string;
  /**
   * The newest password timestamp the source reported for the user (epoch ms; Clerk
   * `password_last_updated_at`). Written only upwards: a state without one keeps the one known.
   */
  passwordChangedAtMs?: number;
}

export interface SyncOrgState {
  /** The source's `updated_at` (epoch ms) of the newest state applied (or the event's time where the vendor sends none). */
  watermarkMs?: number;
  status: 'present' | 'deleted';
  targetId?: string;
}

interface InboxDb {
  event_id: string;
  vendor: string;
  type: string;
  subject: string;
  occurred_at_ms: number | string;
  received_at_ms: number | string;
  body: string;
  state: InboxState;
  attempts: number | string;
  applications: number | string;
  next_at_ms: number | string;
  applied_at_ms: number | string | null;
  last_error: string | null;
}

function toRow(r: InboxDb): InboxRow {
  return {
    id: r.event_id,
    vendor: r.vendor,
    type: r.type,
    subject: r.subject,
    occurredAtMs: Number(r.occurred_at_ms),
    receivedAtMs: Number(r.received_at_ms),
    body: r.body,
    state: r.state,
    attempts: Number(r.attempts),
    applications: Number(r.applications),
    nextAtMs: Number(r.next_at_ms),
    ...(r.applied_at_ms !== null ? { appliedAtMs: Number(r.applied_at_ms) } : {}),
    ...(r.last_error !== null ? { lastError: r.last_error } : {}),
  };
}

const COLS = 'event_id, vendor, type, subject, occurred_at_ms, received_at_ms, body, state, attempts, applications, next_at_ms, applied_at_ms, last_error';

function clip(s: string): string {
  return s.length > 500 ? `${s.slice(0, 497)}...` : s;
}

/**
 * A state made by an older flagless: sync's tables gain the columns added since (SQLite has no
 * ADD COLUMN IF NOT EXISTS; another process adding the same column first is fine).
 */
async function addMissingSqliteColumns(driver: SqlDriver): Promise<void> {
  const has = async (table: string, column: string) =>
    (await driver.query<{ name: string }>(`PRAGMA table_info(${table})`)).some((c) => c.name === column);
  for (const c of SYNC_ADDED_COLUMNS) {
    if (await has(c.table, c.column)) continue;
    try {
      await driver.run(`ALTER TABLE ${c.table} ADD COLUMN ${c.column} ${c.type}`);
    } catch (e) {
      if (!(await has(c.table, c.column))) throw e;
    }
  }
}

export class SyncStore {
  readonly #d: SqlDriver;
  readonly #p: string;

  private constructor(driver: SqlDriver) {
    this.#d = driver;
    this.#p = driver.prefix;
  }

  /** Creates sync's tables when missing, on a driver someone else owns (closing the store leaves it open). */
  static async attach(driver: SqlDriver): Promise<SyncStore> {
    try {
      const ddl = syncSchema(driver.prefix);
      const d = driver as SqlDriver & { exec?(sql: string): void; migrate?(lock: Statement, ddl: readonly string[]): Promise<void> };
      if (driver.kind === 'postgres') {
        const all = [...ddl, ...syncColumnMigrationsPostgres(driver.prefix)];
        if (d.migrate) await d.migrate({ sql: `SELECT pg_advisory_xact_lock(hashtext('flagless-sync-ddl'))` }, all);
        else for (const s of all) await driver.run(s);
      } else {
        if (d.exec) d.exec(ddl.join(';\n'));
        else for (const s of ddl) await driver.run(s);
        await addMissingSqliteColumns(driver);
      }
    } catch (e) {
      throw new FlaglessError('E_STATE', `the state at ${driver.location} cannot hold sync's tables: ${(e as Error).message}`, { cause: e });
    }
    return new SyncStore(driver);
  }

  /** Reads only (no DDL): for a read-only state (`ids export`); reads of a state without sync's tables find nothing. */
  static reader(driver: SqlDriver): SyncStore {
    return new SyncStore(driver);
  }

  get driver(): SqlDriver {
    return this.#d;
  }

  #guard<T>(what: string, fn: () => Promise<T>): Promise<T> {
    return guardState(`the sync state (${this.#d.location})`, what, fn);
  }

  #bump(name: string, n: number): Statement {
    return {
      sql: `INSERT INTO ${this.#p}sync_counters AS c (name, n) VALUES ($1, $2) ON CONFLICT (name) DO UPDATE SET n = c.n + excluded.n`,
      params: [name, n],
    };
  }

  /**
   * Commits a verified delivery's events in one transaction; an event already in the inbox is left
   * as it is (a vendor retry). Resolves only once committed: then, and only then, the vendor may be
   * answered 2xx.
   */
  enqueue(vendor: string, events: readonly InboundEvent[], nowMs = Date.now()): Promise<{ inserted: number; duplicates: number }> {
    return this.#guard('storing events', async () => {
      if (events.length === 0) return { inserted: 0, duplicates: 0 };
      const changed = await this.#d.batch([
        ...events.map((e) => ({
          sql: `INSERT INTO ${this.#p}sync_inbox (event_id, vendor, type, subject, occurred_at_ms, received_at_ms, body, state, attempts, applications, next_at_ms)
                VALUES ($1, $2, $3, $4, $5, $6, $7, 'pending', 0, 0, $6) ON CONFLICT (event_id) DO NOTHING`,
          params: [`${vendor}:${e.id}`, vendor, e.type, e.subject, Math.trunc(e.occurredAtMs), nowMs, e.body],
        })),
        this.#bump('received', events.length),
      ]);
      const inserted = changed.slice(0, events.length).reduce((a, b) => a + b, 0);
      const duplicates = events.length - inserted;
      if (duplicates > 0) await this.#d.batch([this.#bump('duplicate', duplicates)]);
      return { inserted, duplicates };
    });
  }

  /** Pending events due now, oldest change first (source time), at most `limit`. */
  due(limit: number, nowMs = Date.now()): Promise<InboxRow[]> {
    return this.#guard('reading the inbox', async () => {
      const rows = await this.#d.query<InboxDb>(
        `SELECT ${COLS} FROM ${this.#p}sync_inbox WHERE state = 'pending' AND next_at_ms <= $1 ORDER BY occurred_at_ms, event_id LIMIT $2`,
        [nowMs, limit],
      );
      return rows.map(toRow);
    });
  }

  /** Whether the subject has an older event still pending (waiting for a retry): later ones wait too, to keep per-user order. */
  async olderPending(subject: string, before: { occurredAtMs: number; eventId: string }): Promise<boolean> {
    return this.#guard('reading the inbox', async () => {
      const rows = await this.#d.query<{ n: number | string }>(
        `SELECT COUNT(*) AS n FROM ${this.#p}sync_inbox WHERE subject = $1 AND state = 'pending'
           AND (occurred_at_ms < $2 OR (occurred_at_ms = $2 AND event_id < $3))`,
        [subject, before.occurredAtMs, before.eventId],
      );
      return Number(rows[0]?.n ?? 0) > 0;
    });
  }

  get(eventId: string): Promise<InboxRow | undefined> {
    return this.#guard('reading an event', async () => {
      const rows = await this.#d.query<InboxDb>(`SELECT ${COLS} FROM ${this.#p}sync_inbox WHERE event_id = $1`, [eventId]);
      return rows[0] ? toRow(rows[0]) : undefined;
    });
  }

  /** Every event, oldest first (tests, reports). */
  all(): Promise<InboxRow[]> {
    return this.#guard('reading the inbox', async () => (await this.#d.query<InboxDb>(`SELECT ${COLS} FROM ${this.#p}sync_inbox ORDER BY received_at_ms, event_id`)).map(toRow));
  }

  /**
   * Settles a pending event with the user's new sync state, in one transaction (so a crash leaves
   * both or neither). `outOfOrder` counts an event older than the state applied.
   */
  settle(
    row: Pick<InboxRow, 'id' | 'vendor'>,
    state: 'applied' | 'stale' | 'ignored',
    opts: { user?: { sourceId: string; state: SyncUserState }; organization?: { sourceId: string; state: SyncOrgState }; outOfOrder?: boolean; nowMs?: number } = {},
  ): Promise<boolean> {
    return this.#guard('settling an event', async () => {
      const now = opts.nowMs ?? Date.now();
      const statements: Statement[] = [
        {
          // The vendor's JSON (names, addresses, metadata) is not kept once the event is settled.
          sql: `UPDATE ${this.#p}sync_inbox SET state = $2, applied_at_ms = $3, applications = applications + 1, last_error = NULL, body = '' WHERE event_id = $1 AND state = 'pending'`,
          params: [row.id, state, now],
        },
      ];
      if (opts.user) statements.push(this.#userStatement(row.vendor, opts.user.sourceId, opts.user.state, now));
      if (opts.organization) statements.push(this.#orgStatement(row.vendor, opts.organization.sourceId, opts.organization.state, now));
      if (opts.outOfOrder) statements.push(this.#bump('out_of_order', 1));
      const [changed] = await this.#d.batch(statements);
      return changed === 1;
    });
  }

  /** A failed attempt: tried again at `nextAtMs`. */
  retryLater(eventId: string, error: string, nextAtMs: number): Promise<void> {
    return this.#guard('recording a failure', async () => {
      await this.#d.batch([
        {
          sql: `UPDATE ${this.#p}sync_inbox SET attempts = attempts + 1, last_error = $2, next_at_ms = $3 WHERE event_id = $1 AND state = 'pending'`,
          params: [eventId, clip(error), Math.trunc(nextAtMs)],
        },
        this.#bump('failed', 1),
      ]);
    });
  }

  /** Gives up on an event after the bound; the reason stays with it. */
  quarantine(eventId: string, reason: string): Promise<void> {
    return this.#guard('quarantining an event', async () => {
      await this.#d.batch([
        {
          sql: `UPDATE ${this.#p}sync_inbox SET state = 'quarantined', attempts = attempts + 1, last_error = $2 WHERE event_id = $1 AND state = 'pending'`,
          params: [eventId, clip(reason)],
        },
        this.#bump('failed', 1),
      ]);
    });
  }

  /** Quarantined events, oldest first, with their reasons. */
  quarantined(limit = 100): Promise<InboxRow[]> {
    return this.#guard('reading quarantined events', async () =>
      (await this.#d.query<InboxDb>(`SELECT ${COLS} FROM ${this.#p}sync_inbox WHERE state = 'quarantined' ORDER BY received_at_ms LIMIT $1`, [limit])).map(toRow),
    );
  }

  userState(vendor: string, sourceId: string): Promise<SyncUserState | undefined> {
    return this.#guard('reading a user watermark', async () => {
      const rows = await this.#d.query<{ watermark_ms: number | string | null; status: SyncUserState['status']; target_id: string | null; password_changed_at_ms: number | string | null }>(
        `SELECT watermark_ms, status, target_id, password_changed_at_ms FROM ${this.#p}sync_users WHERE vendor = $1 AND source_id = $2`,
        [vendor, sourceId],
      );
      const r = rows[0];
      if (!r) return undefined;
      return {
        status: r.status,
        ...(r.watermark_ms !== null ? { watermarkMs: Number(r.watermark_ms) } : {}),
        ...(r.target_id !== null ? { targetId: r.target_id } : {}),
        ...(r.password_changed_at_ms !== null ? { passwordChangedAtMs: Number(r.password_changed_at_ms) } : {}),
      };
    });
  }

  saveUserState(vendor: string, sourceId: string, state: SyncUserState): Promise<void> {
    return this.#guard('saving a user watermark', async () => {
      await this.#d.batch([this.#userStatement(vendor, sourceId, state, Date.now())]);
    });
  }

  /**
   * What sync knows of these users (any vendor), for `migrate`: deleted (or disabled) at the
   * source since, or the newest state applied (`snapshot`, JSON without secrets).
   */
  snapshots(sourceIds: readonly string[]): Promise<Map<string, { status: SyncUserState['status']; snapshot?: string; watermarkMs?: number }>> {
    return this.#guard('reading sync snapshots', async () => {
      const out = new Map<string, { status: SyncUserState['status']; snapshot?: string; watermarkMs?: number }>();
      for (let i = 0; i < sourceIds.length; i += 500) {
        const ids = sourceIds.slice(i, i + 500);
        const rows = await this.#d.query<{ source_id: string; status: SyncUserState['status']; snapshot: string | null; watermark_ms: number | string | null }>(
          `SELECT source_id, status, snapshot, watermark_ms FROM ${this.#p}sync_users WHERE source_id IN (${ids.map((_, k) => `$${k + 1}`).join(', ')})`,
          ids,
        );
        for (const r of rows) {
          out.set(r.source_id, { status: r.status, ...(r.snapshot !== null ? { snapshot: r.snapshot } : {}), ...(r.watermark_ms !== null ? { watermarkMs: Number(r.watermark_ms) } : {}) });
        }
      }
      return out;
    });
  }

  /** Which of these organizations (any vendor) sync saw deleted at the source, for `migrate`; none when sync never ran here. */
  deletedOrganizations(sourceIds: readonly string[]): Promise<Set<string>> {
    return this.#guard('reading sync organizations', async () => {
      const out = new Set<string>();
      for (let i = 0; i < sourceIds.length; i += 500) {
        const ids = sourceIds.slice(i, i + 500);
        const rows = await this.#d.query<{ source_id: string }>(
          `SELECT source_id FROM ${this.#p}sync_orgs WHERE status = 'deleted' AND source_id IN (${ids.map((_, k) => `$${k + 1}`).join(', ')})`,
          ids,
        );
        for (const r of rows) out.add(r.source_id);
      }
      return out;
    });
  }

  /** The sync's id map: source id → target id and status (deleted users say so). */
  async *idMap(vendor?: string): AsyncIterable<{ vendor: string; sourceId: string; targetId?: string; status: SyncUserState['status'] }> {
    const rows = await this.#guard('reading the sync id map', async () => {
      try {
        return await this.#d.query<{ vendor: string; source_id: string; target_id: string | null; status: SyncUserState['status'] }>(
          `SELECT vendor, source_id, target_id, status FROM ${this.#p}sync_users ${vendor ? 'WHERE vendor = $1' : ''} ORDER BY vendor, source_id`,
          vendor ? [vendor] : [],
        );
      } catch (e) {
        if (this.#d.isMissingTable(e)) return [];
        throw e;
      }
    });
    for (const r of rows) yield { vendor: r.vendor, sourceId: r.source_id, status: r.status, ...(r.target_id !== null ? { targetId: r.target_id } : {}) };
  }

  orgState(vendor: string, sourceId: string): Promise<SyncOrgState | undefined> {
    return this.#guard('reading an organization watermark', async () => {
      const rows = await this.#d.query<{ watermark_ms: number | string | null; status: SyncOrgState['status']; target_id: string | null }>(
        `SELECT watermark_ms, status, target_id FROM ${this.#p}sync_orgs WHERE vendor = $1 AND source_id = $2`,
        [vendor, sourceId],
      );
      const r = rows[0];
      if (!r) return undefined;
      return { status: r.status, ...(r.watermark_ms !== null ? { watermarkMs: Number(r.watermark_ms) } : {}), ...(r.target_id !== null ? { targetId: r.target_id } : {}) };
    });
  }

  /** Organizations sync applied for the vendor, with their status (deleted ones say so). */
  async *orgIdMap(vendor: string): AsyncIterable<{ sourceId: string; targetId?: string; status: SyncOrgState['status'] }> {
    const rows = await this.#guard('reading the sync organizations', async () => {
      try {
        return await this.#d.query<{ source_id: string; target_id: string | null; status: SyncOrgState['status'] }>(
          `SELECT source_id, target_id, status FROM ${this.#p}sync_orgs WHERE vendor = $1 ORDER BY source_id`,
          [vendor],
        );
      } catch (e) {
        if (this.#d.isMissingTable(e)) return [];
        throw e;
      }
    });
    for (const r of rows) yield { sourceId: r.source_id, status: r.status, ...(r.target_id !== null ? { targetId: r.target_id } : {}) };
  }

  /** Organizations sync applied, every vendor, with their status (deleted ones say so), for `ids export`; none when sync never ran here. */
  async *organizationIdMap(): AsyncIterable<{ vendor: string; sourceId: string; targetId?: string; status: SyncOrgState['status'] }> {
    const rows = await this.#guard('reading the sync organizations', async () => {
      try {
        return await this.#d.query<{ vendor: string; source_id: string; target_id: string | null; status: SyncOrgState['status'] }>(
          `SELECT vendor, source_id, target_id, status FROM ${this.#p}sync_orgs ORDER BY vendor, source_id`,
        );
      } catch (e) {
        if (this.#d.isMissingTable(e)) return [];
        throw e;
      }
    });
    for (const r of rows) yield { vendor: r.vendor, sourceId: r.source_id, status: r.status, ...(r.target_id !== null ? { targetId: r.target_id } : {}) };
  }

  #orgStatement(vendor: string, sourceId: string, s: SyncOrgState, now: number): Statement {
    return {
      sql: `INSERT INTO ${this.#p}sync_orgs AS o (vendor, source_id, watermark_ms, status, target_id, updated_at_ms) VALUES ($1, $2, $3, $4, $5, $6)
            ON CONFLICT (vendor, source_id) DO UPDATE SET watermark_ms = excluded.watermark_ms, status = excluded.status,
              target_id = COALESCE(excluded.target_id, o.target_id), updated_at_ms = excluded.updated_at_ms`,
      params: [vendor, sourceId, s.watermarkMs ?? null, s.status, s.targetId ?? null, now],
    };
  }

  #userStatement(vendor: string, sourceId: string, s: SyncUserState, now: number): Statement {
    return {
      // The password timestamp only goes up (CASE, not GREATEST: SQLite has none).
      sql: `INSERT INTO ${this.#p}sync_users AS u (vendor, source_id, watermark_ms, status, target_id, snapshot, password_changed_at_ms, updated_at_ms) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
            ON CONFLICT (vendor, source_id) DO UPDATE SET watermark_ms = excluded.watermark_ms, status = excluded.status,
              target_id = COALESCE(excluded.target_id, u.target_id), snapshot = COALESCE(excluded.snapshot, u.snapshot),
              password_changed_at_ms = CASE WHEN u.password_changed_at_ms IS NULL OR excluded.password_changed_at_ms > u.password_changed_at_ms
                THEN COALESCE(excluded.password_changed_at_ms, u.password_changed_at_ms) ELSE u.password_changed_at_ms END,
              updated_at_ms = excluded.updated_at_ms`,
      params: [vendor, sourceId, s.watermarkMs ?? null, s.status, s.targetId ?? null, s.snapshot ?? null, s.passwordChangedAtMs ?? null, now],
    };
  }

  /** Sync's numbers (a state where sync never ran has none: all zero). */
  stats(): Promise<SyncStats> {
    return this.#guard('reading sync statistics', async () => {
      try {
        return await readSyncStats(this.#d);
      } catch (e) {
        if (!this.#d.isMissingTable(e)) throw e;
        return { received: 0, applied: 0, duplicate: 0, outOfOrder: 0, failed: 0, quarantined: 0, pending: 0, perVendorLastEventAt: {} };
      }
    });
  }

  /**
   * The gateway's flag for a user whose password changed at the source: back to legacy, so the
   * next login verifies at the legacy provider and moves the new password. The identifiers are
   * remembered so the login resolves to this row (not to the ledger's bulk shortcut). A claim in
   * flight is left alone (its login verified at legacy just now).
   */
  flagLegacy(sourceId: string, identifiers: readonly string[], reason: string): Promise<void> {
    return this.#guard('setting a gateway flag back to legacy', async () => {
      const iso = new Date().toISOString();
      await this.#d.batch([
        {
          sql: `INSERT INTO ${this.#p}gateway_users AS g (source_id, state, attempts, last_error, updated_at) VALUES ($1, 'legacy', 0, $2, $3)
                ON CONFLICT (source_id) DO UPDATE SET state = 'legacy', route = NULL, owner = NULL, claim_expires_ms = NULL, migrated_at = NULL,
                  last_error = excluded.last_error, updated_at = excluded.updated_at
                WHERE g.state <> 'claimed' OR g.claim_expires_ms < $4`,
          params: [sourceId, clip(reason), iso, Date.now()],
        },
        ...this.#identifierStatements(identifiers, sourceId, iso),
      ]);
    });
  }

  /** Remembers a user's (new) identifiers for the gateway's routing. */
  remember(sourceId: string, identifiers: readonly string[]): Promise<void> {
    return this.#guard('remembering identifiers', async () => {
      if (identifiers.length > 0) await this.#d.batch(this.#identifierStatements(identifiers, sourceId, new Date().toISOString()));
    });
  }

  #identifierStatements(identifiers: readonly string[], sourceId: string, iso: string): Statement[] {
    return [...new Set(identifiers)].map((identifier) => ({
      sql: `INSERT INTO ${this.#p}gateway_identifiers (identifier, source_id, native_target_id, updated_at) VALUES ($1, $2, NULL, $3)
            ON CONFLICT (identifier) DO UPDATE SET source_id = excluded.source_id, native_target_id = NULL, updated_at = excluded.updated_at`,
      params: [identifier, sourceId, iso],
    }));
  }

  /**
   * A user deleted at the source: the ledger's records of it that no run has moved yet (planned,
   * quarantined) are settled done/skipped with the reason, so a later `migrate` of an older export
   * does not bring the user back. Without ledger tables (no migrate ever ran here) nothing changes.
   */
  settleDeletedInLedger(sourceId: string, message: string): Promise<number> {
    return this.#settleInLedger(`(kind = 'user' AND source_id = $1) OR (kind = 'membership' AND user_source_id = $1)`, sourceId, message);
  }

  /**
   * An organization deleted at the source: the ledger's records of it and of memberships in it
   * that no run has moved yet (planned, failed) are settled done/skipped with the reason, so a later
   * `migrate` of an older export does not bring it back. Without ledger tables nothing changes.
   */
  settleDeletedOrganizationInLedger(sourceId: string, message: string): Promise<number> {
    return this.#settleInLedger(`(kind = 'organization' AND source_id = $1) OR (kind = 'membership' AND org_source_id = $1)`, sourceId, message);
  }

  /** The records `which` selects ($1: the source id) that no run has moved yet, settled done/skipped with `message`. */
  #settleInLedger(which: string, sourceId: string, message: string): Promise<number> {
    return this.#guard('updating the ledger', async () => {
      try {
        const [n] = await this.#d.batch([
          {
            sql: `UPDATE ${this.#p}records SET state = 'done', outcome = 'skipped', error_code = NULL, error_message = $2, updated_at = $3
                  WHERE (${which}) AND state IN ('planned', 'failed') AND owner IS NULL`,
            params: [sourceId, clip(message), new Date().toISOString()],
          },
        ]);
        return n ?? 0;
      } catch (e) {
        if (this.#d.isMissingTable(e)) return 0;
        throw e;
      }
    });
  }

  /** Source ids of users some `migrate` run moved (done, not skipped, with a target id); none without ledger tables. */
  ledgerMovedUsers(): AsyncIterable<string> {
    return this.#ledgerMoved('user');
  }

  /** Source ids of organizations some `migrate` run moved (done, not skipped, with a target id); none without ledger tables. */
  ledgerMovedOrganizations(): AsyncIterable<string> {
    return this.#ledgerMoved('organization');
  }

  async *#ledgerMoved(kind: 'user' | 'organization'): AsyncIterable<string> {
    let rows: { source_id: string }[];
    try {
      rows = await this.#d.query<{ source_id: string }>(
        `SELECT DISTINCT source_id FROM ${this.#p}records WHERE kind = $1 AND state = 'done' AND target_id IS NOT NULL AND (outcome IS NULL OR outcome <> 'skipped') ORDER BY source_id`,
        [kind],
      );
    } catch (e) {
      if (this.#d.isMissingTable(e)) return;
      throw stateError(`the sync state (${this.#d.location})`, 'reading the ledger', e);
    }
    for (const r of rows) yield r.source_id;
  }

  /**
   * When the target got this user's password last, as far as the state tells (epoch ms): the
   * gateway's move at a login (JIT, completed, pulled by the target: the password typed then) or
   * a `migrate` run that wrote the user with a usable hash (the ledger record's time). Undefined
   * when neither did: the target holds no copy of the password that could be stale. A user on
   * legacy at the gateway (never moved, or flagged back) has no gateway time.
   */
  passwordAtTargetSinceMs(sourceId: string): Promise<number | undefined> {
    return this.#guard('reading when the target got a password', async () => {
      const times: number[] = [];
      const tolerant = async <T>(fn: () => Promise<T[]>): Promise<T[]> => {
        try {
          return await fn();
        } catch (e) {
          if (this.#d.isMissingTable(e)) return [];
          throw e;
        }
      };
      const gateway = await tolerant(() =>
        this.#d.query<{ migrated_at: string | null }>(
          `SELECT migrated_at FROM ${this.#p}gateway_users WHERE source_id = $1 AND state = 'migrated' AND route IN ('jit', 'completed', 'lazy')`,
          [sourceId],
        ),
      );
      for (const r of gateway) if (r.migrated_at) times.push(Date.parse(r.migrated_at));
      // Moved with a usable hash: the engine notes a user without one under the `password` field (ledger/moved-users.ts).
      const ledger = await tolerant(() =>
        this.#d.query<{ updated_at: string }>(
          `SELECT updated_at FROM ${this.#p}records WHERE kind = 'user' AND source_id = $1 AND state = 'done' AND target_id IS NOT NULL
             AND (outcome IS NULL OR outcome <> 'skipped') AND lossy NOT LIKE '%"field":"password"%'`,
          [sourceId],
        ),
      );
      for (const r of ledger) times.push(Date.parse(r.updated_at));
      const known = times.filter((t) => Number.isFinite(t));
      return known.length > 0 ? Math.max(...known) : undefined;
    });
  }

  /** The target id some `migrate` run recorded for this user (or organization: `kind`), done and not skipped, if any. */
  ledgerTargetId(sourceId: string, kind: 'user' | 'organization' = 'user'): Promise<string | undefined> {
    return this.#guard('reading the ledger', async () => {
      try {
        const rows = await this.#d.query<{ target_id: string }>(
          `SELECT target_id FROM ${this.#p}records WHERE kind = $2 AND source_id = $1 AND state = 'done' AND target_id IS NOT NULL
             AND (outcome IS NULL OR outcome <> 'skipped') ORDER BY updated_at DESC LIMIT 1`,
          [sourceId, kind],
        );
        return rows[0]?.target_id;
      } catch (e) {
        if (this.#d.isMissingTable(e)) return undefined;
        throw e;
      }
    });
  }
}
