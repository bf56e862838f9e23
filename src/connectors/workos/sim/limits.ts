/**
 * Rate limits of the WorkOS simulator (workos.com/docs/reference/rate-limits):
 * - AuthKit `/user_management/*` per environment: writes 500 per 10 s, reads 1,000 per 10 s;
 * - `/user_management/authenticate`: 10 per 60 s per email;
 * - `DELETE /organizations/*`: 50 per 60 s per API key (server.ts).
 * Over a limit the simulator answers 429 with `Retry-After` in whole seconds.
 *
 * Writes and reads use token buckets: `ratePerSecond` tokens refill continuously and up to `burst`
 * may be spent at once (default: one documented window, 10 s worth), which matches a
 * "N per 10 seconds" limit in long-run rate and in largest burst.
 */

export interface TakeResult {
  ok: boolean;
  /** Whole seconds until a token is available (only when !ok); at least 1. */
  retryAfterSeconds: number;
}

export class TokenBucket {
  readonly ratePerSecond: number;
  readonly burst: number;
  #tokens: number;
  #last: number;
  readonly #now: () => number;
  constructor(ratePerSecond: number, burst: number, now: () => number = () => performance.now()) {
    if (!(ratePerSecond > 0)) throw new Error('rate must be positive');
    this.ratePerSecond = ratePerSecond;
    this.burst = Math.max(1, burst);
    this.#tokens = this.burst;
    this.#now = now;
    this.#last = now();
  }
  #refill(): void {
    const t = this.#now();
    this.#tokens = Math.min(this.burst, this.#tokens + ((t - this.#last) / 1000) * this.ratePerSecond);
    this.#last = t;
  }
  take(): TakeResult {
    this.#refill();
    if (this.#tokens >= 1) {
      this.#tokens -= 1;
      return { ok: true, retryAfterSeconds: 0 };
    }
    const waitMs = ((1 - this.#tokens) / this.ratePerSecond) * 1000;
    return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil(waitMs / 1000)) };
  }
}

/** At most `limit` events per `windowMs` per key (sliding window); old keys are pruned as they expire. */
export class SlidingWindowLimiter {
  readonly #hits = new Map<string, number[]>();
  constructor(
    readonly limit: number,
    readonly windowMs: number,
    readonly now: () => number = () => Date.now(),
  ) {}
  take(key: string): TakeResult {
    const t = this.now();
    const recent = (this.#hits.get(key) ?? []).filter((x) => t - x < this.windowMs);
    if (recent.length >= this.limit) {
      this.#hits.set(key, recent);
      const waitMs = this.windowMs - (t - recent[0]!);
      return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil(waitMs / 1000)) };
    }
    recent.push(t);
    this.#hits.set(key, recent);
    if (this.#hits.size > 10_000) {
      for (const [k, v] of this.#hits) if (v.every((x) => t - x >= this.windowMs)) this.#hits.delete(k);
    }
    return { ok: true, retryAfterSeconds: 0 };
  }
}
