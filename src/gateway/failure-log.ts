import type { GatewayStore } from '../state/gateway/types.js';

/**
 * Login failures by minute and reason, for the dashboard. Counted in memory and added to the
 * store every few seconds (and at close), so a burst of wrong passwords costs no write each; the
 * store adds counts up, so several instances sum into the same rows. A flush that fails keeps its
 * counts for the next one.
 */
export class FailureLog {
  readonly #store: GatewayStore;
  #pending = new Map<string, number>();
  #timer: NodeJS.Timeout | undefined;
  #flushing: Promise<void> | undefined;

  constructor(store: GatewayStore, intervalMs = 5000) {
    this.#store = store;
    if (intervalMs > 0) {
      this.#timer = setInterval(() => void this.flush().catch(() => undefined), intervalMs);
      this.#timer.unref();
    }
  }

  add(reason: string, at: Date = new Date()): void {
    const key = `${at.toISOString().slice(0, 16)}\u0000${reason}`;
    this.#pending.set(key, (this.#pending.get(key) ?? 0) + 1);
  }

  async flush(): Promise<void> {
    if (this.#flushing) await this.#flushing;
    if (this.#pending.size === 0) return;
    const batch = this.#pending;
    this.#pending = new Map();
    const counts = [...batch].map(([k, n]) => {
      const [bucket, reason] = k.split('\u0000') as [string, string];
      return { bucket, reason, n };
    });
    this.#flushing = this.#store.addFailures(counts).catch((e) => {
      for (const [k, n] of batch) this.#pending.set(k, (this.#pending.get(k) ?? 0) + n);
      throw e;
    });
    try {
      await this.#flushing;
    } finally {
      this.#flushing = undefined;
    }
  }

  async close(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
    await this.flush().catch(() => undefined);
  }
}
