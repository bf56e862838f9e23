import { FlaglessError } from '../protocol/errors.js';
import type { Target, TargetUserView } from '../protocol/target.js';
import { backoffMs, sleep } from '../lib/backoff.js';
import { classify, DEFAULT_RETRY, type RetryPolicy } from './retry.js';

/**
 * Reads every user of the target for `verify`, as `migrate` treats its requests: a transient
 * failure (a dropped connection, a timeout, a 5xx, a 429) does not abort the reconciliation. A
 * listing is a cursor over pages that cannot be resumed in the middle through the Target
 * interface, so it starts again from the first page (after `restart()` forgets what the failed
 * attempt saw), with jittered back-off, up to the policy's attempts; a 429 waits Retry-After and
 * counts apart. Anything else (bad credentials, a bug) throws at once.
 */
export async function listUsersWithRetry(
  target: Target,
  onUser: (v: TargetUserView) => void,
  opts: { restart: () => void; policy?: RetryPolicy; signal?: AbortSignal; onRetry?: (attempt: number, reason: string) => void },
): Promise<void> {
  const policy = opts.policy ?? DEFAULT_RETRY;
  let failures = 0;
  let rateLimited = 0;
  for (;;) {
    try {
      for await (const v of target.listUsers()) onUser(v);
      return;
    } catch (e) {
      const f = classify(e);
      if (f.kind === 'rate-limited' && ++rateLimited < policy.maxRateLimited) {
        opts.onRetry?.(failures + rateLimited, f.message);
        opts.restart();
        await sleep((f.retryAfterSeconds ?? 1) * 1000, opts.signal);
        continue;
      }
      if (f.kind !== 'retriable' && f.kind !== 'rate-limited') throw e;
      if (++failures >= policy.maxAttempts) {
        throw new FlaglessError(f.code, `listing the target's users failed ${failures} times: ${f.message}`, { errorClass: 'fatal', cause: e });
      }
      opts.onRetry?.(failures, f.message);
      opts.restart();
      await sleep(backoffMs(failures, policy.backoff), opts.signal);
    }
  }
}
