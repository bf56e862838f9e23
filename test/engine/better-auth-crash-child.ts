/**
 * A `migrate` process for the Better Auth crash test: the engine, a SQLite ledger, and the real
 * Better Auth target on a SQLite file, on its batched path. The parent kills it with SIGKILL at
 * chosen points and runs it again. KILL_METHOD / KILL_NTH / KILL_WHEN make this process kill itself
 * with SIGKILL at the KILL_NTH call of a target method, `before` it runs or `after` it returned
 * (the batch committed in Better Auth, the ledger not yet told).
 * Environment: AUTH_DB, STATE_PATH, USERS, ORGS, [KILL_METHOD, KILL_NTH, KILL_WHEN].
 */
import { target as betterAuthTarget } from '../../src/connectors/better-auth/index.js';
import { migrate } from '../../src/engine/run.js';
import type { Target } from '../../src/protocol/target.js';
import { openStateStore } from '../../src/state/ledger/open.js';
import { makeFixture, memorySource } from './fixtures.js';
import { FAST_RETRY } from './harness.js';

const env = process.env;
const f = makeFixture({ users: Number(env.USERS), organizations: Number(env.ORGS) });
const inner = await betterAuthTarget.open({ env: {}, db: env.AUTH_DB! });
let calls = 0;
const target: Target = env.KILL_METHOD
  ? new Proxy(inner, {
      get(obj, prop) {
        const v = Reflect.get(obj, prop) as unknown;
        if (prop !== env.KILL_METHOD || typeof v !== 'function') return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(obj) : v;
        return async (...args: unknown[]) => {
          const nth = ++calls === Number(env.KILL_NTH);
          if (nth && env.KILL_WHEN === 'before') process.kill(process.pid, 'SIGKILL');
          const result = await (v as (...a: unknown[]) => Promise<unknown>).apply(obj, args);
          if (nth) process.kill(process.pid, 'SIGKILL');
          return result;
        };
      },
    })
  : inner;
const store = await openStateStore(env.STATE_PATH!);
const summary = await migrate({
  source: memorySource(f),
  runKey: 'clerk→better-auth',
  sourceFingerprint: 'memory',
  target,
  targetLabel: 'better-auth',
  store,
  concurrency: 3,
  retry: FAST_RETRY,
  // Stream batches of 20: several user and membership batches in a small export.
  batchSize: 20,
});
await store.close();
await inner.close();
process.stdout.write(JSON.stringify(summary));
