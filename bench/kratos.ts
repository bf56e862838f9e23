/**
 * `npm run bench:kratos`: flagless `migrate` into Ory Kratos (the strict simulator, `flagless sim
 * kratos`'s server in this process), in one run:
 *
 * 1. Ory Network: N users (default 10,000) into a simulated project with the Production plan's
 *    limit on identity writes (bucket kratos-admin-low: 15 requests/s burst, 400/min sustained,
 *    429 + x-ratelimit-reset beyond), the target told the sustained limit (KRATOS_RATE_LIMIT_RPM=400)
 *    and sending 1,000-identity batches. Utilization = users/s achieved ÷ users/s the limit allows
 *    (400 batches of 1,000 per minute = 6,667 users/s). Goal ≥ 0.95.
 * 2. Self-hosted (no limit): the same users through flagless vs a bare loop that builds the same
 *    bodies and sends the same 1,000-identity PATCH /admin/identities batches (`--concurrency`
 *    requests in flight, both cases): the practical upper bound. Ratio = flagless users/s ÷ bare
 *    users/s over all rounds (alternating order). Goal ≥ 0.9.
 * Every case must end with exactly N identities, none quarantined, and a few users must sign in
 * through the native login flow with their original passwords.
 *
 * Flags: --users N, --rounds R (self-hosted, default 2), --concurrency C (default 4),
 * --smoke (2,000 users, 1 round: seconds; a test runs it).
 */
import { fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { target as kratosTarget } from '../src/connectors/kratos/index.js';
import { patchIdFor, toKratosIdentity } from '../src/connectors/kratos/map.js';
import { traitPlanOf } from '../src/connectors/kratos/schema.js';
import { startKratosSimulator, type KratosSimulatorOptions, type KratosSimulatorStats } from '../src/connectors/kratos/sim/server.js';
import { DEFAULT_IDENTITY_SCHEMA } from '../src/connectors/kratos/sim/traits.js';
import { migrate } from '../src/engine/run.js';
import { buildHashPool, type PooledHash } from '../src/lib/fake/hash-pool.js';
import { Prng } from '../src/lib/fake/prng.js';
import { normalizeEmail } from '../src/model/email.js';
import { emptyUser, type CanonicalUser } from '../src/model/user.js';
import type { Source, SourceItem } from '../src/protocol/source.js';
import type { Target } from '../src/protocol/target.js';
import { SqliteStore } from '../src/state/ledger/sqlite.js';

export interface KratosBenchOptions {
  users: number;
  rounds: number;
  concurrency: number;
  /**
   * Where the simulator runs: `process` (default), a process of its own, as Kratos is a server of
   * its own, so client and server work side by side on the cores; `in-process`, on the client's
   * JavaScript thread (the figures before session 9), where every millisecond of client work is a
   * millisecond the server does not run.
   */
  sim: 'process' | 'in-process';
}

/** The simulator as the bench sees it, wherever it runs. */
interface BenchSim {
  url: string;
  stats(): Promise<KratosSimulatorStats>;
  stop(): Promise<void>;
}

const SIM_CHILD = fileURLToPath(new URL('./kratos-sim-child.js', import.meta.url));

async function startSim(where: KratosBenchOptions['sim'], options: KratosSimulatorOptions): Promise<BenchSim> {
  if (where === 'in-process') {
    const sim = await startKratosSimulator(options);
    return { url: sim.url, stats: async () => sim.stats(), stop: () => sim.stop() };
  }
  const child = fork(SIM_CHILD, [JSON.stringify(options)], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = await new Promise<string>((resolve, reject) => {
    child.once('message', (m: { type: string; url: string }) => (m.type === 'ready' ? resolve(m.url) : reject(new Error(`simulator: ${JSON.stringify(m)}`))));
    child.once('exit', (code) => reject(new Error(`the simulator process exited (${code}) before it was ready`)));
  });
  let seq = 0;
  return {
    url,
    stats: () =>
      new Promise((resolve) => {
        const id = ++seq;
        const on = (m: { type: string; id: number; stats: KratosSimulatorStats }) => {
          if (m.type !== 'stats' || m.id !== id) return;
          child.off('message', on);
          resolve(m.stats);
        };
        child.on('message', on);
        child.send({ type: 'stats', id });
      }),
    async stop() {
      if (child.exitCode === null) child.send({ type: 'stop' });
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

export interface KratosCase {
  name: 'ory-network' | 'bare' | 'flagless';
  round: number;
  seconds: number;
  usersPerSecond: number;
  identities: number;
  quarantined: number;
  requests: number;
  rateLimited: number;
}

export interface KratosBenchResult extends KratosBenchOptions {
  cases: KratosCase[];
  oryNetwork: { limitUsersPerSecond: number; usersPerSecond: number; utilization: number };
  selfHosted: { bare: number; flagless: number; ratio: number };
  signIns: { tried: number; succeeded: number };
}

const BATCH = 1000;
const ORY_LIMIT = { perSecond: 15, perMinute: 400 };

function benchUser(i: number, tag: string, pool: PooledHash[]): CanonicalUser {
  const u = emptyUser(`user_bench_${tag}_${String(i).padStart(7, '0')}`);
  const address = `bench.${tag}.${i}@example.com`;
  u.emails = [{ address, normalized: normalizeEmail(address), verified: true, primary: true }];
  u.firstName = 'Bench';
  u.lastName = `User ${i}`;
  u.password = pool[i % pool.length]!.hash;
  u.passwordPlan = 'import';
  return u;
}

function source(n: number, tag: string, pool: PooledHash[]): Source {
  return {
    vendor: 'clerk',
    async *read(): AsyncIterable<SourceItem> {
      for (let i = 0; i < n; i++) yield { type: 'user', user: benchUser(i, tag, pool) };
    },
  };
}

async function signIn(t: Target, tag: string, n: number, pool: PooledHash[], tally: { tried: number; succeeded: number }): Promise<void> {
  for (const i of [0, Math.floor(n / 2), n - 1]) {
    tally.tried++;
    if ((await t.login(`bench.${tag}.${i}@example.com`, pool[i % pool.length]!.plaintext)).ok) tally.succeeded++;
  }
}

async function runFlagless(sim: BenchSim, opts: KratosBenchOptions, tag: string, pool: PooledHash[], dir: string, env: Record<string, string>, signIns: { tried: number; succeeded: number }): Promise<Omit<KratosCase, 'name' | 'round'>> {
  const t = await kratosTarget.open({ env: { KRATOS_ADMIN_URL: sim.url, KRATOS_PUBLIC_URL: sim.url, ...env } });
  const store = SqliteStore.open(join(dir, `state-${tag}.db`));
  try {
    const before = await sim.stats();
    const t0 = performance.now();
    const summary = await migrate({ source: source(opts.users, tag, pool), runKey: `bench→kratos-${tag}`, sourceFingerprint: 'bench', target: t, targetLabel: `kratos@${sim.url}`, store, concurrency: opts.concurrency });
    const seconds = (performance.now() - t0) / 1000;
    const after = await sim.stats();
    await signIn(t, tag, opts.users, pool, signIns);
    return {
      seconds,
      usersPerSecond: opts.users / seconds,
      identities: after.identities - before.identities,
      quarantined: summary.users.quarantined,
      requests: after.writeRequests - before.writeRequests,
      rateLimited: after.rateLimited - before.rateLimited,
    };
  } finally {
    await store.close();
    await t.close();
  }
}

/** The same bodies flagless sends, built and PATCHed by a bare loop, `concurrency` requests in flight. */
async function runBare(sim: BenchSim, opts: KratosBenchOptions, tag: string, pool: PooledHash[]): Promise<Omit<KratosCase, 'name' | 'round'>> {
  const ctx = { schemaId: 'default', traits: traitPlanOf(DEFAULT_IDENTITY_SCHEMA), totpIssuer: 'flagless' };
  const before = await sim.stats();
  const t0 = performance.now();
  let next = 0;
  const worker = async () => {
    for (;;) {
      const start = next;
      next += BATCH;
      if (start >= opts.users) return;
      const identities = [];
      for (let i = start; i < Math.min(opts.users, start + BATCH); i++) {
        const user = benchUser(i, tag, pool);
        identities.push({ patch_id: patchIdFor(user.sourceId), create: toKratosIdentity(user, { includePasswordHash: true, missingPassword: 'jit' }, ctx).body });
      }
      const res = await fetch(`${sim.url}/admin/identities`, { method: 'PATCH', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ identities }) });
      const body = (await res.json()) as { identities: { action: string }[] };
      if (res.status !== 200 || body.identities.some((i) => i.action !== 'create')) throw new Error(`bare batch failed: ${res.status}`);
    }
  };
  await Promise.all(Array.from({ length: opts.concurrency }, worker));
  const seconds = (performance.now() - t0) / 1000;
  const after = await sim.stats();
  return { seconds, usersPerSecond: opts.users / seconds, identities: after.identities - before.identities, quarantined: 0, requests: after.writeRequests - before.writeRequests, rateLimited: 0 };
}

export async function runKratosBench(opts: KratosBenchOptions, log: (line: string) => void = () => undefined): Promise<KratosBenchResult> {
  const pool = await buildHashPool('bcrypt', 16, new Prng('bench-kratos'), { cost: 10 });
  const dir = mkdtempSync(join(tmpdir(), 'flagless-bench-kratos-'));
  const cases: KratosCase[] = [];
  const signIns = { tried: 0, succeeded: 0 };
  try {
    // 1. Ory Network, Production plan limit.
    const ory = await startSim(opts.sim, { adminToken: 'ory_pat_bench', rateLimit: ORY_LIMIT, bcryptCost: 4 });
    try {
      const r = await runFlagless(ory, opts, 'ory', pool, dir, { ORY_API_KEY: 'ory_pat_bench', KRATOS_RATE_LIMIT_RPM: String(ORY_LIMIT.perMinute) }, signIns);
      cases.push({ name: 'ory-network', round: 1, ...r });
      log(`  Ory Network: ${opts.users} users in ${r.seconds.toFixed(2)} s = ${r.usersPerSecond.toFixed(0)}/s (${r.requests} write requests, ${r.rateLimited} answered 429)`);
    } finally {
      await ory.stop();
    }
    // 2. Self-hosted: bare PATCH loop vs flagless, alternating.
    for (let round = 1; round <= opts.rounds; round++) {
      const runs: (() => Promise<void>)[] = [
        async () => {
          const sim = await startSim(opts.sim, { bcryptCost: 4 });
          try {
            const r = await runBare(sim, opts, `bare${round}`, pool);
            cases.push({ name: 'bare', round, ...r });
            log(`  round ${round} bare PATCH loop: ${r.usersPerSecond.toFixed(0)} users/s (${r.requests} requests)`);
          } finally {
            await sim.stop();
          }
        },
        async () => {
          const sim = await startSim(opts.sim, { bcryptCost: 4 });
          try {
            const r = await runFlagless(sim, opts, `flagless${round}`, pool, dir, {}, signIns);
            cases.push({ name: 'flagless', round, ...r });
            log(`  round ${round} flagless: ${r.usersPerSecond.toFixed(0)} users/s (${r.requests} requests, ${r.quarantined} quarantined)`);
          } finally {
            await sim.stop();
          }
        },
      ];
      for (const run of round % 2 === 1 ? runs : runs.reverse()) await run();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const rate = (name: KratosCase['name']) => {
    const cs = cases.filter((c) => c.name === name);
    return Math.round((cs.length * opts.users) / cs.reduce((s, c) => s + c.seconds, 0));
  };
  const limitUsersPerSecond = Math.round((ORY_LIMIT.perMinute * BATCH) / 60);
  const oryRate = rate('ory-network');
  const bare = rate('bare');
  const flagless = rate('flagless');
  return {
    ...opts,
    cases: cases.map((c) => ({ ...c, seconds: Math.round(c.seconds * 100) / 100, usersPerSecond: Math.round(c.usersPerSecond) })),
    oryNetwork: { limitUsersPerSecond, usersPerSecond: oryRate, utilization: Math.round((oryRate / limitUsersPerSecond) * 1000) / 1000 },
    selfHosted: { bare, flagless, ratio: Math.round((flagless / bare) * 1000) / 1000 },
    signIns,
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { users: { type: 'string' }, rounds: { type: 'string' }, concurrency: { type: 'string' }, sim: { type: 'string' }, smoke: { type: 'boolean' }, help: { type: 'boolean' } } });
  if (values.help) {
    process.stdout.write(
      'npm run bench:kratos -- [--users N] [--rounds R] [--concurrency C] [--smoke]\n' +
        '  Ory Network case (Production limit, 1,000-identity batches): utilization of the limit.\n' +
        '  Self-hosted: flagless migrate vs a bare PATCH loop of the same batches, alternating over R rounds.\n' +
        '  --users N (default 10000), --rounds R (default 2), --concurrency C requests in flight (default 4), --smoke: 2,000 users, 1 round.\n' +
        '  --sim process|in-process: the simulator in a process of its own (default: as Kratos is a server of its own) or on the client\'s thread.\n',
    );
    return;
  }
  const sim = values.sim ?? 'process';
  if (sim !== 'process' && sim !== 'in-process') throw new Error(`--sim must be process or in-process, not ${sim}`);
  const opts: KratosBenchOptions = values.smoke
    ? { users: 2000, rounds: 1, concurrency: Number(values.concurrency ?? 4), sim }
    : { users: Number(values.users ?? 10_000), rounds: Number(values.rounds ?? 2), concurrency: Number(values.concurrency ?? 4), sim };
  process.stderr.write(`bench:kratos: ${opts.users} users, ${opts.rounds} self-hosted round(s), concurrency ${opts.concurrency}, simulator ${opts.sim === 'process' ? 'in its own process' : 'in this process'}\n`);
  const r = await runKratosBench(opts, (line) => process.stderr.write(`${line}\n`));
  process.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main().catch((e) => {
    process.stderr.write(`${(e as Error).stack ?? String(e)}\n`);
    process.exit(1);
  });
}
