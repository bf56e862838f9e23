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
  /** Subjects worked on at once (default 16: an event may wait on the source's API). */
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
    this.#o = { concurrency: 16, batch: 200, pollMs: 250, maxAttempts: 8, maxBackoffMs: 30_000, ...options };
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

  /**
   * Continuous lanes: each subject with due events gets a chain (its events in order, one at a
   * time), up to `concurrency` chains at once; a chain ending, or new events arriving, starts the
   * next. A slow event (a read of the source's API) holds only its own subject back.
   */
  async #run(): Promise<void> {
    const busy = new Set<string>();
    const chains = new Set<Promise<void>>();
    while (this.#running) {
      let started = 0;
      try {
        if (busy.size < this.#o.concurrency) {
          const rows = await this.#o.store.due(this.#o.batch + busy.size * 4);
          for (const group of this.#groups(rows)) {
            if (busy.size >= this.#o.concurrency) break;
            const first = group[0]!;
            const subject = first.subject;
            if (busy.has(subject)) continue;
            // An older event of this subject is waiting for its retry: the later ones wait behind it.
            if (await this.#o.store.olderPending(subject, { occurredAtMs: first.occurredAtMs, eventId: first.id })) continue;
            busy.add(subject);
            started++;
            const chain: Promise<void> = this.#chain(group, false)
              .then(() => undefined, () => undefined) // a state outage: the events stay pending and are taken again
              .finally(() => {
                busy.delete(subject);
                chains.delete(chain);
                this.kick();
              });
            chains.add(chain);
          }
        }
      } catch {
        // The state store failed (an outage): the next pass tries again; nothing was settled.
      }
      if (!this.#running) break;
      if (started > 0 && busy.size < this.#o.concurrency) continue;
      if (this.#kicked) {
        this.#kicked = false;
        if (busy.size < this.#o.concurrency) continue;
      }
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, this.#o.pollMs);
        this.#wake = () => {
          clearTimeout(t);
          resolve();
        };
      });
      this.#wake = undefined;
      this.#kicked = false;
    }
    await Promise.all(chains);
  }

  #groups(rows: InboxRow[]): InboxRow[][] {
    const bySubject = new Map<string, InboxRow[]>();
    for (const r of rows) {
      const list = bySubject.get(r.subject);
      if (list) list.push(r);
      else bySubject.set(r.subject, [r]);
    }
    return [...bySubject.values()];
  }

  /** One subject's due events in order; stops at a failure (the rest waits for its retry). Returns how many were worked. */
  async #chain(group: InboxRow[], check = true): Promise<number> {
    // An older event of this subject is waiting for its retry: the later ones wait behind it.
    const first = group[0]!;
    if (check && (await this.#o.store.olderPending(first.subject, { occurredAtMs: first.occurredAtMs, eventId: first.id }))) return 0;
    let worked = 0;
    for (const row of group) {
      const ok = await this.#one(row);
      worked++;
      if (!ok) break;
    }
    return worked;
  }

  /** One pass over the due events (no background loop: `sync reconcile`); returns how many were settled or retried. */
  async drainOnce(nowMs = Date.now()): Promise<number> {
    const queue = this.#groups(await this.#o.store.due(this.#o.batch, nowMs));
    let worked = 0;
    const lane = async () => {
      for (let group = queue.shift(); group; group = queue.shift()) worked += await this.#chain(group);
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
      ...(result.organization ? { organization: result.organization } : {}),
      ...(result.outOfOrder ? { outOfOrder: true } : {}),
      nowMs: now,
    });
    this.#o.onSettled?.(row, result, now - row.receivedAtMs);
    return true;
  }
}
