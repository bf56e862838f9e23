/**
 * `npm run bench:keycloak`: flagless `migrate` into a real Keycloak vs Keycloak's own partial import
 * of the same users posted directly (the practical upper bound), in one run, on one server.
 *
 * N users (default 10,000) with real bcrypt hashes (the generators' hash pool, cost 10) go into
 * fresh realms of the Keycloak that scripts/keycloak.mjs runs (flagless's extension verifies
 * bcrypt):
 *   - direct: the user representations flagless would send, built and posted by this script to
 *     POST /admin/realms/{realm}/partialImport (ifResourceExists FAIL), `--batch` users per request,
 *     `--concurrency` requests at a time: what a hand-written import script does at best;
 *   - flagless: the `migrate` engine (SQLite ledger, plan pass, write-ahead records, rate limiter)
 *     through the Keycloak target, same batch size (the target's capabilities) and concurrency.
 * The cases alternate (`--rounds`, default 2 each; direct first in odd rounds, flagless first in even
 * ones) so both see the same server warmth and background load; realms are deleted only at the end.
 * The ratio is flagless users/s ÷ direct users/s over all rounds.
 * Both realms must end with exactly N users, none quarantined, and a few flagless-migrated users
 * must sign in with their original passwords.
 *
 * Flags: --users N, --rounds R, --concurrency C (requests in flight, both cases; default 4),
 * --only direct|flagless (one case, for profiling), --smoke (200 users, 1 round: seconds; a test runs it).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { KeycloakAdminHttp } from '../src/connectors/keycloak/admin-http.js';
import { connectKeycloak } from '../src/connectors/keycloak/admin-client.js';
import { keycloakCapabilities } from '../src/connectors/keycloak/capabilities.js';
import { target as keycloakTarget } from '../src/connectors/keycloak/index.js';
import { toKeycloakUser } from '../src/connectors/keycloak/map.js';
import { prepareRealm } from '../src/connectors/keycloak/realm.js';
import type { KeycloakTarget } from '../src/connectors/keycloak/target.js';
import { buildHashPool, type PooledHash } from '../src/lib/fake/hash-pool.js';
import { Prng } from '../src/lib/fake/prng.js';
import { migrate } from '../src/engine/run.js';
import { SqliteStore } from '../src/state/ledger/sqlite.js';
import { normalizeEmail } from '../src/model/email.js';
import { emptyUser, type CanonicalUser } from '../src/model/user.js';
import type { Source, SourceItem } from '../src/protocol/source.js';
import { releaseKeycloak, useKeycloak } from '../test/keycloak/server-helper.js';

export interface KeycloakBenchOptions {
  users: number;
  rounds: number;
  concurrency: number;
  /** Run one case only (profiling). */
  only?: 'direct' | 'flagless';
}

export interface CaseResult {
  name: 'direct' | 'flagless';
  round: number;
  seconds: number;
  usersPerSecond: number;
  usersInRealm: number;
  quarantined: number;
  requests: number;
}

export interface KeycloakBenchResult extends KeycloakBenchOptions {
  keycloak: string;
  batchSize: number;
  cases: CaseResult[];
  direct: { seconds: number; usersPerSecond: number };
  flagless: { seconds: number; usersPerSecond: number };
  /** flagless users/s ÷ direct users/s (goal ≥ 0.9). */
  ratio: number;
  signIns: { tried: number; succeeded: number };
}

function benchUser(i: number, round: number, pool: PooledHash[]): CanonicalUser {
  const u = emptyUser(`user_bench_${round}_${String(i).padStart(7, '0')}`);
  const address = `bench.user.${i}@example.com`;
  u.emails = [{ address, normalized: normalizeEmail(address), verified: true, primary: true }];
  u.firstName = 'Bench';
  u.lastName = `User ${i}`;
  u.password = pool[i % pool.length]!.hash;
  u.passwordPlan = 'import';
  return u;
}

function source(n: number, round: number, pool: PooledHash[]): Source {
  return {
    vendor: 'clerk',
    async *read(): AsyncIterable<SourceItem> {
      for (let i = 0; i < n; i++) yield { type: 'user', user: benchUser(i, round, pool) };
    },
  };
}

async function usersIn(http: KeycloakAdminHttp): Promise<number> {
  return Number((await http.get<number>('/users/count', { what: 'count users' })).body);
}

async function deleteRealm(http: KeycloakAdminHttp): Promise<void> {
  await http.request('DELETE', '', { what: 'delete realm', accept: [404] });
}

/** Runs the cases on the server scripts/keycloak.mjs runs (started, with a lease, if needed; the caller releases it). */
export async function runKeycloakBench(opts: KeycloakBenchOptions, log: (line: string) => void = () => undefined): Promise<KeycloakBenchResult> {
  const kc = await useKeycloak();
  const conn = await connectKeycloak({ url: kc.url, username: kc.username, password: kc.password });
  const token = () => conn.admin.getAccessToken();
  const batch = keycloakCapabilities.batchSize;
  const pool = await buildHashPool('bcrypt', 16, new Prng('bench-keycloak'), { cost: 10 });
  const stamp = `${process.pid}-${Date.now().toString(36)}`;
  const cases: CaseResult[] = [];
  const signIns = { tried: 0, succeeded: 0 };
  const dir = mkdtempSync(join(tmpdir(), 'flagless-bench-kc-'));
  const realms: KeycloakAdminHttp[] = [];
  try {
    for (let round = 1; round <= opts.rounds; round++) {
      // direct: the same representations, posted straight to the partial import endpoint.
      const runDirect = async () => {
        const http = new KeycloakAdminHttp(kc.url, `bench-direct-${stamp}-${round}`, token);
        const realm = await prepareRealm(http);
        const t0 = performance.now();
        let next = 0;
        let requests = 0;
        await Promise.all(
          Array.from({ length: opts.concurrency }, async () => {
            while (next < opts.users) {
              const start = next;
              next = Math.min(opts.users, next + batch);
              const users = [];
              for (let i = start; i < next; i++) {
                const p = toKeycloakUser(benchUser(i, round, pool), { includePasswordHash: true, missingPassword: 'jit' }, realm.profile);
                users.push({ ...p.rep, credentials: p.credentials });
              }
              requests++;
              await http.request('POST', '/partialImport', { what: 'partial import', body: { ifResourceExists: 'FAIL', users } });
            }
          }),
        );
        const seconds = (performance.now() - t0) / 1000;
        const r: CaseResult = { name: 'direct', round, seconds, usersPerSecond: opts.users / seconds, usersInRealm: await usersIn(http), quarantined: 0, requests };
        cases.push(r);
        log(`  round ${round} direct:   ${opts.users} users in ${seconds.toFixed(2)} s = ${r.usersPerSecond.toFixed(0)}/s (${requests} requests)`);
        realms.push(http);
      };
      // flagless: the migrate engine through the Keycloak target.
      const runFlagless = async () => {
        const realmName = `bench-flagless-${stamp}-${round}`;
        const t = (await keycloakTarget.open({ env: { ...process.env, KEYCLOAK_URL: kc.url }, realm: realmName })) as KeycloakTarget;
        const store = SqliteStore.open(join(dir, `state-${round}.db`));
        const http = new KeycloakAdminHttp(kc.url, realmName, token);
        try {
          const writes0 = t.stats.writes;
          const t0 = performance.now();
          const summary = await migrate({
            source: source(opts.users, round, pool),
            runKey: `bench→keycloak-${stamp}-${round}`,
            sourceFingerprint: 'bench',
            target: t,
            targetLabel: `keycloak@${kc.url}/${realmName}`,
            store,
            concurrency: opts.concurrency,
          });
          const seconds = (performance.now() - t0) / 1000;
          const r: CaseResult = {
            name: 'flagless',
            round,
            seconds,
            usersPerSecond: opts.users / seconds,
            usersInRealm: await usersIn(http),
            quarantined: summary.users.quarantined,
            requests: t.stats.writes - writes0,
          };
          cases.push(r);
          log(`  round ${round} flagless: ${opts.users} users in ${seconds.toFixed(2)} s = ${r.usersPerSecond.toFixed(0)}/s (${r.requests} write requests, ${r.quarantined} quarantined)`);
          for (const i of [0, Math.floor(opts.users / 2), opts.users - 1]) {
            signIns.tried++;
            const login = await t.login(`bench.user.${i}@example.com`, pool[i % pool.length]!.plaintext);
            if (login.ok) signIns.succeeded++;
          }
        } finally {
          await store.close();
          await t.close();
          realms.push(http);
        }
      };
      // Alternating order (direct first in odd rounds, flagless first in even ones): neither case
      // always runs on a server still busy with the other's work.
      const order = round % 2 === 1 ? [runDirect, runFlagless] : [runFlagless, runDirect];
      for (const run of order) {
        if ((run === runDirect && opts.only === 'flagless') || (run === runFlagless && opts.only === 'direct')) continue;
        await run();
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
    // Realms are deleted at the end: a deletion running next to a measured case would slow it.
    for (const http of realms) await deleteRealm(http).catch(() => undefined);
  }
  const total = (name: CaseResult['name']) => {
    const seconds = cases.filter((c) => c.name === name).reduce((s, c) => s + c.seconds, 0);
    const users = cases.filter((c) => c.name === name).length * opts.users;
    return { seconds: Math.round(seconds * 100) / 100, usersPerSecond: Math.round(users / seconds) };
  };
  const direct = total('direct');
  const flagless = total('flagless');
  return {
    ...opts,
    keycloak: kc.version,
    batchSize: batch,
    cases: cases.map((c) => ({ ...c, seconds: Math.round(c.seconds * 100) / 100, usersPerSecond: Math.round(c.usersPerSecond) })),
    direct,
    flagless,
    ratio: Math.round((direct.seconds / flagless.seconds) * 1000) / 1000,
    signIns,
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { users: { type: 'string' }, rounds: { type: 'string' }, concurrency: { type: 'string' }, only: { type: 'string' }, smoke: { type: 'boolean' } } });
  const smoke = values.smoke === true;
  const opts: KeycloakBenchOptions = {
    users: Number(values.users ?? (smoke ? 200 : 10_000)),
    rounds: Number(values.rounds ?? (smoke ? 1 : 2)),
    concurrency: Number(values.concurrency ?? 4),
    ...(values.only === 'direct' || values.only === 'flagless' ? { only: values.only } : {}),
  };
  process.stderr.write(`bench:keycloak: ${opts.users} users with bcrypt hashes, direct partial import vs flagless migrate, ${opts.rounds} round(s) each, concurrency ${opts.concurrency}\n`);
  const r = await runKeycloakBench(opts, (line) => process.stderr.write(`${line}\n`)).finally(() => releaseKeycloak());
  process.stderr.write(
    `  direct ${r.direct.usersPerSecond}/s, flagless ${r.flagless.usersPerSecond}/s: ratio ${r.ratio} (goal ≥ 0.9); sign-ins ${r.signIns.succeeded}/${r.signIns.tried}\n`,
  );
  process.stdout.write(JSON.stringify({ node: process.version, ...r }, null, 2) + '\n');
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((e) => {
    process.stderr.write(`bench:keycloak failed: ${(e as Error).stack ?? String(e)}\n`);
    process.exitCode = 1;
  });
}
