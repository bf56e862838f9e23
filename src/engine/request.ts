import { Semaphore } from './concurrency.js';
import { TokenBucket } from './rate-limit.js';
import { backoffMs, sleep } from '../lib/backoff.js';
import { classify, DEFAULT_RETRY, exhausted, FatalRunError, type Failure, type RetryPolicy } from './retry.js';

/** A record-level failure: the record goes to the quarantine with this code and reason. */
export class RecordFailure extends Error {
  readonly failure: Failure;
  constructor(failure: Failure) {
    super(failure.message);
    this.name = 'RecordFailure';
    this.failure = failure;
  }
}

export type RequestKind = 'read' | 'write';

export interface RequesterOptions {
  concurrency: number;
  /** Requests per second for the shared bucket (writes, and reads unless `readRate` is given). */
  rate: number;
  /** A separate rate for reads (lookups), when the target limits them apart. */
  readRate?: number;
  retry?: RetryPolicy;
  signal?: AbortSignal;
  /** Overrides for the bucket (tests). */
  bucket?: TokenBucket;
}

/**
 * The one gate every request to the target passes: a concurrency permit (a true bound on requests
 * in flight), then a token from the shared bucket, then the call. Permits are not held while a
 * record sleeps in back-off, so sleeping records do not starve the others. Reads take their tokens
 * from a bucket of their own when the target documents a separate read limit.
 */
export class Requester {
  readonly slots: Semaphore;
  readonly bucket: TokenBucket;
  /** The bucket lookups use: `bucket` itself unless a read rate was given. */
  readonly readBucket: TokenBucket;
  readonly policy: RetryPolicy;
  readonly signal: AbortSignal | undefined;
  requests = 0;

  constructor(opts: RequesterOptions) {
    this.slots = new Semaphore(opts.concurrency);
    this.bucket = opts.bucket ?? new TokenBucket({ rate: opts.rate });
    this.readBucket = opts.readRate !== undefined ? new TokenBucket({ rate: opts.readRate }) : this.bucket;
    this.policy = opts.retry ?? DEFAULT_RETRY;
    this.signal = opts.signal;
  }

  /**
   * Sends one request. A 429 is always sent again once the bucket allows (it was not applied);
   * any other failure is thrown as a Failure-carrying RecordFailure, or FatalRunError.
   * `beforeSend` runs once, after the permit and token, right before the first send: that is
   * where the ledger records the write-ahead 'writing' state.
   */
  async once<T>(fn: () => Promise<T>, beforeSend?: () => unknown, kind: RequestKind = 'write'): Promise<T> {
    const bucket = kind === 'read' ? this.readBucket : this.bucket;
    let rateLimited = 0;
    let first = true;
    for (;;) {
      await this.slots.acquire(this.signal);
      let result: { ok: true; value: T } | { ok: false; error: unknown };
      let sent = false;
      try {
        await bucket.acquire(this.signal);
        if (first && beforeSend) await beforeSend();
        first = false;
        this.requests++;
        sent = true;
        result = { ok: true, value: await fn() };
      } catch (e) {
        if (!sent) throw e; // aborted (or the ledger failed) before anything was sent
        result = { ok: false, error: e };
      } finally {
        this.slots.release();
      }
      if (result.ok) return result.value;
      const f = classify(result.error);
      if (f.kind === 'rate-limited') {
        bucket.rateLimited(f.retryAfterSeconds);
        if (++rateLimited >= this.policy.maxRateLimited) throw new RecordFailure({ ...f, kind: 'skippable', message: `${f.message} (still rate limited after ${rateLimited} tries)` });
        continue;
      }
      if (f.kind === 'fatal') throw new FatalRunError(f);
      throw new RecordFailure(f);
    }
  }

  /** An idempotent request: retriable failures are retried with jittered back-off. */
  async call<T>(fn: () => Promise<T>, beforeSend?: () => unknown, kind: RequestKind = 'write'): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.once(fn, attempt === 1 ? beforeSend : undefined, kind);
      } catch (e) {
        if (!(e instanceof RecordFailure) || e.failure.kind !== 'retriable') throw e;
        if (attempt >= this.policy.maxAttempts) throw new RecordFailure(exhausted(e.failure, attempt));
        await this.backoff(attempt);
      }
    }
  }

  backoff(attempt: number): Promise<void> {
    return sleep(backoffMs(attempt, this.policy.backoff), this.signal);
  }

  /** 429s answered to reads and writes. */
  get rateLimited(): number {
    return this.bucket.stats.rateLimited + (this.readBucket === this.bucket ? 0 : this.readBucket.stats.rateLimited);
  }

  close(): void {
    this.bucket.close();
    if (this.readBucket !== this.bucket) this.readBucket.close();
  }
}
