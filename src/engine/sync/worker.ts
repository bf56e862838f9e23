import { backoffMs } from '../../lib/backoff.js';
import { isFlaglessError } from '../../protocol/errors.js';
import type { InboxRow, SyncStore } from '../../state/sync/store.js';
import { applyEvent, type ApplyDeps, type ApplyResult } from './apply-change.js';

/**
 * Drains the inbox: due events, oldest source time first, one subject (user) at a time in order
 * and several subjects at once. A failure is retried with back-off (the server's Retry-After when
 * it gave one); after `maxAttempts`, or at once for a record the target refuses (skippable), the
 * event is quarantined with its reason. An event is settled in the same transaction as the user's
 * new watermark, so a crash between the target's write and the settle re-applies it, and every
 * apply is idempotent (found before created, an update sets the same state).
 */
export interface SyncWorkerOptions {
  store: SyncStore;
  /** The apply dependencies per vendor (the inbox holds events of every vendor the gateway receives). */
  appliers: ReadonlyMap<string, ApplyDeps>;
  /** Subjects worked on at once (default 4). */
  concurrency?: number;
  /** Events read per pass (default 200). */
  batch?: number;
  /** How often the inbox is polled when nothing wakes the worker (default 250 ms). */
  pollMs?: number;
  /** Attempts before an event is quarantined (default 8). */
  maxAttempts?: number;
  /** Back-off ceiling for retries (default 30 s). */
  maxBackoffMs?: number;
  onSettled?(row: InboxRow, result: ApplyResult, lagMs: number): void;
  onFailed?(row: InboxRow, error: { code: string; message: string }, quarantined: boolean): void;
}

export class SyncWorker {
  readonly #o: Required<Omit<SyncWorkerOptions, 'onSettled' | 'onFailed'>> & Pick<SyncWorkerOptions, 'onSettled' | 'onFailed'>;
  #running = false;
  #loop: Promise<void> | undefined;
  #wake: (() => void) | undefined;
  #kicked = false;

  constructor(options: SyncWorkerOptions) {
    this.#o = { concurrency: 4, batch: 200, pollMs: 250, maxAttempts: 8, maxBackoffMs: 30_000, ...options };
  }

  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#loop = this.#run();
  }

  /** New events are in the inbox: look now instead of at the next poll. */
  kick(): void {
    this.#kicked = true;
    this.#wake?.();
  }

  /** Stops after the events in progress are settled. */
  async stop(): Promise<void> {
    this.#running = false;
    this.#wake?.();
    await this.#loop;
  }

  async #run(): Promise<void> {
    while (this.#running) {
      let worked = 0;
      try {
        worked = await this.drainOnce();
      } catch {
        // The state store failed (an outage): the next pass tries again; nothing was settled.
      }
      if (!this.#running) break;
      if (worked > 0 || this.#kicked) {
        this.#kicked = false;
        continue;
      }
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, this.#o.pollMs);
        this.#wake = () => {
          clearTimeout(t);
          resolve();
        };
      });
      this.#wake = undefined;
    }
  }

  /** One pass over the due events; returns how many were settled or retried. */
  async drainOnce(nowMs = Date.now()): Promise<number> {
    const rows = await this.#o.store.due(this.#o.batch, nowMs);
    if (rows.length === 0) return 0;
    const bySubject = new Map<string, InboxRow[]>();
    for (const r of rows) {
      const list = bySubject.get(r.subject);
      if (list) list.push(r);
      else bySubject.set(r.subject, [r]);
    }
    const queue = [...bySubject.values()];
    let worked = 0;
    const lane = async () => {
      for (let group = queue.shift(); group; group = queue.shift()) {
        // An older event of this subject is waiting for its retry: the later ones wait behind it.
        const first = group[0]!;
        if (await this.#o.store.olderPending(first.subject, { occurredAtMs: first.occurredAtMs, eventId: first.id })) continue;
        for (const row of group) {
          const ok = await this.#one(row);
          worked++;
          if (!ok) break; // keep this subject's order: the rest waits for the retry
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.#o.concurrency, queue.length) }, lane));
    return worked;
  }

  /** Applies one event; false when it failed (retried later or quarantined). */
  async #one(row: InboxRow): Promise<boolean> {
    const deps = this.#o.appliers.get(row.vendor);
    if (!deps) {
      await this.#o.store.quarantine(row.id, `no ${row.vendor} receiver is configured in this gateway`);
      this.#o.onFailed?.(row, { code: 'E_USAGE', message: 'no receiver' }, true);
      return false;
    }
    let result: ApplyResult;
    try {
      result = await applyEvent(deps, row);
    } catch (e) {
      const code = isFlaglessError(e) ? e.code : e instanceof SyntaxError ? 'E_WEBHOOK_PAYLOAD' : 'E_INTERNAL';
      const message = isFlaglessError(e) ? e.message : e instanceof SyntaxError ? 'the stored event is not JSON' : String((e as Error)?.message ?? e);
      const attempts = row.attempts + 1;
      const give = (isFlaglessError(e) && e.errorClass === 'skippable') || code === 'E_WEBHOOK_PAYLOAD' || attempts >= this.#o.maxAttempts;
      if (give) await this.#o.store.quarantine(row.id, `${code}: ${message}`);
      else {
        const retryAfterMs = isFlaglessError(e) && e.retryAfterSeconds !== undefined ? e.retryAfterSeconds * 1000 : 0;
        await this.#o.store.retryLater(row.id, `${code}: ${message}`, Date.now() + Math.max(retryAfterMs, backoffMs(attempts, { baseMs: 200, maxMs: this.#o.maxBackoffMs })));
      }
      this.#o.onFailed?.(row, { code, message }, give);
      return false;
    }
    const now = Date.now();
    await this.#o.store.settle(row, result.state, {
      ...(result.user ? { user: result.user } : {}),
      ...(result.outOfOrder ? { outOfOrder: true } : {}),
      nowMs: now,
    });
    this.#o.onSettled?.(row, result, now - row.receivedAtMs);
    return true;
  }
}
