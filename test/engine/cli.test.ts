import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { parse } from 'csv-parse/sync';
import { SOURCE_MODULES } from '../../src/connectors/index.js';
import { startWorkosSimulator, type WorkosSimulator } from '../../src/connectors/workos/sim/server.js';
import type { MigrateSummary } from '../../src/engine/summary.js';
import type { VerifyReport } from '../../src/engine/verify.js';
import { tempDir } from './fixtures.js';

/**
 * The commands end to end, as a user runs them: a generated Clerk export (CSV + API dump) into the
 * WorkOS simulator through the official SDK, in child processes (real exit codes, real signals).
 */
const entry = new URL(`./cli-entry.${import.meta.url.endsWith('.ts') ? 'ts' : 'js'}`, import.meta.url).pathname;
const { dir, cleanup } = tempDir();
let sim: WorkosSimulator;
const file = join(dir, 'users.csv');
const dump = join(dir, 'users.api.json');
const logins = join(dir, 'logins.csv');
const USERS = 60;

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** `killWhen`: polled every 20 ms once the child runs; the signal is sent when it first holds (e.g. the child is mid-migration). */
function cli(args: string[], opts: { killWhen?: () => boolean; signal?: NodeJS.Signals; env?: Record<string, string> } = {}): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...process.execArgv, entry, ...args], {
      env: { ...process.env, WORKOS_API_URL: sim.url, WORKOS_API_KEY: sim.apiKey, WORKOS_CLIENT_ID: sim.clientId, ...opts.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const timer =
      opts.killWhen === undefined
        ? undefined
        : setInterval(() => {
            if (opts.killWhen!()) {
              clearInterval(timer);
              child.kill(opts.signal ?? 'SIGKILL');
            }
          }, 20);
    child.on('exit', (code, signal) => {
      if (timer) clearInterval(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

const SOURCE = ['--from', 'clerk', '--file', file, '--api-dump', dump];

before(async () => {
  const clerk = await SOURCE_MODULES.clerk();
  await clerk.generate({ users: USERS, out: file, plaintexts: logins, seed: 11, clean: true });
});
after(async () => {
  cleanup();
});

describe('migrate, verify and ids through the CLI (WorkOS simulator)', () => {
  test('dry run, migrate, re-run with zero writes, ids export, verify with logins', async () => {
    sim = await startWorkosSimulator({ rateLimit: 200, seed: 1 });
    try {
      const state = join(dir, 'run1.db');
      const dry = await cli(['migrate', ...SOURCE, '--to', 'workos', '--dry-run', '--state', state, '--json']);
      assert.equal(dry.code, 0, dry.stderr);
      assert.equal(existsSync(state), false, 'a dry run creates no state file');
      const plan = JSON.parse(dry.stdout) as { dryRun: boolean; plan: { users: { total: number; create: number } } };
      assert.equal(plan.plan.users.total, USERS);
      assert.equal(sim.stats().writes, 0);

      const first = await cli(['migrate', ...SOURCE, '--to', 'workos', '--state', state, '--json']);
      assert.equal(first.code, 0, first.stderr + first.stdout);
      const s1 = JSON.parse(first.stdout) as MigrateSummary;
      assert.equal(s1.complete, true);
      assert.equal(s1.users.created, plan.plan.users.create);
      assert.equal(sim.users().length, s1.users.created);
      assert.ok(s1.writes > s1.users.created);
      assert.match(first.stderr, /records/, 'progress on stderr');

      const again = await cli(['migrate', ...SOURCE, '--to', 'workos', '--state', state, '--json']);
      assert.equal(again.code, 0);
      const s2 = JSON.parse(again.stdout) as MigrateSummary;
      assert.equal(s2.writes, 0);
      assert.equal(s2.users.created, s1.users.created);

      const ids = await cli(['ids', 'export', '--format', 'csv', '--state', state]);
      assert.equal(ids.code, 0, ids.stderr);
      const rows = parse(ids.stdout, { columns: true }) as { kind: string; source_id: string; target_id: string }[];
      assert.equal(rows.filter((r) => r.kind === 'user').length, s1.users.created);
      assert.equal(rows.filter((r) => r.kind === 'organization').length, s1.organizations.created);
      const simUsers = new Map(sim.users().map((u) => [u.id as string, u.external_id as string]));
      for (const r of rows.filter((x) => x.kind === 'user')) assert.equal(simUsers.get(r.target_id), r.source_id);

      const v = await cli(['verify', ...SOURCE, '--to', 'workos', '--logins', logins, '--json']);
      const report = JSON.parse(v.stdout) as VerifyReport;
      assert.equal(v.code, 0, JSON.stringify(report.counts) + JSON.stringify(report.logins?.failed));
      assert.equal(report.ok, true);
      assert.equal(report.logins!.failedCount, 0);
      assert.ok(report.logins!.succeeded > 0);
      const passwords = parse(readFileSync(logins), { columns: true }) as { password: string }[];
      for (const p of passwords) assert.ok(!v.stdout.includes(p.password) && !v.stderr.includes(p.password), 'a password leaked into the output');

      // A wrong password is refused, and verify says so.
      const bad = join(dir, 'bad-logins.csv');
      const firstLogin = readFileSync(logins, 'utf8').split('\n')[1]!.split(',')[0]!;
      writeFileSync(bad, `identifier,password\n${firstLogin},definitely-wrong-Pw1!\n`);
      const v2 = await cli(['verify', ...SOURCE, '--to', 'workos', '--logins', bad, '--json']);
      assert.equal(v2.code, 1);
      assert.equal((JSON.parse(v2.stdout) as VerifyReport).logins!.failed[0]!.identifier, firstLogin);
    } finally {
      await sim.stop();
    }
  });

  test('SIGINT stops cleanly with exit 130; SIGKILL amid lost replies; the re-run completes with nothing doubled', async () => {
    sim = await startWorkosSimulator({ rateLimit: 40, seed: 2, faults: 'reset-after-commit=0.05,5xx=0.05' });
    try {
      const state = join(dir, 'run2.db');
      // Signals are sent once the child is writing (start-up time varies with the machine's load).
      const interrupted = await cli(['migrate', ...SOURCE, '--to', 'workos', '--state', state, '--rate', '15', '--json'], { killWhen: () => sim.stats().writes >= 12, signal: 'SIGINT' });
      assert.equal(interrupted.code, 130, interrupted.stderr);
      const s1 = JSON.parse(interrupted.stdout) as MigrateSummary;
      assert.equal(s1.interrupted, 'SIGINT');
      assert.ok(s1.users.pending > 0 || s1.memberships.pending > 0);

      const before = sim.stats().writes;
      const killed = await cli(['migrate', ...SOURCE, '--to', 'workos', '--state', state, '--rate', '15'], { killWhen: () => sim.stats().writes >= before + 12 });
      assert.equal(killed.signal, 'SIGKILL');

      const finished = await cli(['migrate', ...SOURCE, '--to', 'workos', '--state', state, '--json']);
      const s3 = JSON.parse(finished.stdout) as MigrateSummary;
      assert.equal(finished.code, 0, JSON.stringify(s3.quarantine));
      assert.equal(s3.complete, true);
      const emails = sim.users().map((u) => String(u.email).toLowerCase());
      assert.equal(new Set(emails).size, emails.length);
      assert.equal(sim.users().length, s3.users.created + s3.users.recovered);
      const ext = sim.users().map((u) => u.external_id);
      assert.equal(new Set(ext).size, ext.length, 'no user created twice');
      assert.equal(sim.organizations().length, s3.organizations.total);
    } finally {
      await sim.stop();
    }
  });
});
