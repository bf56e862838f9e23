/**
 * `npm run bench:migrate`: how close `migrate` runs to a target's rate limit.
 *
 * N users (default 5,000) go into the local WorkOS simulator through the real WorkOS connector
 * (official SDK over HTTP), the simulator enforcing a fixed write limit (default 50/s, WorkOS's
 * documented 500 per 10 s). Utilization = write requests the simulator accepted per second ÷ the
 * limit, over the whole `migrate` call (planning included). Then the same with 10% faults
 * (5xx, dropped connections, replies lost after the write was applied): every record must end
 * done, none quarantined, none doubled.
 *
 * A third case, `orgs`, moves 2,000 users, 20 organizations and 2,000 memberships against a simulator
 * that counts reads and writes against one budget: ratio = (the writes the data needs ÷ the limit) ÷
 * wall time, so every read spent and every idle moment shows.
 *
 * A fourth, `workers`, runs three `migrate` workers on one PostgreSQL ledger against the same one
 * budget: utilization and the share of requests refused with 429 show whether they shared it.
 *
 * Flags: --users N, --org-users N, --rate-limit R, --only clean|faults|orgs|workers, --smoke (200 users at 100/s: seconds; a test runs it).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import bcrypt from '@node-rs/bcrypt';
import { TARGET_MODULES } from '../src/connectors/index.js';
import { startWorkosSimulator } from '../src/connectors/workos/sim/server.js';
import { migrate } from '../src/engine/run.js';
import { PostgresStore } from '../src/state/ledger/postgres.js';
import { SqliteStore } from '../src/state/ledger/sqlite.js';
import type { StateStore } from '../src/state/ledger/types.js';
import { dropSchema } from '../test/helpers/state.js';
import { normalizeEmail } from '../src/model/email.js';
import { secret } from '../src/model/secret.js';
import { emptyUser, type CanonicalUser } from '../src/model/user.js';
import type { Source, SourceItem } from '../src/protocol/source.js';

export interface BenchCase {
  name: string;
  users: number;
  rateLimit: number;
  faults: string;
  /** Organizations; each user is a member of one (users ÷ organizations per organization). */
  organizations?: number;
  /** Reads and writes count against one budget at the simulator (the stricter stub). */
  sharedBudget?: boolean;
  /** Parallel `migrate` workers on one PostgreSQL ledger (each its own store, bucket and target client). */
  workers?: number;
  /** The simulator's burst (default: 10 s of the limit, WorkOS's documented window); a smoke run makes it short. */
  burst?: number;
}

export interface BenchResult extends BenchCase {
  seconds: number;
  acceptedWrites: number;
  usersCreated: number;
  quarantined: number;
  pending: number;
  duplicates: number;
  rateLimited: number;
  /** Accepted write requests per second ÷ the limit. */
  utilization: number;
  /** Users created per second ÷ the limit (what faults cost). */
  goodput: number;
  acceptedReads: number;
  organizationsCreated: number;
  membershipsCreated: number;
  /** The writes the data needs (users + organizations + memberships) ÷ the limit, in seconds. */
  limitBoundSeconds: number;
  /** limitBoundSeconds ÷ wall time: 1.0 is a run that spent the budget on nothing but the needed writes. */
  limitRatio: number;
  /** Requests the simulator refused with 429, as a fraction of all it received. */
  rateLimitedShare: number;
}

/** Real bcrypt hashes (a small pool, reused: hashing is not what is measured). */
function hashPool(): string[] {
  return Array.from({ length: 8 }, (_, i) => bcrypt.hashSync(`bench password ${i}`, 4));
}

/**
 * One export: the workers of a case read the same pool of hashes, as workers reading one export
 * file do. (A pool each, salted anew, made every user's fingerprint differ between the workers: a
 * worker planning after another had settled users re-planned them as changed.)
 */
function users(n: number, organizations: number, pool: readonly string[]): Source {
  return {
    vendor: 'clerk',
    async *read(): AsyncIterable<SourceItem> {
      for (let o = 0; o < organizations; o++) {
        yield { type: 'organization', organization: { sourceId: `org_bench_${o}`, name: `Bench Org ${o}`, metadata: {} } };
      }
      for (let i = 0; i < n; i++) {
        const u: CanonicalUser = emptyUser(`user_bench_${String(i).padStart(7, '0')}`);
        const address = `bench.user.${i}@example.com`;
        u.emails = [{ address, normalized: normalizeEmail(address), verified: true, primary: true }];
        u.firstName = 'Bench';
        u.lastName = `User ${i}`;
        u.password = { algorithm: 'bcrypt', phc: secret(pool[i % pool.length]!), params: { cost: 4 }, insecure: false };
        u.passwordPlan = 'import';
        if (organizations > 0) u.memberships = [{ organizationId: `org_bench_${i % organizations}`, roles: [i % 10 === 0 ? 'admin' : 'member'] }];
        yield { type: 'user', user: u };
      }
    },
  };
}

/** A PostgreSQL ledger for the workers case (the machine's PostgreSQL; FLAGLESS_TEST_PG overrides). */
const PG_URL = process.env.FLAGLESS_TEST_PG ?? 'postgres://postgres@127.0.0.1:5432/test';

export async function runCase(c: BenchCase): Promise<BenchResult> {
  const sim = await startWorkosSimulator({ rateLimit: c.rateLimit, faults: c.faults, seed: 42, timeoutHoldMs: 5_000, sharedBudget: c.sharedBudget ?? false, ...(c.burst !== undefined ? { burst: c.burst } : {}) });
  const dir = mkdtempSync(join(tmpdir(), 'flagless-bench-'));
  const workers = c.workers ?? 1;
  const schema = `flagless_bench_${process.pid}_${Math.floor(Math.random() * 1e9)}`;
  const stores: StateStore[] = [];
  const pool = hashPool();
  try {
    for (let w = 0; w < workers; w++) stores.push(workers > 1 ? await PostgresStore.open(`${PG_URL}?schema=${schema}`) : SqliteStore.open(join(dir, 'state.db')));
    const connector = (await TARGET_MODULES.workos!()).target;
    const t0 = performance.now();
    const summaries = await Promise.all(
      stores.map(async (store) => {
        const target = await connector.open({ env: { WORKOS_API_KEY: sim.apiKey, WORKOS_CLIENT_ID: sim.clientId, WORKOS_TIMEOUT_MS: '3000' }, url: sim.url });
        return migrate({
          source: users(c.users, c.organizations ?? 0, pool),
          runKey: `bench→${c.name}`,
          sourceFingerprint: 'bench',
          target,
          targetLabel: `workos@${sim.url}`,
          store,
          concurrency: 8,
          rate: c.rateLimit,
          ...(process.env.FLAGLESS_BENCH_PROGRESS ? { onProgress: (p: { phase: string; done: number; writes: number }) => process.stderr.write(`  [${((performance.now() - t0) / 1000).toFixed(1)}s] ${p.phase} ${p.done} done, ${p.writes} writes\n`), progressIntervalMs: 2000 } : {}),
        });
      }),
    );
    const summary = summaries[0]!;
    // The first worker's summary was taken when it finished; the others may have settled records after.
    const tally = await stores[0]!.tally(summary.runId);
    const seconds = (performance.now() - t0) / 1000;
    const stats = sim.stats();
    const ext = sim.users().map((u) => u.external_id);
    const organizations = c.organizations ?? 0;
    const limitBoundSeconds = (c.users + organizations + (organizations > 0 ? c.users : 0)) / c.rateLimit;
    return {
      ...c,
      seconds: Math.round(seconds * 100) / 100,
      acceptedWrites: stats.acceptedWrites,
      usersCreated: stats.users,
      quarantined: summaries.reduce((n, s) => n + s.users.quarantined, 0),
      pending: tally.user.planned + tally.user.writing,
      duplicates: ext.length - new Set(ext).size,
      rateLimited: stats.rateLimited,
      utilization: Math.round((stats.acceptedWrites / seconds / c.rateLimit) * 1000) / 1000,
      goodput: Math.round((stats.users / seconds / c.rateLimit) * 1000) / 1000,
      acceptedReads: stats.acceptedReads,
      organizationsCreated: stats.organizations,
      membershipsCreated: stats.memberships,
      limitBoundSeconds,
      limitRatio: Math.round((limitBoundSeconds / seconds) * 1000) / 1000,
      rateLimitedShare: Math.round((stats.rateLimited / Math.max(1, stats.requests)) * 10000) / 10000,
    };
  } finally {
    if (workers > 1 && stores[0]) await dropSchema(stores[0]).catch(() => undefined);
    for (const s of stores) await s.close().catch(() => undefined);
    await sim.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

export const FAULTS_10 = '5xx=0.06,reset=0.02,reset-after-commit=0.02';

export function cases(opts: { users: number; rateLimit: number; orgUsers?: number }): BenchCase[] {
  const orgUsers = opts.orgUsers ?? 2000;
  return [
    { name: 'clean', users: opts.users, rateLimit: opts.rateLimit, faults: '' },
    { name: '10% faults', users: opts.users, rateLimit: opts.rateLimit, faults: FAULTS_10 },
    // The case: users, organizations and memberships against one budget for reads and writes.
    { name: 'orgs', users: orgUsers, organizations: Math.max(1, Math.round(orgUsers / 100)), rateLimit: opts.rateLimit, faults: '', sharedBudget: true },
    // Three workers on one PostgreSQL ledger against one 50/s budget: they must share it, not each take it whole.
    { name: 'workers', users: opts.users, rateLimit: opts.rateLimit, faults: '', sharedBudget: true, workers: 3 },
  ];
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { users: { type: 'string' }, 'org-users': { type: 'string' }, 'rate-limit': { type: 'string' }, only: { type: 'string' }, smoke: { type: 'boolean' } } });
  const smoke = values.smoke === true;
  const n = Number(values.users ?? (smoke ? 200 : 5000));
  const rateLimit = Number(values['rate-limit'] ?? (smoke ? 100 : 50));
  process.stderr.write(`bench:migrate: ${n} users into the WorkOS simulator at ${rateLimit} writes/s (expect ~${Math.ceil(n / rateLimit)} s per case)\n`);
  const results: BenchResult[] = [];
  const only = values.only;
  const orgUsers = Number(values['org-users'] ?? (smoke ? 200 : 2000));
  for (const c of cases({ users: n, rateLimit, orgUsers }).filter((x) => !only || x.name === only || (only === 'faults' && x.faults !== ''))) {
    const r = await runCase(c);
    results.push(r);
    process.stderr.write(
      `  ${r.name.padEnd(11)} ${r.users} users in ${r.seconds}s: utilization ${r.utilization} (accepted writes/s ÷ limit), goodput ${r.goodput}, created ${r.usersCreated}, quarantined ${r.quarantined}, duplicates ${r.duplicates}, 429s ${r.rateLimited}` +
        (r.organizations ? `; ${r.organizationsCreated} organizations, ${r.membershipsCreated} memberships, ${r.acceptedReads} reads, limit-bound ${r.limitBoundSeconds}s → ratio ${r.limitRatio}` : '') +
        (r.workers ? `; ${r.workers} workers, 429s ${(r.rateLimitedShare * 100).toFixed(2)} % of requests` : '') +
        '\n',
    );
  }
  process.stdout.write(JSON.stringify({ node: process.version, results }, null, 2) + '\n');
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((e) => {
    process.stderr.write(`bench:migrate failed: ${(e as Error).stack ?? String(e)}\n`);
    process.exitCode = 1;
  });
}
