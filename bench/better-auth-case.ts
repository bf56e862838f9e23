/**
 * One case of `npm run bench:better-auth` (see better-auth.ts): N generated users with bcrypt
 * hashes (a pool of real cost-10 hashes, reused), every fifth with a Google login, each a member
 * of one of N/100 organizations, into a fresh Better Auth schema on SQLite or PostgreSQL:
 *
 * - `flagless`: the `migrate` engine through the Better Auth target (plan pass, ledger of the same
 *   kind as the database: a SQLite file beside it, or a schema in the same PostgreSQL; write-ahead
 *   marks, batches of `capabilities.batchSize`);
 * - `reference`: the same rows (user, credential and social accounts, organization, member; the
 *   same column values but for random ids) as plain batched INSERTs into the same schema, 500
 *   users per transaction: prepared statements on SQLite, multi-row INSERTs on PostgreSQL.
 *
 * Both generate the users from the same seed inside the timing and start with the schema created.
 * Run alone in a process (better-auth-child.ts) so that peak RSS belongs to the case.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Database from 'better-sqlite3';
import pg from 'pg';
import { openFlaglessAuth } from '../src/connectors/better-auth/app.js';
import { target as betterAuthTarget } from '../src/connectors/better-auth/index.js';
import { migrate } from '../src/engine/run.js';
import { buildHashPool, type PooledHash } from '../src/lib/fake/hash-pool.js';
import { Prng } from '../src/lib/fake/prng.js';
import { normalizeEmail } from '../src/model/email.js';
import { emptyUser, type CanonicalUser, type Organization } from '../src/model/user.js';
import type { Source, SourceItem } from '../src/protocol/source.js';
import { openStateStore } from '../src/state/ledger/open.js';

export type BenchDb = 'sqlite' | 'postgres';
export type BenchMode = 'flagless' | 'reference';

export interface CaseOptions {
  mode: BenchMode;
  db: BenchDb;
  users: number;
  /** PostgreSQL server (a fresh schema is made in it and dropped after). */
  pgUrl?: string;
}

export interface CaseResult extends CaseOptions {
  seconds: number;
  /** CPU time (user + system) of this process over the same span: a diagnostic on a shared machine. */
  cpuSeconds: number;
  usersPerSecond: number;
  peakRssMb: number;
  rows: { users: number; accounts: number; organizations: number; members: number };
  quarantined: number;
  signIns: { tried: number; succeeded: number };
}

export const DEFAULT_PG = process.env.FLAGLESS_TEST_PG ?? 'postgres://postgres@127.0.0.1:5432/test';
const REFERENCE_BATCH = 500;
const HASH_POOL = 16;

export function orgCount(users: number): number {
  return Math.max(1, Math.floor(users / 100));
}

function benchOrg(j: number): Organization {
  return { sourceId: `org_bench_${String(j).padStart(6, '0')}`, name: `Bench Org ${j}`, slug: `bench-org-${j}`, metadata: { plan: j % 2 ? 'pro' : 'free' }, createdAt: '2024-01-01T00:00:00.000Z' };
}

function benchUser(i: number, orgs: number, pool: readonly PooledHash[]): CanonicalUser {
  const u = emptyUser(`user_bench_${String(i).padStart(7, '0')}`);
  const address = `bench.user.${i}@example.com`;
  u.emails = [{ address, normalized: normalizeEmail(address), verified: i % 3 !== 0, primary: true }];
  u.firstName = 'Bench';
  u.lastName = `User ${i}`;
  u.password = pool[i % pool.length]!.hash;
  u.passwordPlan = 'import';
  u.createdAt = new Date(Date.UTC(2023, 0, 1) + i * 1000).toISOString();
  if (i % 5 === 0) u.identities = [{ provider: 'google', providerUserId: `g-${i}`, kind: 'social' }];
  if (i % 7 === 0) u.metadata.public = { tier: 'gold' };
  u.memberships = [{ organizationId: benchOrg(i % orgs).sourceId, roles: [i % 50 === 0 ? 'org:admin' : 'org:member'] }];
  return u;
}

function benchSource(users: number, pool: readonly PooledHash[]): Source {
  const orgs = orgCount(users);
  return {
    vendor: 'clerk',
    async *read(): AsyncIterable<SourceItem> {
      for (let j = 0; j < orgs; j++) yield { type: 'organization', organization: benchOrg(j) };
      for (let i = 0; i < users; i++) yield { type: 'user', user: benchUser(i, orgs, pool) };
    },
  };
}

export async function benchHashPool(): Promise<PooledHash[]> {
  return buildHashPool('bcrypt', HASH_POOL, new Prng(15), { cost: 10 });
}

function pgSchemaUrl(base: string, schema: string): string {
  return `${base}${base.includes('?') ? '&' : '?'}options=${encodeURIComponent(`-c search_path=${schema}`)}`;
}

export async function runCase(opts: CaseOptions, pool?: readonly PooledHash[]): Promise<CaseResult> {
  const hashes = pool ?? (await benchHashPool());
  const dir = mkdtempSync(join(tmpdir(), 'flagless-bench-ba-'));
  const schema = `flagless_bench_${randomBytes(4).toString('hex')}`;
  const base = opts.pgUrl ?? DEFAULT_PG;
  const dbSpec = opts.db === 'sqlite' ? join(dir, 'auth.db') : pgSchemaUrl(base, schema);
  const admin = opts.db === 'postgres' ? new pg.Client({ connectionString: base }) : undefined;
  if (admin) {
    await admin.connect();
    await admin.query(`CREATE SCHEMA ${schema}`);
  }
  // The schema exists before the clock starts, for both cases (Better Auth's own migration).
  const app = await openFlaglessAuth(dbSpec, { secret: 'bench-application-secret-0123456789abcdef' });
  try {
    let seconds: number;
    let cpuSeconds: number;
    let quarantined = 0;
    if (opts.mode === 'flagless') {
      const target = await betterAuthTarget.open({ env: {}, db: dbSpec });
      const store = await openStateStore(opts.db === 'sqlite' ? join(dir, 'state.db') : `${base}${base.includes('?') ? '&' : '?'}schema=${schema}_ledger`);
      try {
        const t0 = performance.now();
        const cpu0 = process.cpuUsage();
        // FLAGLESS_BENCH_PHASES=1: when each phase of migrate started (wall and CPU time), on stderr (profiling).
        let phase = '';
        const onProgress = process.env.FLAGLESS_BENCH_PHASES
          ? (p: { phase: string }) => {
              if (p.phase !== phase) process.stderr.write(`${((performance.now() - t0) / 1000).toFixed(2)} s (CPU ${cpuOf(cpu0).toFixed(2)} s): ${(phase = p.phase)}\n`);
            }
          : undefined;
        const summary = await migrate({
          source: benchSource(opts.users, hashes),
          runKey: 'bench',
          sourceFingerprint: 'bench',
          target,
          targetLabel: 'better-auth',
          store,
          ...(onProgress ? { onProgress, progressIntervalMs: 50 } : {}),
        });
        seconds = (performance.now() - t0) / 1000;
        cpuSeconds = cpuOf(cpu0);
        quarantined = summary.quarantine?.length ?? 0;
        if (!summary.complete) throw new Error(`migrate did not complete: ${JSON.stringify(summary).slice(0, 2000)}`);
      } finally {
        await target.close();
        await store.close();
      }
    } else {
      const t0 = performance.now();
      const cpu0 = process.cpuUsage();
      await reference(opts, app.database.handle, hashes);
      seconds = (performance.now() - t0) / 1000;
      cpuSeconds = cpuOf(cpu0);
    }
    const rows = await countRows(app.database.handle, opts.db);
    // A few users sign in through Better Auth's own API with their original passwords.
    const tried = [0, 1, Math.floor(opts.users / 2), opts.users - 1];
    let succeeded = 0;
    for (const i of tried) {
      try {
        await app.auth.api.signInEmail({ body: { email: `bench.user.${i}@example.com`, password: hashes[i % hashes.length]!.plaintext } });
        succeeded++;
      } catch {
        /* counted as a failure */
      }
    }
    return {
      ...opts,
      seconds,
      cpuSeconds,
      usersPerSecond: opts.users / seconds,
      peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
      rows,
      quarantined,
      signIns: { tried: tried.length, succeeded },
    };
  } finally {
    await app.database.close();
    if (admin) {
      await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await admin.query(`DROP SCHEMA IF EXISTS ${schema}_ledger CASCADE`);
      await admin.end();
    }
    rmSync(dir, { recursive: true, force: true });
  }
}

function cpuOf(start: NodeJS.CpuUsage): number {
  const d = process.cpuUsage(start);
  return (d.user + d.system) / 1e6;
}

async function countRows(handle: Database.Database | pg.Pool, db: BenchDb): Promise<CaseResult['rows']> {
  const tables = { users: 'user', accounts: 'account', organizations: 'organization', members: 'member' } as const;
  const out = { users: 0, accounts: 0, organizations: 0, members: 0 };
  for (const [k, t] of Object.entries(tables) as [keyof typeof tables, string][]) {
    if (db === 'sqlite') out[k] = ((handle as Database.Database).prepare(`SELECT COUNT(*) AS n FROM "${t}"`).get() as { n: number }).n;
    else out[k] = Number((await (handle as pg.Pool).query<{ n: string }>(`SELECT COUNT(*) AS n FROM "${t}"`)).rows[0]!.n);
  }
  return out;
}

const ID_ALPHABET = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

/** A 32-character id like Better Auth's default generateId. */
function randomId(): string {
  const bytes = randomBytes(32);
  let s = '';
  for (let i = 0; i < 32; i++) s += ID_ALPHABET[bytes[i]! % ID_ALPHABET.length];
  return s;
}

type Tuple = unknown[];
interface Batch {
  user: Tuple[];
  account: Tuple[];
  organization: Tuple[];
  member: Tuple[];
}

const COLUMNS = {
  user: ['id', 'name', 'email', 'emailVerified', 'image', 'createdAt', 'updatedAt', 'publicMetadata', 'privateMetadata'],
  account: ['id', 'accountId', 'providerId', 'userId', 'password', 'createdAt', 'updatedAt'],
  organization: ['id', 'name', 'slug', 'createdAt', 'metadata'],
  member: ['id', 'organizationId', 'userId', 'role', 'createdAt'],
} as const;

/** The same rows flagless writes, by hand: what a one-off import script into Better Auth's schema would do. */
async function reference(opts: CaseOptions, handle: Database.Database | pg.Pool, pool: readonly PooledHash[]): Promise<void> {
  const sqlite = opts.db === 'sqlite';
  const date = (iso: string) => (sqlite ? iso : new Date(iso));
  const bool = (b: boolean) => (sqlite ? (b ? 1 : 0) : b);
  const write = sqlite ? sqliteWriter(handle as Database.Database) : pgWriter(handle as pg.Pool);
  const orgs = orgCount(opts.users);
  const empty = (): Batch => ({ user: [], account: [], organization: [], member: [] });
  let batch = empty();
  for (let j = 0; j < orgs; j++) {
    const o = benchOrg(j);
    batch.organization.push([o.sourceId, o.name, o.slug, date(o.createdAt!), JSON.stringify(o.metadata)]);
  }
  await write(batch);
  batch = empty();
  for (let i = 0; i < opts.users; i++) {
    const u = benchUser(i, orgs, pool);
    const e = u.emails[0]!;
    const at = u.createdAt!;
    const meta = Object.keys(u.metadata.public).length ? JSON.stringify(u.metadata.public) : null;
    batch.user.push([u.sourceId, `${u.firstName} ${u.lastName}`, normalizeEmail(e.address), bool(e.verified), null, date(at), date(at), meta, null]);
    batch.account.push([randomId(), u.sourceId, 'credential', u.sourceId, u.password!.phc.reveal(), date(at), date(at)]);
    for (const id of u.identities) batch.account.push([randomId(), id.providerUserId, id.provider, u.sourceId, null, date(at), date(at)]);
    for (const m of u.memberships) batch.member.push([randomId(), m.organizationId, u.sourceId, m.roles[0]!.replace(/^org:/, ''), date(new Date().toISOString())]);
    if (batch.user.length >= REFERENCE_BATCH) {
      await write(batch);
      batch = empty();
    }
  }
  await write(batch);
}

function sqliteWriter(db: Database.Database): (b: Batch) => Promise<void> {
  const stmts = Object.fromEntries(
    Object.entries(COLUMNS).map(([t, cols]) => [t, db.prepare(`INSERT INTO "${t}" (${cols.map((c) => `"${c}"`).join(', ')}) VALUES (${cols.map(() => '?').join(', ')})`)]),
  ) as Record<keyof Batch, Database.Statement>;
  const tx = db.transaction((b: Batch) => {
    for (const t of ['organization', 'user', 'account', 'member'] as const) for (const row of b[t]) stmts[t].run(...row);
  });
  return async (b) => tx(b);
}

function pgWriter(pool: pg.Pool): (b: Batch) => Promise<void> {
  return async (b) => {
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      for (const t of ['organization', 'user', 'account', 'member'] as const) {
        if (b[t].length === 0) continue;
        const cols = COLUMNS[t];
        const values: unknown[] = [];
        const tuples = b[t].map((row) => `(${row.map((v) => `$${values.push(v)}`).join(', ')})`);
        await client.query(`INSERT INTO "${t}" (${cols.map((c) => `"${c}"`).join(', ')}) VALUES ${tuples.join(', ')}`, values);
      }
      await client.query('COMMIT');
    } finally {
      client.release();
    }
  };
}
