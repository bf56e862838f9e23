import { FlaglessError } from '../../protocol/errors.js';
import type { SqlDriver } from '../driver.js';
import { finishSchema, type FinishAction, type FinishState } from './schema.js';
import type { FinishRow, ResetCandidate, ResetReason, SmsUser } from './types.js';

/** Ledger rows that mean the user is in the target (as moved-users.ts says it). */
export const MOVED = `kind = 'user' AND state = 'done' AND target_id IS NOT NULL AND (outcome IS NULL OR outcome <> 'skipped')`;
export const NO_HASH = `lossy LIKE '%"field":"password"%'`;

/**
 * Users sync saw deleted (or disabled) at the legacy provider (state/sync's `sync_users`): nobody to
 * finish for. Undefined when the state has no sync table (sync never ran here).
 */
export async function syncGoneQuery(d: SqlDriver): Promise<string | undefined> {
  try {
    await d.query(`SELECT source_id FROM ${d.prefix}sync_users WHERE status IN ('deleted', 'disabled') LIMIT 1`);
    return `SELECT source_id FROM ${d.prefix}sync_users WHERE status IN ('deleted', 'disabled')`;
  } catch (e) {
    if (d.isMissingTable(e)) return undefined;
    throw e;
  }
}

interface FinishRowDb {
  source_id: string;
  action: string;
  state: string;
  reason: string;
  target: string;
  target_id: string | null;
  email: string | null;
  via: string | null;
  error_code: string | null;
  detail: string | null;
  attempts: number | string;
  sent_at: string | null;
  updated_at: string;
}

function toRow(r: FinishRowDb): FinishRow {
  return {
    sourceId: r.source_id,
    action: r.action as FinishAction,
    state: r.state as FinishState,
    reason: r.reason as ResetReason,
    target: r.target,
    attempts: Number(r.attempts),
    updatedAt: r.updated_at,
    ...(r.target_id ? { targetId: r.target_id } : {}),
    ...(r.email ? { email: r.email } : {}),
    ...(r.via ? { via: r.via } : {}),
    ...(r.error_code ? { errorCode: r.error_code } : {}),
    ...(r.detail ? { detail: r.detail } : {}),
    ...(r.sent_at ? { sentAt: r.sent_at } : {}),
  };
}

const clip = (s: string) => (s.length > 500 ? `${s.slice(0, 497)}...` : s);
const placeholders = (from: number, n: number) => Array.from({ length: n }, (_, i) => `$${from + i}`).join(', ');

/**
 * The state `finish` and `status` work on: the engine's ledger (read), the gateway's flags (read)
 * and finish's own table (finish_actions), all on the one driver `--state` opens. Portable SQL.
 */
export class FinishStore {
  readonly #d: SqlDriver;
  readonly #p: string;
  readonly #owner: { close(): Promise<void> } | undefined;

  private constructor(driver: SqlDriver, owner: { close(): Promise<void> } | undefined) {
    this.#d = driver;
    this.#p = driver.prefix;
    this.#owner = owner;
  }

  /**
   * On the driver `--state` opened (the gateway store's, which also made the gateway's tables):
   * creates finish's table when missing; closing the store closes `owner` (the one that opened the driver).
   */
  static async attach(driver: SqlDriver, owner?: { close(): Promise<void> }): Promise<FinishStore> {
    try {
      await driver.batch(finishSchema(driver.prefix).map((sql) => ({ sql })));
    } catch (e) {
      await owner?.close().catch(() => undefined);
      throw new FlaglessError('E_STATE', `the state at ${driver.location} cannot hold finish's table: ${(e as Error).message}`, { cause: e });
    }
    return new FinishStore(driver, owner);
  }

  get location(): string {
    return this.#d.location;
  }
  get driver(): SqlDriver {
    return this.#d;
  }

  async #tolerant<T>(empty: T, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      if (this.#d.isMissingTable(e)) return empty;
      throw e;
    }
  }

  /** Runs whose target is `label` (the target's name and instance, as `migrate` records it). */
  runsFor(label: string): Promise<string[]> {
    return this.#tolerant([], async () => (await this.#d.query<{ id: string }>(`SELECT id FROM ${this.#p}runs WHERE target = $1 ORDER BY started_at`, [label])).map((r) => r.id));
  }

  /** Every run's target label (for a message naming what the ledger holds). */
  runTargets(): Promise<string[]> {
    return this.#tolerant([], async () => (await this.#d.query<{ target: string }>(`SELECT DISTINCT target FROM ${this.#p}runs ORDER BY target`)).map((r) => r.target));
  }

  /**
   * Users of these runs who need the target's reset message, in source-id order after `after`:
   * moved without a usable hash and not moved by the gateway since (a sign-in would have set the
   * password), or moved with one but flagged back to legacy by the gateway (their password at the
   * target is not theirs any more).
   */
  async resetCandidates(runIds: readonly string[], after: string, limit: number): Promise<{ page: ResetCandidate[]; last?: string }> {
    if (runIds.length === 0) return { page: [] };
    const rows = await this.#tolerant<{ source_id: string; target_id: string; no_hash: number | string }[]>([], () => this.#d.query<{ source_id: string; target_id: string; no_hash: number | string }>(
      `SELECT source_id, MAX(target_id) AS target_id, MAX(CASE WHEN ${NO_HASH} THEN 1 ELSE 0 END) AS no_hash
       FROM ${this.#p}records WHERE ${MOVED} AND run_id IN (${placeholders(3, runIds.length)}) AND source_id > $1
       GROUP BY source_id ORDER BY source_id LIMIT $2`,
      [after, limit, ...runIds],
    ));
    if (rows.length === 0) return { page: [] };
    const flags = new Map<string, { state: string; route: string | null }>();
    for (const g of await this.#d.query<{ source_id: string; state: string; route: string | null }>(
      `SELECT source_id, state, route FROM ${this.#p}gateway_users WHERE source_id IN (${placeholders(1, rows.length)})`,
      rows.map((r) => r.source_id),
    )) {
      flags.set(g.source_id, g);
    }
    const gone = await this.#gone(rows.map((r) => r.source_id));
    const page: ResetCandidate[] = [];
    for (const r of rows) {
      if (gone.has(r.source_id)) continue; // deleted or disabled at the legacy provider since (sync)
      const g = flags.get(r.source_id);
      if (g?.state === 'migrated') continue; // signed in through the gateway: the target has the password
      if (Number(r.no_hash) === 1) page.push({ sourceId: r.source_id, targetId: r.target_id, reason: 'no-usable-hash' });
      else if (g?.state === 'legacy') page.push({ sourceId: r.source_id, targetId: r.target_id, reason: 'password-changed-at-legacy' });
    }
    return { page, last: rows[rows.length - 1]!.source_id };
  }

  /** Users the gateway moved and then flagged back to legacy, that no run of the ledger moved (JIT-only users). */
  async gatewayStaleCandidates(): Promise<ResetCandidate[]> {
    const p = this.#p;
    let rows: { source_id: string; target_id: string }[];
    try {
      rows = await this.#d.query(
        `SELECT g.source_id, g.target_id FROM ${p}gateway_users g WHERE g.state = 'legacy' AND g.target_id IS NOT NULL
         AND NOT EXISTS (SELECT 1 FROM ${p}records r WHERE r.source_id = g.source_id AND r.kind = 'user' AND r.state = 'done'
                         AND r.target_id IS NOT NULL AND (r.outcome IS NULL OR r.outcome <> 'skipped'))
         ORDER BY g.source_id`,
      );
    } catch (e) {
      // No ledger at all (the gateway alone moved users): every such gateway row is a candidate.
      if (!this.#d.isMissingTable(e)) throw e;
      rows = await this.#d.query(`SELECT source_id, target_id FROM ${p}gateway_users WHERE state = 'legacy' AND target_id IS NOT NULL ORDER BY source_id`);
    }
    const gone = await this.#gone(rows.map((r) => r.source_id));
    return rows.filter((r) => !gone.has(r.source_id)).map((r) => ({ sourceId: r.source_id, targetId: r.target_id, reason: 'password-changed-at-legacy' as const }));
  }

  /** Of these users, those sync saw deleted or disabled at the legacy provider. */
  async #gone(ids: readonly string[]): Promise<Set<string>> {
    const out = new Set<string>();
    const query = ids.length ? await syncGoneQuery(this.#d) : undefined;
    if (!query) return out;
    for (let i = 0; i < ids.length; i += 500) {
      const part = ids.slice(i, i + 500);
      for (const r of await this.#d.query<{ source_id: string }>(`${query} AND source_id IN (${placeholders(1, part.length)})`, part)) out.add(r.source_id);
    }
    return out;
  }

  /** Users whose SMS factor the target cannot hold (the plan's `mfa.sms` lossy note), in these runs (all runs when empty). */
  async smsUsers(runIds: readonly string[]): Promise<SmsUser[]> {
    return this.#tolerant([], async () => {
      const rows = await this.#d.query<{ source_id: string; target_id: string | null; moved: number | string }>(
        `SELECT source_id, MAX(target_id) AS target_id, MAX(CASE WHEN ${MOVED} THEN 1 ELSE 0 END) AS moved FROM ${this.#p}records
         WHERE kind = 'user' AND lossy LIKE '%"field":"mfa.sms"%'${runIds.length ? ` AND run_id IN (${placeholders(1, runIds.length)})` : ''}
         GROUP BY source_id ORDER BY source_id`,
        [...runIds],
      );
      return rows.map((r) => ({ sourceId: r.source_id, moved: Number(r.moved) === 1, ...(r.target_id ? { targetId: r.target_id } : {}) }));
    });
  }

  async get(sourceId: string, action: FinishAction): Promise<FinishRow | undefined> {
    const rows = await this.#d.query<FinishRowDb>(`SELECT * FROM ${this.#p}finish_actions WHERE source_id = $1 AND action = $2`, [sourceId, action]);
    return rows[0] ? toRow(rows[0]) : undefined;
  }

  async getMany(sourceIds: readonly string[], action: FinishAction): Promise<Map<string, FinishRow>> {
    const out = new Map<string, FinishRow>();
    if (sourceIds.length === 0) return out;
    for (const r of await this.#d.query<FinishRowDb>(
      `SELECT * FROM ${this.#p}finish_actions WHERE action = $1 AND source_id IN (${placeholders(2, sourceIds.length)})`,
      [action, ...sourceIds],
    )) {
      out.set(r.source_id, toRow(r));
    }
    return out;
  }

  /** Records the users to act on (idempotent: an existing row keeps its state). */
  async plan(action: FinishAction, target: string, rows: readonly ResetCandidate[]): Promise<void> {
    if (rows.length === 0) return;
    const now = new Date().toISOString();
    await this.#d.batch(
      rows.map((r) => ({
        sql: `INSERT INTO ${this.#p}finish_actions (source_id, action, state, reason, target, target_id, attempts, updated_at)
              VALUES ($1, $2, 'planned', $3, $4, $5, 0, $6) ON CONFLICT (source_id, action) DO NOTHING`,
        params: [r.sourceId, action, r.reason, target, r.targetId, now],
      })),
    );
  }

  /**
   * Write-ahead: takes the row for sending (planned or failed; also an unconfirmed `sending` row
   * when `resendUnconfirmed`). False when it is not there to take (sent, skipped, or taken by
   * another process): then nothing must be sent.
   */
  async begin(sourceId: string, action: FinishAction, email: string, opts: { resendUnconfirmed?: boolean } = {}): Promise<boolean> {
    const states = opts.resendUnconfirmed ? `('planned', 'failed', 'sending')` : `('planned', 'failed')`;
    const n = await this.#d.run(
      `UPDATE ${this.#p}finish_actions SET state = 'sending', email = $3, attempts = attempts + 1, error_code = NULL, detail = NULL, updated_at = $4
       WHERE source_id = $1 AND action = $2 AND state IN ${states}`,
      [sourceId, action, email, new Date().toISOString()],
    );
    return n === 1;
  }

  async markSent(sourceId: string, action: FinishAction, via: string): Promise<void> {
    const now = new Date().toISOString();
    await this.#d.run(`UPDATE ${this.#p}finish_actions SET state = 'sent', via = $3, sent_at = $4, updated_at = $4 WHERE source_id = $1 AND action = $2 AND state = 'sending'`, [sourceId, action, via, now]);
  }

  /** The target refused, or the request surely never reached it: nothing went out. */
  async markFailed(sourceId: string, action: FinishAction, error: { code: string; message: string }): Promise<void> {
    await this.#d.run(
      `UPDATE ${this.#p}finish_actions SET state = 'failed', error_code = $3, detail = $4, updated_at = $5 WHERE source_id = $1 AND action = $2`,
      [sourceId, action, error.code, clip(error.message), new Date().toISOString()],
    );
  }

  /** Back to planned: the request surely sent nothing (a 429, a refusal before sending) and will be tried again. */
  async release(sourceId: string, action: FinishAction): Promise<void> {
    await this.#d.run(`UPDATE ${this.#p}finish_actions SET state = 'planned', updated_at = $3 WHERE source_id = $1 AND action = $2 AND state = 'sending'`, [sourceId, action, new Date().toISOString()]);
  }

  /** An ambiguous failure (a timeout, a 5xx, a dropped connection): stays `sending`, unconfirmed, with why. */
  async markUnconfirmed(sourceId: string, action: FinishAction, error: { code: string; message: string }): Promise<void> {
    await this.#d.run(`UPDATE ${this.#p}finish_actions SET error_code = $3, detail = $4, updated_at = $5 WHERE source_id = $1 AND action = $2 AND state = 'sending'`, [sourceId, action, error.code, clip(error.message), new Date().toISOString()]);
  }

  /** Nothing to send, and why (the user has a password at the target now, is disabled there...). */
  async markSkipped(sourceId: string, action: FinishAction, why: string, email?: string): Promise<void> {
    await this.#d.run(
      `UPDATE ${this.#p}finish_actions SET state = 'skipped', detail = $3, email = COALESCE($4, email), updated_at = $5 WHERE source_id = $1 AND action = $2 AND state IN ('planned', 'failed')`,
      [sourceId, action, clip(why), email ?? null, new Date().toISOString()],
    );
  }

  /** Every row of an action, in source-id order (the report). */
  async *rows(action: FinishAction): AsyncIterable<FinishRow> {
    let after = '';
    for (;;) {
      const page = await this.#d.query<FinishRowDb>(`SELECT * FROM ${this.#p}finish_actions WHERE action = $1 AND source_id > $2 ORDER BY source_id LIMIT 1000`, [action, after]);
      if (page.length === 0) return;
      for (const r of page) yield toRow(r);
      after = page[page.length - 1]!.source_id;
    }
  }

  async tally(action: FinishAction): Promise<Record<FinishState, number>> {
    const out: Record<FinishState, number> = { planned: 0, sending: 0, sent: 0, failed: 0, skipped: 0 };
    for (const r of await this.#d.query<{ state: string; n: number | string }>(`SELECT state, COUNT(*) AS n FROM ${this.#p}finish_actions WHERE action = $1 GROUP BY state`, [action])) {
      out[r.state as FinishState] = Number(r.n);
    }
    return out;
  }

  async close(): Promise<void> {
    await this.#owner?.close();
  }
}
