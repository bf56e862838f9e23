import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { target as betterAuthTarget } from '../../src/connectors/better-auth/index.js';
import type { MigrateSummary } from '../../src/engine/summary.js';
import { checkLogins, readCredentials } from '../../src/engine/verify-logins.js';
import { makeFixture, tempDir } from './fixtures.js';

/**
 * Crash safety on the batched path of a database target: a `migrate` child writing into Better Auth
 * on SQLite (users and memberships in batches, one transaction each) is killed with SIGKILL before
 * a batch, after a batch committed but before the ledger heard of it, and at random moments, then
 * run again until it finishes. Better Auth must end with exactly the export: every user, account
 * and membership once. Then `verify --logins` (its credential reader and login check) signs in as
 * every imported user through Better Auth's own API.
 */
const USERS = 60;
const ORGS = 3;
const f = makeFixture({ users: USERS, organizations: ORGS });
const MEMBERSHIPS = f.users.reduce((n, u) => n + u.memberships.length, 0);
const SOCIAL = f.users.reduce((n, u) => n + u.identities.length, 0);
const childPath = new URL(`./better-auth-crash-child.${import.meta.url.endsWith('.ts') ? 'ts' : 'js'}`, import.meta.url).pathname;

const { dir, cleanup } = tempDir();
after(cleanup);

interface Kill {
  method?: 'createUsers' | 'ensureMemberships' | 'createOrganizations';
  nth?: number;
  when?: 'before' | 'after';
  afterMs?: number;
}

function runChild(authDb: string, state: string, kill: Kill = {}): Promise<{ code: number | null; signal: NodeJS.Signals | null; summary?: MigrateSummary; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...process.execArgv, childPath], {
      env: {
        ...process.env,
        AUTH_DB: authDb,
        STATE_PATH: state,
        USERS: String(USERS),
        ORGS: String(ORGS),
        ...(kill.method ? { KILL_METHOD: kill.method, KILL_NTH: String(kill.nth), KILL_WHEN: kill.when } : {}),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    const timer = kill.afterMs === undefined ? undefined : setTimeout(() => child.kill('SIGKILL'), kill.afterMs);
    child.on('exit', (code, signal) => {
      if (timer) clearTimeout(timer);
      let summary: MigrateSummary | undefined;
      try {
        summary = out ? (JSON.parse(out) as MigrateSummary) : undefined;
      } catch {
        /* killed mid-write */
      }
      resolve({ code, signal, stderr: err, ...(summary ? { summary } : {}) });
    });
  });
}

function assertExactlyTheExport(authDb: string, label: string): void {
  const db = new Database(authDb, { readonly: true });
  try {
    const one = (sql: string) => (db.prepare(sql).get() as { n: number }).n;
    assert.equal(one(`SELECT COUNT(*) AS n FROM "user"`), USERS, `${label}: users`);
    for (const u of f.users) assert.ok(db.prepare(`SELECT 1 FROM "user" WHERE id = ?`).get(u.sourceId), `${label}: ${u.sourceId} missing`);
    assert.equal(one(`SELECT COUNT(*) AS n FROM "organization"`), ORGS, `${label}: organizations`);
    assert.equal(one(`SELECT COUNT(*) AS n FROM account WHERE "providerId" = 'credential'`), USERS, `${label}: credential accounts`);
    assert.equal(one(`SELECT COUNT(*) AS n FROM account WHERE "providerId" <> 'credential'`), SOCIAL, `${label}: social accounts`);
    assert.equal(one(`SELECT COUNT(*) AS n FROM (SELECT 1 FROM account GROUP BY "providerId", "accountId" HAVING COUNT(*) > 1)`), 0, `${label}: an account twice`);
    assert.equal(one(`SELECT COUNT(*) AS n FROM member`), MEMBERSHIPS, `${label}: memberships`);
    assert.equal(one(`SELECT COUNT(*) AS n FROM (SELECT 1 FROM member GROUP BY "userId", "organizationId" HAVING COUNT(*) > 1)`), 0, `${label}: a membership twice`);
  } finally {
    db.close();
  }
}

async function scenario(label: string, kills: Kill[]): Promise<number> {
  const name = label.replace(/\W+/g, '-');
  const authDb = join(dir, `${name}-auth.db`);
  const state = join(dir, `${name}-state.db`);
  let killed = 0;
  for (const k of kills) {
    const r = await runChild(authDb, state, k);
    if (r.signal === 'SIGKILL') killed++;
    else if (k.method) assert.fail(`${label}: not killed at ${JSON.stringify(k)} (exit ${r.code}): ${r.stderr}`);
  }
  const final = await runChild(authDb, state);
  assert.equal(final.code, 0, `${label}: ${final.stderr}`);
  assert.ok(final.summary?.complete, `${label}: ${JSON.stringify(final.summary?.quarantine)}`);
  assertExactlyTheExport(authDb, label);
  const again = await runChild(authDb, state);
  assert.equal(again.summary?.writes, 0, `${label}: a finished run wrote again`);
  return killed;
}

describe('crash safety of the batched Better Auth path (SIGKILL)', () => {
  test('killed before and after batches commit, and at random moments: nothing lost, nothing doubled; then every user signs in', async () => {
    const chains: [string, Kill[]][] = [
      ['users-before', [{ method: 'createUsers', nth: 1, when: 'before' }, { method: 'createUsers', nth: 2, when: 'before' }]],
      // A user batch carries its users' memberships (capabilities.membershipsWithUsers): killed after it
      // committed, its memberships are left `writing` and ensured in a batch by the re-run.
      ['users-after', [{ method: 'createUsers', nth: 2, when: 'after' }, { method: 'ensureMemberships', nth: 1, when: 'after' }]],
      // A batch left `writing` is ensured again in a batch, so the re-run has at least one call.
      ['members-after', [{ method: 'createUsers', nth: 1, when: 'after' }, { method: 'ensureMemberships', nth: 1, when: 'after' }, { method: 'ensureMemberships', nth: 1, when: 'after' }]],
      ['members-before', [{ method: 'createUsers', nth: 3, when: 'after' }, { method: 'ensureMemberships', nth: 1, when: 'before' }]],
      ['org-after', [{ method: 'createOrganizations', nth: 1, when: 'after' }]],
      ['random', [{ afterMs: 1500 + Math.floor(Math.random() * 2500) }, { afterMs: 1500 + Math.floor(Math.random() * 2500) }]],
    ];
    let kills = 0;
    for (let i = 0; i < chains.length; i += 2) {
      kills += (await Promise.all(chains.slice(i, i + 2).map(([label, ks]) => scenario(label, ks)))).reduce((a, b) => a + b, 0);
    }
    assert.ok(kills >= 9, `only ${kills} kills`);

    // verify --logins after the crashes: every imported user signs in through Better Auth.
    const logins = join(dir, 'logins.csv');
    writeFileSync(logins, ['identifier,password', ...[...f.passwords].map(([email, pw]) => `${email},${pw}`)].join('\n') + '\n');
    for (const label of ['users-after', 'members-after']) {
      const t = await betterAuthTarget.open({ env: {}, db: join(dir, `${label}-auth.db`) });
      try {
        const report = await checkLogins(t, readCredentials(logins), { concurrency: 4, rate: 1000 });
        assert.equal(report.total, USERS);
        assert.equal(report.succeeded, USERS, `${label}: ${JSON.stringify(report.failed.slice(0, 5))}`);
        assert.equal(report.failedCount, 0);
      } finally {
        await t.close();
      }
    }
  });
});
