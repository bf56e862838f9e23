import { isFlaglessError } from '../../protocol/errors.js';
import type { Target } from '../../protocol/target.js';
import { TokenBucket } from '../rate-limit.js';

/**
 * The target as sync calls it: every call waits for a token of the target's documented rate
 * (writes, and reads on their own bucket when the target limits reads apart), and a 429 is sent
 * again once the bucket allows (a 429 was not applied), pausing the whole bucket for the server's
 * `Retry-After`. So sync keeps the target's write budget busy without being refused, and webhook
 * bursts queue in the inbox instead of failing at the target.
 */
const READS = new Set(['findUser', 'getUser', 'findOrganization', 'login']);
const PACED = new Set(['findUser', 'getUser', 'findOrganization', 'createUser', 'updateUser', 'createOrganization', 'updateOrganization', 'deleteOrganization', 'ensureMembership', 'deleteUser', 'setUserDisabled', 'removeMembership', 'repairUser', 'setPassword']);

export interface PacedTarget {
  target: Target;
  writes: TokenBucket;
  reads: TokenBucket;
}

export function pacedTarget(target: Target, opts: { maxRateLimited?: number } = {}): PacedTarget | undefined {
  const caps = target.capabilities;
  if (caps.rateLimitPerSecond === undefined) return undefined;
  const writes = new TokenBucket({ rate: caps.rateLimitPerSecond });
  const reads = caps.readRateLimitPerSecond !== undefined ? new TokenBucket({ rate: caps.readRateLimitPerSecond }) : writes;
  const maxRateLimited = opts.maxRateLimited ?? 20;
  const wrapped = new Proxy(target, {
    get(t, prop) {
      // The target itself as `this` (its getters and methods use private fields a proxy lacks).
      const value = Reflect.get(t, prop, t) as unknown;
      if (typeof prop !== 'string' || typeof value !== 'function' || !PACED.has(prop)) return typeof value === 'function' ? (value as Function).bind(t) : value;
      const bucket = READS.has(prop) ? reads : writes;
      return async (...args: unknown[]) => {
        for (let limited = 0; ; ) {
          await bucket.acquire();
          try {
            return await (value as (...a: unknown[]) => Promise<unknown>).apply(t, args);
          } catch (e) {
            if (!(isFlaglessError(e) && e.code === 'E_RATE_LIMITED') || ++limited > maxRateLimited) throw e;
            bucket.rateLimited(e.retryAfterSeconds);
          }
        }
      };
    },
  });
  return { target: wrapped, writes, reads };
}
