/**
 * A `migrate` process for the crash tests: the engine, a SQLite ledger, and the fake target over
 * HTTP. The parent kills it with SIGKILL at chosen points and runs it again.
 * Environment: FAKE_URL, STATE_PATH, USERS, ORGS, CONCURRENCY.
 */
import { migrate } from '../../src/engine/run.js';
import { openStateStore } from '../../src/state/ledger/open.js';
import { makeFixture, memorySource } from './fixtures.js';
import { FAST_RETRY } from './harness.js';
import { HttpFakeTarget } from './http-fake.js';

const env = process.env;
const f = makeFixture({ users: Number(env.USERS), organizations: Number(env.ORGS), md5Every: 10 });
const target = new HttpFakeTarget(env.FAKE_URL!);
const store = await openStateStore(env.STATE_PATH!);
const summary = await migrate({
  source: memorySource(f),
  runKey: 'clerk→fake-http',
  sourceFingerprint: 'memory',
  target,
  targetLabel: 'fake-http',
  store,
  concurrency: Number(env.CONCURRENCY ?? 3),
  rate: 2000,
  retry: FAST_RETRY,
  batchSize: 10,
});
await store.close();
process.stdout.write(JSON.stringify(summary));
