/**
 * npm run bench:gateway [-- --users 200 --concurrency 8 --pairs 200] [--smoke] [--json]
 *
 * In one run, on this machine (2 cores here):
 *  1. raw bcrypt: cost-10 verifications/s with @node-rs/bcrypt, the physical limit of any JIT
 *     login from a bcrypt export (measured before and after the JIT runs; the mean is used);
 *  2. JIT logins/s through the gateway over HTTP (legacy = a generated Clerk export's bcrypt cost-10
 *     hashes, target = Better Auth on SQLite, state = SQLite), every login a first login:
 *     `native` (the default: the typed password is also hashed by the target: two slow hashes per
 *     login) and `import-hash` (the export's hash is written with the user: one slow hash);
 *     goal: JIT/raw ≥ 0.9;
 *  3. the latency a routed login adds for an already-migrated user: the same logins through the
 *     gateway (HTTP) and straight at the target (in process), interleaved; reported as the
 *     difference of p99s and as the p99 of the per-request overhead (routed time minus the time
 *     spent in the target inside that request); goal: p99 overhead < 5 ms;
 *  4. timing equality and the hash bomb (bench/gateway-security.ts): `--samples` interleaved failed
 *     logins of each kind (default 200), and other users' p99 beside a hammered `$2b$31$` user
 *     (`--security-only` runs this part alone).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { availableParallelism } from 'node:os';
import { generate, openSource, openTarget, serve, type CanonicalUser, type Target } from '../src/app/index.js';
import { formatSecurityBench, runSecurityBench } from './gateway-security.js';

type JitPasswordMode = 'native' | 'import-hash';

export interface GatewayBenchOptions {
  users: number;
  concurrency: number;
  pairs: number;
  /** Routed logins against the instant target, for the gateway-alone latency. */
  aloneRequests: number;
}

export interface GatewayBenchResult {
  cores: number;
  users: number;
  concurrency: number;
  rawBcryptPerSec: number;
  jit: Record<JitPasswordMode, { loginsPerSec: number; ratio: number }>;
  migrated: {
    pairs: number;
    routedP50Ms: number;
    routedP99Ms: number;
    directP50Ms: number;
    directP99Ms: number;
    addedP99Ms: number;
    overheadP50Ms: number;
    overheadP99Ms: number;
  };
  /**
   * The gateway alone: routed logins of migrated users against an instant in-process target (its
   * login answers at once), so the whole round trip is what the gateway adds: HTTP, validation,
   * limiter, state lookup, routing, metrics. Sequential requests over keep-alive.
   */
  gatewayAlone: { requests: number; p50Ms: number; p90Ms: number; p99Ms: number };
}

const SECRET = 'bench-secret-0123456789abcdef0123456789abcdef';

function pct(values: number[], p: number): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))] ?? 0;
}

async function pool<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      for (let i = next++; i < items.length; i = next++) await fn(items[i]!);
    }),
  );
}

/**
 * A target that records how long each login spent inside it (for the per-request overhead), and
 * whose login can be made instant (for the gateway-alone latency).
 */
class TimedTarget {
  readonly spans: number[] = [];
  instant = false;
  constructor(readonly inner: Target) {}
  wrap(): Target {
    const self = this;
    return new Proxy(this.inner, {
      get(t, prop, receiver) {
        if (prop === 'login')
          return async (identifier: string, password: string) => {
            if (self.instant) return { ok: true as const, userId: 'instant' };
            const start = performance.now();
            try {
              return await t.login(identifier, password);
            } finally {
              self.spans.push(performance.now() - start);
            }
          };
        const v = Reflect.get(t, prop, receiver);
        return typeof v === 'function' ? v.bind(t) : v;
      },
    });
  }
}

async function rawBcrypt(hashes: { hash: string; password: string }[], concurrency: number): Promise<number> {
  const { verify } = await import('@node-rs/bcrypt');
  const start = performance.now();
  await pool(hashes, concurrency, async (h) => {
    if (!(await verify(h.password, h.hash))) throw new Error('bench: a known password did not verify');
  });
  return (hashes.length * 1000) / (performance.now() - start);
}

/** The gateway as `flagless serve` starts it (through the app API), on a target this bench times. */
async function startGateway(dir: string, name: string, csv: string, mode: JitPasswordMode, timed = false) {
  const { target, label } = await openTarget({ to: 'better-auth', env: { BETTER_AUTH_SECRET: SECRET }, db: join(dir, `${name}-target.db`) });
  const t = timed ? new TimedTarget(target) : undefined;
  try {
    const handle = await serve({
      from: 'clerk',
      source: { file: csv },
      target: { open: t ? t.wrap() : target, label },
      state: join(dir, `${name}-state.db`),
      legacy: 'export',
      jitPassword: mode,
      logLevel: 'silent',
      limits: { perAddress: { limit: 1_000_000, windowMs: 60_000 }, perIdentifier: { limit: 1_000_000, windowMs: 60_000 } },
      port: 0,
      env: {},
    });
    return {
      url: handle.url,
      target,
      timed: t,
      async close() {
        await handle.close();
        await target.close();
      },
    };
  } catch (e) {
    await target.close();
    throw e;
  }
}

/** Users of the export by login identifier (folded as the gateway folds them), to pick the bench's users. */
async function usersByIdentifier(csv: string): Promise<Map<string, CanonicalUser[]>> {
  const byId = new Map<string, CanonicalUser[]>();
  const fold = (s: string) => s.trim().normalize('NFC').toLowerCase();
  for await (const item of (await openSource({ from: 'clerk', file: csv, env: {} })).read()) {
    if (item.type !== 'user') continue;
    const keys = new Set(item.user.emails.map((e) => fold(e.address)));
    if (item.user.username) keys.add(fold(item.user.username));
    for (const k of keys) byId.set(k, [...(byId.get(k) ?? []), item.user]);
  }
  return byId;
}

/** An application's server-side client: node:http with keep-alive (fetch/undici adds ~0.5 ms per call here). */
const agent = new Agent({ keepAlive: true, maxSockets: 64 });

function login(url: string, body: { identifier: string; password: string }): Promise<void> {
  const u = new URL(url);
  const payload = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(
      { host: u.hostname, port: u.port, path: '/v1/login', method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`bench: login answered ${res.statusCode}: ${Buffer.concat(chunks).toString()}`))));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

export async function runGatewayBench(opts: GatewayBenchOptions, log: (line: string) => void = () => undefined): Promise<GatewayBenchResult> {
  const dir = mkdtempSync(join(tmpdir(), 'flagless-bench-gateway-'));
  try {
    // Enough users that `users` of them have a bcrypt hash (the generator mixes in argon2id).
    const csv = join(dir, 'users.csv');
    const plaintexts = join(dir, 'logins.csv');
    await generate({ from: 'clerk', users: Math.ceil(opts.users * 3) + 20, out: csv, seed: 'bench-gateway', plaintexts, clean: true });
    const index = await usersByIdentifier(csv);
    const { parse } = await import('csv-parse/sync');
    const all = parse(await (await import('node:fs/promises')).readFile(plaintexts, 'utf8'), { columns: true }) as { identifier: string; password: string }[];
    const logins = all
      .map((l) => ({ l, u: index.get(l.identifier.trim().normalize('NFC').toLowerCase())?.length === 1 ? index.get(l.identifier.trim().normalize('NFC').toLowerCase())![0] : undefined }))
      .filter(({ u }) => u && !u.disabled && u.password?.algorithm === 'bcrypt' && Number(u.password.params.cost) === 10)
      .slice(0, opts.users);
    if (logins.length < opts.users) throw new Error(`bench: only ${logins.length} bcrypt cost-10 users generated`);
    const bodies = logins.map(({ l }) => l);
    const hashes = logins.map(({ l, u }) => ({ hash: u!.password!.phc.reveal(), password: l.password }));
    log(`bench: ${bodies.length} users with bcrypt cost 10, concurrency ${opts.concurrency}, ${availableParallelism()} cores`);

    const raw1 = await rawBcrypt(hashes, opts.concurrency);
    log(`  raw bcrypt verify: ${raw1.toFixed(1)}/s`);
    const jit = {} as GatewayBenchResult['jit'];
    for (const mode of ['native', 'import-hash'] as const) {
      const gw = await startGateway(dir, mode, csv, mode);
      try {
        const start = performance.now();
        await pool(bodies, opts.concurrency, (b) => login(gw.url, b));
        jit[mode] = { loginsPerSec: (bodies.length * 1000) / (performance.now() - start), ratio: 0 };
        log(`  JIT logins (${mode}): ${jit[mode].loginsPerSec.toFixed(1)}/s`);
      } finally {
        await gw.close();
      }
    }
    const raw2 = await rawBcrypt(hashes, opts.concurrency);
    log(`  raw bcrypt verify (again): ${raw2.toFixed(1)}/s`);
    const raw = (raw1 + raw2) / 2;
    for (const mode of ['native', 'import-hash'] as const) jit[mode].ratio = jit[mode].loginsPerSec / raw;

    // Migrated users: move them first (import-hash, quick), then sign each in once at the target so
    // it holds its native hash, as a migrated user's target does after the first sign-in.
    const gw = await startGateway(dir, 'latency', csv, 'import-hash', true);
    try {
      const sample = bodies.slice(0, Math.min(bodies.length, opts.pairs));
      await pool(sample, opts.concurrency, (b) => login(gw.url, b));
      for (const b of sample) await gw.target.login(b.identifier, b.password);
      const routed: number[] = [];
      const direct: number[] = [];
      const overhead: number[] = [];
      for (let i = 0; i < opts.pairs; i++) {
        const b = sample[i % sample.length]!;
        const d0 = performance.now();
        const r = await gw.target.login(b.identifier, b.password);
        if (!r.ok) throw new Error('bench: a migrated user could not sign in at the target');
        direct.push(performance.now() - d0);
        const before = gw.timed!.spans.length;
        const r0 = performance.now();
        await login(gw.url, b);
        const total = performance.now() - r0;
        routed.push(total);
        const inside = gw.timed!.spans.slice(before).reduce((a, x) => a + x, 0);
        overhead.push(total - inside);
      }
      // The gateway alone: the same routed logins with the target answering at once.
      gw.timed!.instant = true;
      const alone: number[] = [];
      for (let i = 0; i < opts.aloneRequests; i++) {
        const t0 = performance.now();
        await login(gw.url, sample[i % sample.length]!);
        alone.push(performance.now() - t0);
      }
      gw.timed!.instant = false;
      const result: GatewayBenchResult = {
        cores: availableParallelism(),
        users: bodies.length,
        concurrency: opts.concurrency,
        rawBcryptPerSec: raw,
        jit,
        migrated: {
          pairs: opts.pairs,
          routedP50Ms: pct(routed, 50),
          routedP99Ms: pct(routed, 99),
          directP50Ms: pct(direct, 50),
          directP99Ms: pct(direct, 99),
          addedP99Ms: pct(routed, 99) - pct(direct, 99),
          overheadP50Ms: pct(overhead, 50),
          overheadP99Ms: pct(overhead, 99),
        },
        gatewayAlone: { requests: opts.aloneRequests, p50Ms: pct(alone, 50), p90Ms: pct(alone, 90), p99Ms: pct(alone, 99) },
      };
      return result;
    } finally {
      await gw.close();
    }
  } finally {
    agent.destroy();
    rmSync(dir, { recursive: true, force: true });
  }
}

export function formatGatewayBench(r: GatewayBenchResult): string {
  const f = (n: number) => n.toFixed(1);
  const m = r.migrated;
  return [
    `flagless gateway benchmark (${r.cores} cores, ${r.users} users, concurrency ${r.concurrency})`,
    `  raw bcrypt cost-10 verifications: ${f(r.rawBcryptPerSec)}/s`,
    `  JIT logins, native password:      ${f(r.jit.native.loginsPerSec)}/s  ratio ${r.jit.native.ratio.toFixed(2)} (two slow hashes per login: bcrypt + the target's scrypt)`,
    `  JIT logins, import-hash:          ${f(r.jit['import-hash'].loginsPerSec)}/s  ratio ${r.jit['import-hash'].ratio.toFixed(2)} (goal ≥ 0.90)`,
    `  migrated user, ${m.pairs} logins: routed p50 ${f(m.routedP50Ms)} ms / p99 ${f(m.routedP99Ms)} ms; direct p50 ${f(m.directP50Ms)} ms / p99 ${f(m.directP99Ms)} ms`,
    `  added latency: p99(routed) − p99(direct) = ${f(m.addedP99Ms)} ms (goal < 5 ms); per-request overhead p50 ${m.overheadP50Ms.toFixed(2)} ms / p99 ${m.overheadP99Ms.toFixed(2)} ms`,
    `  the gateway alone (instant target, ${r.gatewayAlone.requests} routed logins): p50 ${r.gatewayAlone.p50Ms.toFixed(2)} ms / p90 ${r.gatewayAlone.p90Ms.toFixed(2)} ms / p99 ${r.gatewayAlone.p99Ms.toFixed(2)} ms (goal p99 < 5 ms)`,
  ].join('\n');
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { users: { type: 'string' }, concurrency: { type: 'string' }, pairs: { type: 'string' }, samples: { type: 'string' }, 'security-only': { type: 'boolean' }, 'figures-only': { type: 'boolean' }, smoke: { type: 'boolean' }, json: { type: 'boolean' } } });
  const smoke = values.smoke === true;
  const opts: GatewayBenchOptions = {
    users: Number(values.users ?? (smoke ? 8 : 200)),
    concurrency: Number(values.concurrency ?? (smoke ? 4 : 8)),
    pairs: Number(values.pairs ?? (smoke ? 6 : 200)),
    aloneRequests: smoke ? 50 : 2000,
  };
  const result = values['security-only'] ? undefined : await runGatewayBench(opts, (l) => process.stderr.write(`${l}\n`));
  const samples = Number(values.samples ?? (smoke ? 10 : 200));
  // --figures-only: the figures above alone, as the benchmark measured before the security part existed (old-vs-new comparisons).
  const security = values['figures-only'] ? undefined : await runSecurityBench({ samples, bombLogins: smoke ? 20 : 200 }, (l) => process.stderr.write(`${l}\n`));
  if (values.json) process.stdout.write(`${JSON.stringify({ ...result, security }, null, 2)}\n`);
  else process.stdout.write(`${result ? `${formatGatewayBench(result)}\n` : ''}${security ? `${formatSecurityBench(security)}\n` : ''}`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((e) => {
    process.stderr.write(`bench:gateway failed: ${(e as Error).stack ?? e}\n`);
    process.exitCode = 1;
  });
}
