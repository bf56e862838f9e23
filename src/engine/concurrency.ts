import { AbortedError } from '../lib/backoff.js';

export { AbortedError };
/**
 * A counting semaphore: a real bound on how many things run at once.
 *
 * peers.md: the existing importer's `--concurrency 10` let 688 requests fly at once, because its
 * limiter woke every waiter together. Here a permit is handed to exactly one waiter (FIFO) when
 * another is released, so `inFlight` can never exceed `limit`; `maxInFlight` records the proof.
 */
export class Semaphore {
  readonly limit: number;
  #inFlight = 0;
  #maxInFlight = 0;
  readonly #waiters: { grant: () => void; reject: (e: Error) => void }[] = [];

  constructor(limit: number) {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`concurrency must be a positive integer, got ${limit}`);
    this.limit = limit;
  }

  get inFlight(): number {
    return this.#inFlight;
  }

  /** The highest number of permits ever held at once. */
  get maxInFlight(): number {
    return this.#maxInFlight;
  }

  get waiting(): number {
    return this.#waiters.length;
  }

  /** Resolves when a permit is held; rejects with AbortedError if the signal fires first. */
  acquire(signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(new AbortedError());
    if (this.#inFlight < this.limit && this.#waiters.length === 0) {
      this.#take();
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      const waiter = {
        grant: () => {
          signal?.removeEventListener('abort', onAbort);
          this.#take();
          resolve();
        },
        reject,
      };
      const onAbort = () => {
        const i = this.#waiters.indexOf(waiter);
        if (i >= 0) this.#waiters.splice(i, 1);
        reject(new AbortedError());
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#waiters.push(waiter);
    });
  }

  release(): void {
    if (this.#inFlight <= 0) throw new Error('Semaphore.release without acquire');
    this.#inFlight--;
    const next = this.#waiters.shift();
    if (next) next.grant();
  }

  /** Runs `fn` holding one permit. */
  async with<T>(fn: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    await this.acquire(signal);
    try {
      return await fn();
    } finally {
      this.release();
    }
  }

  #take(): void {
    this.#inFlight++;
    if (this.#inFlight > this.#maxInFlight) this.#maxInFlight = this.#inFlight;
  }
}

/**
 * Lets timers and I/O callbacks run. A target whose driver is synchronous underneath (SQLite)
 * resolves every promise at once, so a run would otherwise never leave the microtask queue: the
 * progress meter's timer, a signal handler's abort, never fired during a long SQLite import.
 */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
