/**
 * Brute-force protection: a sliding-window counter per key (an identifier, a client address).
 * Each key keeps the count of the current fixed window and the previous one; the estimate is
 * `previous × (remaining share of the window) + current`, the usual sliding-window approximation
 * (exact at window edges, never more than one window's worth off, O(1) memory per key).
 *
 * Memory is bounded: keys idle for two windows are swept, and beyond `maxKeys` the oldest keys
 * are dropped first (a flood of random identifiers cannot grow the map without bound).
 *
 * Counts live in one gateway instance; with several instances behind a load balancer the
 * effective limit is per instance (sticky routing by client address keeps it close).
 */
export interface WindowRule {
  /** Events allowed per window. */
  limit: number;
  windowMs: number;
}

interface Slot {
  windowStart: number;
  current: number;
  previous: number;
}

export class SlidingWindow {
  readonly #rule: WindowRule;
  readonly #maxKeys: number;
  readonly #slots = new Map<string, Slot>();
  readonly #now: () => number;

  constructor(rule: WindowRule, opts: { maxKeys?: number; now?: () => number } = {}) {
    if (!(rule.limit > 0) || !(rule.windowMs > 0)) throw new Error('a sliding window needs a positive limit and window');
    this.#rule = rule;
    this.#maxKeys = opts.maxKeys ?? 100_000;
    this.#now = opts.now ?? Date.now;
  }

  #slot(key: string, now: number): Slot {
    const w = this.#rule.windowMs;
    const start = now - (now % w);
    let s = this.#slots.get(key);
    if (!s) {
      s = { windowStart: start, current: 0, previous: 0 };
      if (this.#slots.size >= this.#maxKeys) this.#sweep(now, true);
      this.#slots.set(key, s);
    } else if (s.windowStart !== start) {
      s.previous = start - s.windowStart === w ? s.current : 0;
      s.current = 0;
      s.windowStart = start;
    }
    return s;
  }

  #estimate(s: Slot, now: number): number {
    const w = this.#rule.windowMs;
    const elapsed = (now - s.windowStart) / w;
    return s.previous * (1 - elapsed) + s.current;
  }

  /** Seconds until one more event would be allowed (0 when it is allowed now). */
  retryAfterSeconds(key: string): number {
    const now = this.#now();
    const s = this.#slots.get(key);
    if (!s) return 0;
    const slot = this.#slot(key, now);
    const est = this.#estimate(slot, now);
    if (est < this.#rule.limit) return 0;
    const w = this.#rule.windowMs;
    // Solve previous × (1 − t/w) + current < limit for the earliest t in this window, else wait for the next one.
    if (slot.current < this.#rule.limit && slot.previous > 0) {
      const t = w * (1 - (this.#rule.limit - slot.current) / slot.previous);
      const wait = slot.windowStart + t - now;
      if (wait > 0) return Math.max(1, Math.ceil(wait / 1000));
    }
    const nextWindow = slot.windowStart + w - now;
    // In the next window `current` becomes `previous` and is weighted down from 1.
    const t2 = slot.current > 0 ? w * (1 - this.#rule.limit / slot.current) : 0;
    return Math.max(1, Math.ceil((nextWindow + Math.max(0, t2)) / 1000));
  }

  /** Whether the key is at or over its limit right now. */
  blocked(key: string): boolean {
    return this.retryAfterSeconds(key) > 0;
  }

  hit(key: string): void {
    const now = this.#now();
    this.#slot(key, now).current++;
  }

  reset(key: string): void {
    this.#slots.delete(key);
  }

  get size(): number {
    return this.#slots.size;
  }

  #sweep(now: number, force: boolean): void {
    const w = this.#rule.windowMs;
    for (const [k, s] of this.#slots) if (now - s.windowStart >= 2 * w) this.#slots.delete(k);
    if (force && this.#slots.size >= this.#maxKeys) {
      // Maps iterate in insertion order: drop the oldest tenth.
      let drop = Math.ceil(this.#maxKeys / 10);
      for (const k of this.#slots.keys()) {
        if (drop-- <= 0) break;
        this.#slots.delete(k);
      }
    }
  }
}

export interface BruteForceOptions {
  /** Failed logins per identifier (default 10 per 15 minutes, Auth0's default threshold). */
  perIdentifier?: WindowRule;
  /** Login attempts per client address, failed or not (default 100 per minute). */
  perAddress?: WindowRule;
  now?: () => number;
}

/**
 * The two limits a login passes: every attempt counts against the client address; only failures
 * count against the identifier (so a user who signs in often is never locked out, and a success
 * clears the identifier's count).
 */
export class BruteForceGuard {
  readonly identifiers: SlidingWindow;
  readonly addresses: SlidingWindow;

  constructor(opts: BruteForceOptions = {}) {
    const now = opts.now ? { now: opts.now } : {};
    this.identifiers = new SlidingWindow(opts.perIdentifier ?? { limit: 10, windowMs: 15 * 60_000 }, now);
    this.addresses = new SlidingWindow(opts.perAddress ?? { limit: 100, windowMs: 60_000 }, now);
  }

  /** Checks both limits and counts the attempt against the address; a number is a Retry-After in seconds. */
  admit(identifierKey: string, address: string): { ok: true } | { ok: false; retryAfterSeconds: number; scope: 'identifier' | 'address' } {
    const byAddress = this.addresses.retryAfterSeconds(address);
    if (byAddress > 0) return { ok: false, retryAfterSeconds: byAddress, scope: 'address' };
    const byIdentifier = this.identifiers.retryAfterSeconds(identifierKey);
    if (byIdentifier > 0) return { ok: false, retryAfterSeconds: byIdentifier, scope: 'identifier' };
    this.addresses.hit(address);
    return { ok: true };
  }

  failed(identifierKey: string): void {
    this.identifiers.hit(identifierKey);
  }

  succeeded(identifierKey: string): void {
    this.identifiers.reset(identifierKey);
  }
}
