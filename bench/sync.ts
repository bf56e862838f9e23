/**
 * `npm run bench:sync`: Clerk webhooks (signed with svix) into `flagless serve --sync`.
 *
 *  - better-auth: E events at R per second, 5 % delivered twice (a Svix retry, later) and 20 %
 *    reordered (swapped with one of the next few), into Better Auth on SQLite. Pass: every event
 *    applied exactly once (one inbox row each, applied once, none quarantined), lag p99
 *    (received → applied) < 2 s, and `verify` against Clerk's latest state finds nothing missing,
 *    extra or mismatched.
 *  - workos: the same stream, sent faster than the WorkOS simulator's write limit (its documented
 *    50 writes/s, 500 per 10 s burst): the inbox absorbs the excess and the worker keeps the write
 *    budget busy. Pass: as above (lag aside), and utilization = writes the simulator applied ÷
 *    (limit × seconds from the first event to the drained inbox) ≥ 0.9.
 *
 * Flags: --events 10000 --rate 50 --workos-rate 100 --users N (default events/10) --case better-auth,workos;
 * --smoke: 300 events (200 for workos), a test runs it. One JSON document on stdout, progress on stderr.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { migrate } from '../src/app/migrate.js';
import { serve } from '../src/app/serve.js';
import { verify } from '../src/app/verify.js';
import { startClerkSimulator, type ClerkSimulator } from '../src/connectors/clerk/sim/backend-api.js';
import { WebhookSigner, deliver, type SignedDelivery } from '../src/connectors/clerk/sim/webhooks.js';
import type { ClerkUserJson } from '../src/connectors/clerk/types.js';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import type { WorkosSimulatorStats } from '../src/connectors/workos/sim/server.js';
import { SqliteDriver } from '../src/state/sqlite-driver.js';
import { SyncStore, type SyncStats } from '../src/state/sync/store.js';

const { values: args } = parseArgs({
  options: {
    events: { type: 'string' },
    rate: { type: 'string', default: '50' },
    'workos-rate': { type: 'string', default: '100' },
    users: { type: 'string' },
    case: { type: 'string', default: 'better-auth,workos' },
    smoke: { type: 'boolean', default: false },
    seed: { type: 'string', default: '7' },
  },
});

const SECRET_KEY = 'sk_test_bench_sync';
const WEBHOOK_SECRET = `whsec_${Buffer.from('flagless-bench-sync-secret!!').toString('base64')}`;

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32);
}

function user(n: number): ClerkUserJson {
  const id = `user_bench${String(n).padStart(6, '0')}`;
  return {
    id,
    first_name: `First${n}`,
    last_name: `Last${n}`,
    primary_email_address_id: `idn_${id}`,
    email_addresses: [{ id: `idn_${id}`, email_address: `bench${n}@example.com`, verification: { status: 'verified', strategy: 'email_code' } }],
    public_metadata: { n },
    created_at: 1_700_000_000_000 + n,
    updated_at: 1_700_000_000_000 + n,
  };
}

/** E changes at Clerk: updates (70 %), creates (15 %), memberships (10 %), deletions (5 %). */
function makeChanges(sim: ClerkSimulator, initial: number, events: number, random: () => number): void {
  const live = Array.from({ length: initial }, (_, i) => user(i + 1).id);
  let next = initial + 1;
  let made = 0;
  sim.change.createOrganization({ id: 'org_bench', name: 'Bench' });
  made++;
  for (; made < events; made++) {
    const r = random();
    if (r < 0.15 || live.length < 10) {
      const u = user(next++);
      sim.change.createUser(u);
      live.push(u.id);
    } else if (r < 0.2) {
      const i = Math.floor(random() * live.length);
      sim.change.deleteUser(live[i]!);
      live.splice(i, 1);
    } else if (r < 0.3) {
      sim.change.setMembership(live[Math.floor(random() * live.length)]!, 'org_bench', random() < 0.5 ? 'org:admin' : 'org:member');
    } else {
      const id = live[Math.floor(random() * live.length)]!;
      sim.change.updateUser(id, { first_name: `F${made}`, public_metadata: { v: made } });
    }
  }
}

/** The delivery order: 20 % swapped with one of the next five, 5 % sent again later. */
function schedule(events: SignedDelivery[], random: () => number): { list: SignedDelivery[]; duplicates: number; reordered: number } {
  const list = [...events];
  let reordered = 0;
  for (let i = 0; i < list.length - 1; i++) {
    if (random() < 0.2 / 2) {
      // A swap moves two events; 10 % of positions swapped ≈ 20 % of events out of place.
      const j = Math.min(list.length - 1, i + 1 + Math.floor(random() * 5));
      [list[i], list[j]] = [list[j]!, list[i]!];
      reordered += 2;
    }
  }
  let duplicates = 0;
  const out = [...list];
  for (let i = 0; i < list.length; i++) {
    if (random() < 0.05) {
      const at = Math.min(out.length, i + duplicates + 1 + Math.floor(random() * 50));
      out.splice(at, 0, list[i]!);
      duplicates++;
    }
  }
  return { list: out, duplicates, reordered };
}

/** Sends at `rate` per second (each on its slot, a few in flight), Svix-style: re-signed, retried until 200. */
async function send(url: string, list: SignedDelivery[], rate: number): Promise<void> {
  const signer = new WebhookSigner(WEBHOOK_SECRET);
  const started = performance.now();
  const inflight = new Set<Promise<void>>();
  for (let i = 0; i < list.length; i++) {
    const due = started + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const d = list[i]!;
    const p = (async () => {
      for (let attempt = 0; ; attempt++) {
        const status = await deliver(`${url}/v1/sync/clerk`, signer.resign(d)).catch(() => 0);
        if (status === 200) return;
        if (attempt > 20) throw new Error(`delivery ${d.id} kept failing (${status})`);
        await new Promise((r) => setTimeout(r, 200 * (attempt + 1)));
      }
    })();
    inflight.add(p);
    void p.finally(() => inflight.delete(p));
    if (inflight.size >= 16) await Promise.race(inflight);
  }
  await Promise.all(inflight);
}

async function drained(store: SyncStore, timeoutMs: number): Promise<SyncStats> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const s = await store.stats();
    if (s.pending === 0) return s;
    if (Date.now() > deadline) throw new Error(`the inbox did not drain in time: ${JSON.stringify(s)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * The WorkOS simulator in its own process (`flagless sim workos`), as the real API is elsewhere:
 * its request handling does not take CPU from the gateway being measured.
 */
async function startWorkosProcess(seed: number): Promise<{ url: string; apiKey: string; stats(): Promise<WorkosSimulatorStats>; stop(): Promise<void> }> {
  const child: ChildProcess = spawn(process.execPath, [new URL('../bin/flagless.js', import.meta.url).pathname.replace('/dist/bin/', '/bin/'), 'sim', 'workos', '--port', '0', '--json', '--seed', String(seed)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const info = await new Promise<{ url: string; apiKey: string }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the WorkOS simulator did not start')), 30_000);
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const line = out.split('\n').find((l) => l.trim().startsWith('{'));
      if (line) {
        clearTimeout(timer);
        resolve(JSON.parse(line) as { url: string; apiKey: string });
      }
    });
    child.once('exit', (code) => reject(new Error(`the WorkOS simulator exited (${code})`)));
  });
  return {
    ...info,
    stats: async () => (await (await fetch(`${info.url}/_sim/stats`)).json()) as WorkosSimulatorStats,
    async stop() {
      if (child.exitCode !== null) return;
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      await exited;
    },
  };
}

export interface CaseResult {
  case: 'better-auth' | 'workos';
  events: number;
  deliveries: number;
  duplicatesSent: number;
  reorderedSent: number;
  rate: number;
  inboxRows: number;
  appliedOnce: boolean;
  quarantined: number;
  duplicate: number;
  outOfOrder: number;
  lagP50Ms?: number;
  lagP99Ms?: number;
  seconds: number;
  verify: { missing: number; extra: number; mismatches: number; missingMemberships: number; duplicates: number };
  workos?: { limit: number; writesApplied: number; reads: number; rateLimited: number; windowSeconds: number; utilization: number };
  pass: boolean;
}

async function runCase(kind: 'better-auth' | 'workos', events: number, rate: number, initial: number, seed: number): Promise<CaseResult> {
  const dir = mkdtempSync(join(tmpdir(), 'flagless-bench-sync-'));
  const random = rng(seed);
  const env: Record<string, string> = { CLERK_SECRET_KEY: SECRET_KEY, CLERK_WEBHOOK_SECRET: WEBHOOK_SECRET };
  const sim = await startClerkSimulator({ users: Array.from({ length: initial }, (_, i) => user(i + 1)) }, { secretKey: SECRET_KEY, webhookSecret: WEBHOOK_SECRET });
  let workos: Awaited<ReturnType<typeof startWorkosProcess>> | undefined;
  const state = join(dir, 'state.db');
  try {
    let target: { to: string; db?: string; url?: string; env: Record<string, string> };
    if (kind === 'workos') {
      workos = await startWorkosProcess(seed);
      target = { to: 'workos', url: workos.url, env: { WORKOS_API_KEY: workos.apiKey } };
    } else target = { to: 'better-auth', db: join(dir, 'auth.db'), env: {} };
    Object.assign(env, target.env);
    process.stderr.write(`bench:sync ${kind}: importing ${initial} users…\n`);
    await migrate({ source: { from: 'clerk', api: true, apiUrl: sim.url, env }, target: { ...target, env }, state });
    makeChanges(sim, initial, events, random);
    const made = sim.outbox.splice(0);
    const { list, duplicates, reordered } = schedule(made, random);
    const gw = await serve({ from: 'clerk', legacy: 'api', source: { apiUrl: sim.url }, target: { ...target, env }, state, env, port: 0, logLevel: 'silent', sync: { onDelete: "delete" } });
    const driver = new SqliteDriver(state);
    const store = await SyncStore.attach(driver);
    let stats: SyncStats;
    const w0 = await workos?.stats();
    const started = performance.now();
    try {
      process.stderr.write(`bench:sync ${kind}: ${list.length} deliveries (${made.length} events, ${duplicates} repeated, ${reordered} reordered) at ${rate}/s…\n`);
      await send(gw.url, list, rate);
      stats = await drained(store, 30 * 60_000);
    } finally {
      await gw.close();
    }
    const seconds = (performance.now() - started) / 1000;
    const w1 = await workos?.stats();
    const rows = await store.all();
    await driver.close();
    process.stderr.write(`bench:sync ${kind}: verifying against Clerk…\n`);
    const report = await verify({ source: { from: 'clerk', api: true, apiUrl: sim.url, env }, target: { ...target, env } });
    const appliedOnce = rows.length === made.length && rows.every((r) => r.applications === 1 && r.state !== 'pending' && r.state !== 'quarantined');
    const result: CaseResult = {
      case: kind,
      events: made.length,
      deliveries: list.length,
      duplicatesSent: duplicates,
      reorderedSent: reordered,
      rate,
      inboxRows: rows.length,
      appliedOnce,
      quarantined: stats.quarantined,
      duplicate: stats.duplicate,
      outOfOrder: stats.outOfOrder,
      ...(stats.lagP50Ms !== undefined ? { lagP50Ms: stats.lagP50Ms } : {}),
      ...(stats.lagP99Ms !== undefined ? { lagP99Ms: stats.lagP99Ms } : {}),
      seconds: Math.round(seconds * 10) / 10,
      verify: {
        missing: report.counts.missing,
        extra: report.counts.extra,
        mismatches: report.counts.mismatches,
        missingMemberships: report.counts.missingMemberships,
        duplicates: report.counts.duplicates,
      },
      pass: false,
    };
    if (workos && w0 && w1) {
      const limit = 50;
      const writesApplied = w1.writesApplied - w0.writesApplied;
      result.workos = { limit, writesApplied, reads: w1.acceptedReads - w0.acceptedReads, rateLimited: w1.rateLimited - w0.rateLimited, windowSeconds: Math.round(seconds * 10) / 10, utilization: Math.round((writesApplied / (limit * seconds)) * 1000) / 1000 };
    }
    const v = result.verify;
    const equal = v.missing === 0 && v.extra === 0 && v.mismatches === 0 && v.missingMemberships === 0 && v.duplicates === 0;
    result.pass = appliedOnce && result.quarantined === 0 && result.duplicate >= duplicates && equal && (kind === 'workos' ? (result.workos?.utilization ?? 0) >= 0.9 : (result.lagP99Ms ?? Infinity) < 2000);
    return result;
  } finally {
    await workos?.stop();
    await sim.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const cases = args.case!.split(',').map((c) => c.trim()) as ('better-auth' | 'workos')[];
  const results: CaseResult[] = [];
  for (const kind of cases) {
    const events = Number(args.events ?? (args.smoke ? (kind === 'workos' ? 200 : 300) : 10_000));
    const rate = Number(kind === 'workos' ? args['workos-rate'] : args.rate);
    const initial = Number(args.users ?? Math.max(20, Math.round(events / 10)));
    results.push(await runCase(kind, events, rate, initial, Number(args.seed)));
    process.stderr.write(`bench:sync ${kind}: ${JSON.stringify(results[results.length - 1])}\n`);
  }
  process.stdout.write(`${JSON.stringify({ smoke: args.smoke, results })}\n`);
  if (!results.every((r) => r.pass)) process.exitCode = 1;
}

await main();
