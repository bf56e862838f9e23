/**
 * The security half of `npm run bench:gateway` (issue 13):
 *
 *  1. timing equality: four kinds of failed login, interleaved (unknown identifier, wrong password
 *     of a bcrypt user, of an argon2 user, of a user already migrated to the target), `samples`
 *     each, one at a time over keep-alive; the medians and the largest difference between two of
 *     them (goal < 10 ms: the answer's time does not say which kind it was);
 *  2. hash bomb: other users' wrong-password logins (a full legacy verification each), alone
 *     (baseline) and while 4 parallel loops hammer one user whose hash is bcrypt cost 31 (`$2b$31$`:
 *     days of CPU per check), in up to 4 alternating segments of each; their p99 beside the bomb
 *     over the baseline's (goal ≤ 2).
 *
 * Legacy = a generated Clerk export (bcrypt cost 10 and argon2id hashes), target = Better Auth on
 * SQLite, state = SQLite, the gateway over HTTP as an application calls it.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { generate, openSource, serve, type CanonicalUser } from '../src/app/index.js';

export interface SecurityBenchOptions {
  /** Samples per kind of failed login (timing equality). */
  samples: number;
  /** Other users' logins in each phase of the hash-bomb run. */
  bombLogins: number;
}

export type FailureKind = 'unknown user' | 'wrong password, bcrypt user' | 'wrong password, argon2 user' | 'wrong password, migrated user';

export interface SecurityBenchResult {
  timing: { samples: number; medianMs: Record<FailureKind, number>; maxMedianDifferenceMs: number };
  hashBomb: { logins: number; baselineP50Ms: number; baselineP99Ms: number; bombP50Ms: number; bombP99Ms: number; ratioP99: number; bombAttempts: number; bombStatuses: Record<string, number> };
}

const SECRET = 'bench-secret-0123456789abcdef0123456789abcdef';
/** The salt and hash of a real cost-4 bcrypt, at cost 31. */
const BOMB = '$2b$31$1dkiwu131.pidqow.V2SmutUPi6huXS1M9uY7yCX9HOyXxwucliae';
const KINDS: FailureKind[] = ['unknown user', 'wrong password, bcrypt user', 'wrong password, argon2 user', 'wrong password, migrated user'];

function pct(values: number[], p: number): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))] ?? 0;
}

const agent = new Agent({ keepAlive: true, maxSockets: 64 });

/** One login; a keep-alive socket the server closed just as it was reused is retried once on a fresh one. */
async function post(url: string, body: { identifier: string; password: string }): Promise<number> {
  return (await answer(url, body)).status;
}

async function answer(url: string, body: { identifier: string; password: string }): Promise<{ status: number; text: string }> {
  try {
    return await postOnce(url, body);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ECONNRESET') throw e;
    return postOnce(url, body);
  }
}

function postOnce(url: string, body: { identifier: string; password: string }): Promise<{ status: number; text: string }> {
  const u = new URL(url);
  const payload = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request({ host: u.hostname, port: u.port, path: '/v1/login', method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString() }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(payload);
  });
}

async function timed(url: string, body: { identifier: string; password: string }, expect: number): Promise<number> {
  const t0 = performance.now();
  const r = await answer(url, body);
  const ms = performance.now() - t0;
  if (r.status !== expect) throw new Error(`bench: a login answered ${r.status} (${r.text}), expected ${expect}`);
  return ms;
}

/** The gateway as `flagless serve` starts it (through the app API). */
async function gatewayOn(dir: string, name: string, csv: string) {
  const handle = await serve({
    from: 'clerk',
    source: { file: csv },
    target: { to: 'better-auth', db: join(dir, `${name}-target.db`), env: { BETTER_AUTH_SECRET: SECRET } },
    state: join(dir, `${name}-state.db`),
    legacy: 'export',
    jitPassword: 'import-hash',
    logLevel: 'silent',
    limits: { perAddress: { limit: 1_000_000, windowMs: 60_000 }, perIdentifier: { limit: 1_000_000, windowMs: 60_000 }, perAccount: { limit: 1_000_000, windowMs: 60_000 } },
    port: 0,
    env: { BETTER_AUTH_SECRET: SECRET },
  });
  return { url: handle.url, close: () => handle.close() };
}

export async function runSecurityBench(opts: SecurityBenchOptions, log: (line: string) => void = () => undefined): Promise<SecurityBenchResult> {
  const dir = mkdtempSync(join(tmpdir(), 'flagless-bench-security-'));
  try {
    const csv = join(dir, 'users.csv');
    const plaintexts = join(dir, 'logins.csv');
    const wanted = Math.min(opts.samples, 40);
    await generate({ from: 'clerk', users: wanted * 8 + 40, out: csv, seed: 'bench-security', plaintexts, clean: true });
    const all = parse(readFileSync(plaintexts, 'utf8'), { columns: true }) as { identifier: string; password: string }[];

    // One user becomes the bomb: same export, its hash replaced by a cost-31 one.
    const lines = readFileSync(csv, 'utf8').split('\n');
    const header = lines[0]!.split(',');
    const digest = header.indexOf('password_digest');
    const emailCol = header.indexOf('primary_email_address');
    const bombRow = lines.findIndex((l, i) => i > 0 && l.split(',')[digest]?.startsWith('$2') && l.split(',')[emailCol]);
    const bombCells = lines[bombRow]!.split(',');
    const bombEmail = bombCells[emailCol]!;
    bombCells[digest] = BOMB;
    lines[bombRow] = bombCells.join(',');
    writeFileSync(csv, lines.join('\n'));

    const byIdentifier = new Map<string, CanonicalUser[]>();
    const fold = (s: string) => s.trim().normalize('NFC').toLowerCase();
    for await (const item of (await openSource({ from: 'clerk', file: csv, env: {} })).read()) {
      if (item.type !== 'user') continue;
      for (const key of new Set([...item.user.emails.map((e) => fold(e.address)), ...(item.user.username ? [fold(item.user.username)] : [])])) byIdentifier.set(key, [...(byIdentifier.get(key) ?? []), item.user]);
    }
    const userOf = (l: { identifier: string }) => {
      const users = byIdentifier.get(fold(l.identifier)) ?? [];
      return users.length === 1 ? users[0] : undefined;
    };
    const usable = all.filter((l) => {
      const u = userOf(l);
      return u && !u.disabled && u.passwordPlan === 'import' && fold(l.identifier) !== fold(bombEmail);
    });
    const algo = (l: { identifier: string }) => userOf(l)!.password!;
    const bcrypt = usable.filter((l) => algo(l).algorithm === 'bcrypt' && Number(algo(l).params.cost) === 10);
    const argon2 = usable.filter((l) => algo(l).algorithm.startsWith('argon2'));
    if (bcrypt.length < wanted * 2 || argon2.length < 2) throw new Error(`bench: ${bcrypt.length} bcrypt and ${argon2.length} argon2 users generated; more needed`);
    const migrating = bcrypt.slice(0, wanted);
    const bcryptWrong = bcrypt.slice(wanted);

    // 1. Timing equality.
    const gw = await gatewayOn(dir, 'timing', csv);
    let timing: SecurityBenchResult['timing'];
    try {
      for (const l of migrating) await timed(gw.url, l, 200);
      const samples: Record<FailureKind, number[]> = { 'unknown user': [], 'wrong password, bcrypt user': [], 'wrong password, argon2 user': [], 'wrong password, migrated user': [] };
      const bodyOf = (kind: FailureKind, i: number) => {
        switch (kind) {
          case 'unknown user':
            return { identifier: `nobody-${i}@unknown.example`, password: `guess-${i}` };
          case 'wrong password, bcrypt user':
            return { identifier: bcryptWrong[i % bcryptWrong.length]!.identifier, password: `guess-${i}` };
          case 'wrong password, argon2 user':
            return { identifier: argon2[i % argon2.length]!.identifier, password: `guess-${i}` };
          case 'wrong password, migrated user':
            return { identifier: migrating[i % migrating.length]!.identifier, password: `guess-${i}` };
        }
      };
      // Warm-up: one of each, not counted.
      for (const k of KINDS) await timed(gw.url, bodyOf(k, 0), 401);
      for (let i = 0; i < opts.samples; i++) {
        // A different order each round, so no kind always follows another.
        const order = [...KINDS].sort(() => Math.random() - 0.5);
        for (const k of order) samples[k].push(await timed(gw.url, bodyOf(k, i + 1), 401));
        if ((i + 1) % 50 === 0) log(`  timing: ${i + 1}/${opts.samples} rounds`);
      }
      const medianMs = Object.fromEntries(KINDS.map((k) => [k, pct(samples[k], 50)])) as Record<FailureKind, number>;
      const medians = Object.values(medianMs);
      timing = { samples: opts.samples, medianMs, maxMedianDifferenceMs: Math.max(...medians) - Math.min(...medians) };
      // Printed at once (stderr): the hash-bomb part that follows is long on a busy machine.
      log(`  timing medians: ${KINDS.map((k) => `${k} ${medianMs[k].toFixed(1)} ms`).join('; ')}; largest difference ${timing.maxMedianDifferenceMs.toFixed(1)} ms`);
    } finally {
      await gw.close();
    }

    // 2. Hash bomb.
    const bombGw = await gatewayOn(dir, 'bomb', csv);
    let hashBomb: SecurityBenchResult['hashBomb'];
    try {
      const others = bcryptWrong;
      const run = async (n: number, from: number) => {
        const times: number[] = [];
        for (let i = from; i < from + n; i++) times.push(await timed(bombGw.url, { identifier: others[i % others.length]!.identifier, password: `guess-${i}` }, 401));
        return times;
      };
      for (let i = 0; i < 5; i++) await timed(bombGw.url, { identifier: others[i % others.length]!.identifier, password: 'warm' }, 401);
      // Alone and beside the bomb in alternating segments, so both series share the machine's
      // conditions (a busy machine's load drifts over minutes; one block after the other measured
      // the drift as much as the bomb).
      const segments = Math.max(1, Math.min(4, Math.floor(opts.bombLogins / 10)));
      const per = Math.ceil(opts.bombLogins / segments);
      const baseline: number[] = [];
      const beside: number[] = [];
      const statuses: Record<string, number> = {};
      let attempts = 0;
      for (let seg = 0; seg < segments; seg++) {
        baseline.push(...(await run(per, 2 * seg * per)));
        let hammering = true;
        const hammer = Array.from({ length: 4 }, async (_, h) => {
          while (hammering) {
            const s = await post(bombGw.url, { identifier: bombEmail, password: `bomb-${h}-${attempts++}` }).catch((e: NodeJS.ErrnoException) => e.code ?? 'error');
            statuses[s] = (statuses[s] ?? 0) + 1;
          }
        });
        await new Promise((r) => setTimeout(r, 200));
        beside.push(...(await run(per, (2 * seg + 1) * per).finally(() => (hammering = false))));
        await Promise.all(hammer);
      }
      hashBomb = {
        logins: baseline.length,
        baselineP50Ms: pct(baseline, 50),
        baselineP99Ms: pct(baseline, 99),
        bombP50Ms: pct(beside, 50),
        bombP99Ms: pct(beside, 99),
        ratioP99: pct(beside, 99) / pct(baseline, 99),
        bombAttempts: attempts,
        bombStatuses: statuses,
      };
    } finally {
      await bombGw.close();
    }
    return { timing, hashBomb };
  } finally {
    agent.destroy();
    rmSync(dir, { recursive: true, force: true });
  }
}

export function formatSecurityBench(r: SecurityBenchResult): string {
  const f = (n: number) => n.toFixed(1);
  const t = r.timing;
  const b = r.hashBomb;
  return [
    `  timing equality (${t.samples} interleaved samples each, median ms):`,
    ...KINDS.map((k) => `    ${k.padEnd(31)} ${f(t.medianMs[k]).padStart(7)}`),
    `    largest difference of medians:  ${f(t.maxMedianDifferenceMs).padStart(7)} ms (goal < 10 ms)`,
    `  hash-bomb: other users' logins (${b.logins} each run) p50 ${f(b.baselineP50Ms)} / p99 ${f(b.baselineP99Ms)} ms alone; p50 ${f(b.bombP50Ms)} / p99 ${f(b.bombP99Ms)} ms beside 4 parallel logins of a $2b$31$ user (${b.bombAttempts} attempts, answers ${JSON.stringify(b.bombStatuses)}); p99 ratio ${b.ratioP99.toFixed(2)} (goal ≤ 2)`,
  ].join('\n');
}
