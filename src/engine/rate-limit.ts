import { AbortedError } from './concurrency.js';

/**
 * One token bucket shared by every request a run sends (reads, writes, retries alike).
 *
 * - Waiters are served one at a time, in order, as tokens appear: never all together
 *   (the failure peers.md measured in the existing importer).
 * - `Retry-After` pauses the whole bucket: no request leaves before the server said so, and the
 *   bucket restarts empty afterwards.
 * - AIMD: a burst of 429s (several within a second) shrinks the rate multiplicatively; every
 *   second without a 429 grows it back additively, never above the ceiling.
 * - Lateness of timers is not lost: tokens accrue by elapsed time (up to a small burst), so the
 *   achieved rate converges on the configured one under saturation.
 */
export interface RateLimiterOptions {
  /** The ceiling, in requests per second. */
  rate: number;
  /** Bucket capacity (default: 0.1 s of the rate, at least 2). */
  burst?: number;
  /** AIMD floor, requests per second. */
  minRate?: number;
  /** Factor applied to the current rate on a burst of 429s. */
  decreaseFactor?: number;
  /** Fraction of the ceiling regained per second without a 429. */
  increasePerSecond?: number;
  /** How many 429s within `burstWindowMs` count as a burst. */
  burstThreshold?: number;
  burstWindowMs?: number;
  /** Clock (tests). */
  now?: () => number;
}

export interface RateLimiterStats {
  granted: number;
  rateLimited: number;
  decreases: number;
  pausedMs: number;
}

interface Waiter {
  grant: () => void;
  reject: (e: Error) => void;
  signal?: AbortSignal;
  onAbort?: () => void;
}

export class TokenBucket {
  #ceiling: number;
  readonly burst: number;
  readonly #minRate: number;
  readonly #decreaseFactor: number;
  readonly #increasePerSecond: number;
  readonly #burstThreshold: number;
  readonly #burstWindowMs: number;
  readonly #now: () => number;
  #rate: number;
  #tokens = 1;
  #last: number;
  #pausedUntil = 0;
  #last429 = -Infinity;
  #lastDecrease = -Infinity;
  #recent429: number[] = [];
  #timer: NodeJS.Timeout | undefined;
  readonly #queue: Waiter[] = [];
  readonly stats: RateLimiterStats = { granted: 0, rateLimited: 0, decreases: 0, pausedMs: 0 };

  constructor(opts: RateLimiterOptions) {
    if (!(opts.rate > 0) || !Number.isFinite(opts.rate)) throw new RangeError(`rate must be a positive number, got ${opts.rate}`);
    this.#ceiling = opts.rate;
    // A tenth of a second's worth (at least two): enough to make up for event-loop stalls (GC, a
    // WAL checkpoint) without letting an idle bucket release a burst a strict server would refuse.
    this.burst = opts.burst ?? Math.max(1, Math.min(opts.rate, Math.max(2, opts.rate / 10)));
    this.#minRate = opts.minRate ?? Math.min(opts.rate, Math.max(0.5, opts.rate / 20));
    this.#decreaseFactor = opts.decreaseFactor ?? 0.7;
    this.#increasePerSecond = opts.increasePerSecond ?? 0.05;
    this.#burstThreshold = opts.burstThreshold ?? 3;
    this.#burstWindowMs = opts.burstWindowMs ?? 1000;
    this.#now = opts.now ?? (() => performance.now());
    this.#rate = opts.rate;
    this.#last = this.#now();
  }

  /** The most the bucket releases per second (AIMD grows back up to it). */
  get ceiling(): number {
    return this.#ceiling;
  }

  /**
   * Moves the ceiling (this worker's share of a limit other workers use too). The current rate
   * follows at once, unless 429s had slowed it: then it only falls, and grows back additively.
   */
  setCeiling(rate: number): void {
    if (!(rate > 0) || !Number.isFinite(rate)) throw new RangeError(`rate must be a positive number, got ${rate}`);
    this.#pump();
    const old = this.#ceiling;
    this.#ceiling = rate;
    // At its old ceiling (no 429 had slowed it): follow the share both ways. Slowed by 429s: only fall.
    if (this.#rate > rate || this.#rate >= old) this.#rate = rate;
    this.#reschedule();
  }

  /** The rate the bucket currently releases tokens at (≤ ceiling). */
  get rate(): number {
    return this.#rate;
  }

  get waiting(): number {
    return this.#queue.length;
  }

  /** Resolves when the caller may send one request. */
  acquire(signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(new AbortedError());
    return new Promise<void>((resolve, reject) => {
      const entry: Waiter = { grant: resolve, reject, ...(signal ? { signal } : {}) };
      if (signal) {
        entry.onAbort = () => {
          const i = this.#queue.indexOf(entry);
          if (i >= 0) this.#queue.splice(i, 1);
          reject(new AbortedError());
        };
        signal.addEventListener('abort', entry.onAbort, { once: true });
      }
      this.#queue.push(entry);
      this.#pump();
    });
  }

  /** Retry-After: nothing leaves before `seconds` from now. */
  pause(seconds: number): void {
    const until = this.#now() + Math.max(0, seconds) * 1000;
    if (until > this.#pausedUntil) {
      this.stats.pausedMs += until - Math.max(this.#pausedUntil, this.#now());
      this.#pausedUntil = until;
      this.#tokens = 0;
      this.#last = until;
      this.#reschedule();
    }
  }

  /** The target answered 429: pause for its Retry-After (or a second), and shrink on a burst. */
  rateLimited(retryAfterSeconds?: number): void {
    const now = this.#now();
    this.stats.rateLimited++;
    this.#last429 = now;
    this.#recent429.push(now);
    while (this.#recent429.length && (this.#recent429[0] as number) < now - this.#burstWindowMs) this.#recent429.shift();
    const pauseSeconds = retryAfterSeconds !== undefined && retryAfterSeconds >= 0 ? retryAfterSeconds : 1;
    if (this.#recent429.length >= this.#burstThreshold && now - this.#lastDecrease > Math.max(this.#burstWindowMs, pauseSeconds * 1000)) {
      this.#rate = Math.max(this.#minRate, this.#rate * this.#decreaseFactor);
      this.#lastDecrease = now;
      this.stats.decreases++;
    }
    this.pause(pauseSeconds);
  }

  /** Stops the timer; pending acquirers are rejected. */
  close(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    for (const e of this.#queue.splice(0)) {
      if (e.onAbort) e.signal?.removeEventListener('abort', e.onAbort);
      e.reject(new AbortedError());
    }
  }

  #refill(now: number): void {
    if (now <= this.#last) return;
    const dt = now - this.#last;
    // Additive increase: only once a second has passed without a 429.
    if (this.#rate < this.#ceiling && now - this.#last429 > 1000) {
      this.#rate = Math.min(this.#ceiling, this.#rate + (this.#ceiling * this.#increasePerSecond * dt) / 1000);
    }
    this.#tokens = Math.min(this.burst, this.#tokens + (dt * this.#rate) / 1000);
    this.#last = now;
  }

  #pump(): void {
    const now = this.#now();
    if (now >= this.#pausedUntil) {
      this.#refill(now);
      while (this.#queue.length > 0 && this.#tokens >= 1) {
        this.#tokens -= 1;
        const e = this.#queue.shift()!;
        if (e.onAbort) e.signal?.removeEventListener('abort', e.onAbort);
        this.stats.granted++;
        e.grant();
      }
    }
    this.#reschedule();
  }

  #reschedule(): void {
    if (this.#timer) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    if (this.#queue.length === 0) return;
    const now = this.#now();
    const wait = now < this.#pausedUntil ? this.#pausedUntil - now : ((1 - this.#tokens) * 1000) / this.#rate;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#pump();
    }, Math.max(1, Math.ceil(wait)));
  }
}
