/**
 * Brute-force protection: an exact sliding window per key (an identifier, a client address).
 * Each key keeps the times of its last `limit` events in a small ring; the key is over its limit
 * when it holds `limit` events and the oldest is younger than the window, and Retry-After is the
 * time until that oldest one leaves the window. Exact at every instant (no burst at a window
 * edge), O(limit) memory per key; limits for logins are small (10, 100).
 *
 * Memory is bounded: idle keys are swept, and beyond `maxKeys` the oldest keys are dropped first
 * (a flood of random identifiers cannot grow the map without bound).
 *
 * Counts live in one gateway instance; with several instances behind a load balancer the
 * effective limit is per instance (sticky routing by client address keeps it close).
 */
export interface WindowRule {
  /** Events allowed per window. */
  limit: number;
  windowMs: number;
}

interface Ring {
  times: Float64Array;
  /** Events recorded (≤ limit). */
  count: number;
  /** Index of the next write (also the oldest entry once full). */
  next: number;
  last: number;
}

export class SlidingWindow {
  readonly #rule: WindowRule;
  readonly #maxKeys: number;
  readonly #rings = new Map<string, Ring>();
  readonly #now: () => number;
  #lastSweep = 0;

  constructor(rule: WindowRule, opts: { maxKeys?: number; now?: () => number } = {}) {
    if (!(rule.limit >= 1) || !(rule.windowMs > 0)) throw new Error('a sliding window needs a positive limit and window');
    this.#rule = { limit: Math.floor(rule.limit), windowMs: rule.windowMs };
    this.#maxKeys = opts.maxKeys ?? 50_000;
    this.#now = opts.now ?? Date.now;
  }

  /** Seconds until one more event would be allowed (0 when it is allowed now). */
  retryAfterSeconds(key: string): number {
    const r = this.#rings.get(key);
    if (!r || r.count < this.#rule.limit) return 0;
    const oldest = r.times[r.next]!;
    const wait = oldest + this.#rule.windowMs - this.#now();
    return wait > 0 ? Math.max(1, Math.ceil(wait / 1000)) : 0;
  }

  blocked(key: string): boolean {
    return this.retryAfterSeconds(key) > 0;
  }

  hit(key: string): void {
    const now = this.#now();
    let r = this.#rings.get(key);
    if (!r) {
      if (this.#rings.size >= this.#maxKeys) this.#sweep(now, true);
      r = { times: new Float64Array(this.#rule.limit), count: 0, next: 0, last: now };
      this.#rings.set(key, r);
    }
    r.times[r.next] = now;
    r.next = (r.next + 1) % this.#rule.limit;
    r.count = Math.min(r.count + 1, this.#rule.limit);
    r.last = now;
    if (now - this.#lastSweep > this.#rule.windowMs) this.#sweep(now, false);
  }

  reset(key: string): void {
    this.#rings.delete(key);
  }

  get size(): number {
    return this.#rings.size;
  }

  #sweep(now: number, force: boolean): void {
    this.#lastSweep = now;
    for (const [k, r] of this.#rings) if (now - r.last >= this.#rule.windowMs) this.#rings.delete(k);
    if (force && this.#rings.size >= this.#maxKeys) {
      // Maps iterate in insertion order: drop the oldest tenth.
      let drop = Math.ceil(this.#maxKeys / 10);
      for (const k of this.#rings.keys()) {
        if (drop-- <= 0) break;
        this.#rings.delete(k);
      }
    }
  }
}

export interface BruteForceOptions {
  /** Failed logins per identifier (default 10 per 15 minutes, Auth0's default threshold). */
  perIdentifier?: WindowRule;
  /** Login attempts per end-user address, failed or not (default 300 per minute). */
  perAddress?: WindowRule;
  /**
   * Failed logins per resolved account, whatever spelling named it (email, username, another
   * email of the same user): default as per identifier, 10 per 15 minutes.
   */
  perAccount?: WindowRule;
  /** Wrong tokens on the lazy-migration endpoints per calling address (default 20 per 10 minutes). */
  badTokensPerAddress?: WindowRule;
  now?: () => number;
}

/**
 * The limits a login passes: every attempt counts against the client address; only failures
 * count against the identifier and against the account it resolves to (so a user who signs in
 * often is never locked out, a success clears both counts, and spelling one account several ways
 * gives no extra guesses). Wrong tokens at the lazy-migration endpoints count per calling address.
 */
export class BruteForceGuard {
  readonly identifiers: SlidingWindow;
  readonly addresses: SlidingWindow;
  readonly accounts: SlidingWindow;
  readonly badTokens: SlidingWindow;

  constructor(opts: BruteForceOptions = {}) {
    const now = opts.now ? { now: opts.now } : {};
    this.identifiers = new SlidingWindow(opts.perIdentifier ?? { limit: 10, windowMs: 15 * 60_000 }, now);
    this.addresses = new SlidingWindow(opts.perAddress ?? { limit: 300, windowMs: 60_000 }, now);
    this.accounts = new SlidingWindow(opts.perAccount ?? opts.perIdentifier ?? { limit: 10, windowMs: 15 * 60_000 }, now);
    this.badTokens = new SlidingWindow(opts.badTokensPerAddress ?? { limit: 20, windowMs: 10 * 60_000 }, now);
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
