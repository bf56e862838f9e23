import type { StateStore } from '../state/ledger/types.js';
import type { Requester } from './request.js';

/**
 * Several workers on one run share the target's rate limit: each takes the limit ÷ the workers
 * alive on the run (the store counts them from the locks PostgreSQL holds for live sessions), and
 * looks again every `intervalMs`, so a worker that joins or dies re-balances the others within
 * about a second. Without it each worker would pace itself at the whole limit and only the target's
 * 429s would slow the sum (measured: 4.3 % of requests refused with three workers).
 */
export interface RateShare {
  /** Workers counted at the last look. */
  readonly workers: number;
  stop(): void;
}

export async function shareRate(opts: {
  store: StateStore;
  runId: string;
  requester: Requester;
  /** The whole limit (writes), and the read limit when reads have their own. */
  rate: number;
  readRate?: number;
  intervalMs?: number;
}): Promise<RateShare> {
  const { store, requester } = opts;
  let workers = 1;
  const apply = (n: number) => {
    workers = Math.max(1, n);
    requester.bucket.setCeiling(opts.rate / workers);
    if (requester.readBucket !== requester.bucket && opts.readRate !== undefined) requester.readBucket.setCeiling(opts.readRate / workers);
  };
  if (!store.liveWorkers) return { workers, stop: () => undefined };
  const count = () => store.liveWorkers!(opts.runId);
  apply(await count());
  let busy = false;
  const timer = setInterval(() => {
    if (busy) return;
    busy = true;
    count()
      .then(apply)
      // A failed look keeps the last share: the ledger's own errors surface on its next write.
      .catch(() => undefined)
      .finally(() => (busy = false));
  }, opts.intervalMs ?? 1000);
  timer.unref();
  return {
    get workers() {
      return workers;
    },
    stop: () => clearInterval(timer),
  };
}
