import type { Logger } from 'pino';
import type { Target } from '../protocol/target.js';

/**
 * Wraps a target so that every call, its result and its failure are logged at debug level, for
 * `--log-level debug`. Arguments are logged as they are: hashes and TOTP secrets are `Secret`
 * values that serialise as "[redacted]", and a plaintext (login, setPassword) is replaced here.
 */
const PLAINTEXT_ARG: Record<string, number> = { login: 1, setPassword: 1 };

export function loggedTarget(target: Target, log: Logger): Target {
  if (!log.isLevelEnabled('debug')) return target;
  return new Proxy(target, {
    get(obj, prop) {
      const value = Reflect.get(obj, prop) as unknown;
      if (typeof value !== 'function' || typeof prop !== 'string' || prop === 'constructor') return value;
      return (...args: unknown[]) => {
        const shown = args.map((a, i) => (PLAINTEXT_ARG[prop] === i ? '[redacted]' : a));
        log.debug({ op: prop, args: shown }, `target.${prop}`);
        const started = performance.now();
        const result = (value as (...a: unknown[]) => unknown).apply(obj, args);
        if (result instanceof Promise) {
          return result.then(
            (r) => {
              // A password reset's link or code is a credential: never logged.
              const shown = prop === 'sendPasswordReset' && r && typeof r === 'object' ? { ...(r as object), ...('link' in r ? { link: '[redacted]' } : {}), ...('code' in r ? { code: '[redacted]' } : {}) } : r;
              log.debug({ op: prop, ms: Math.round(performance.now() - started), result: shown }, `target.${prop} ok`);
              return r;
            },
            (e: unknown) => {
              const err = e as { code?: string; message?: string };
              log.debug({ op: prop, ms: Math.round(performance.now() - started), error: { code: err.code, message: err.message } }, `target.${prop} failed`);
              throw e;
            },
          );
        }
        return result;
      };
    },
  });
}
