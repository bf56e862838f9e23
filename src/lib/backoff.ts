// Back-off and cancellable sleep: shared by the engine's retries and connectors' own polling.

export class AbortedError extends Error {
  constructor() {
    super('aborted');
    this.name = 'AbortedError';
  }
}

export interface BackoffOptions {
  /** First delay ceiling, ms. */
  baseMs: number;
  /** Largest delay, ms. */
  maxMs: number;
  random?: () => number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 200, maxMs: 20_000 };

/** "Full jitter" exponential back-off: uniform in [0, min(max, base·2^attempt)], at least 1 ms. */
export function backoffMs(attempt: number, opts: BackoffOptions = DEFAULT_BACKOFF): number {
  const ceiling = Math.min(opts.maxMs, opts.baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.max(1, Math.round((opts.random ?? Math.random)() * ceiling));
}

/** Sleeps `ms`; rejects with AbortedError as soon as the signal fires. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.reject(new AbortedError());
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(new AbortedError());
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
