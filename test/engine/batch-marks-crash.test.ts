import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import pg from 'pg';
import type { MigrateSummary } from '../../src/engine/summary.js';
import { makeFixture, PG_URL, pgStateUrl, tempDir, uniqueSchema } from './fixtures.js';

/**
 * kill -9 between a batch's write-ahead mark and its confirmation, on both ledgers: a `migrate`
 * child (better-auth-crash-child.ts: Better Auth on SQLite, users in batches of 20) dies once
 * `before` the second user batch is sent (the mark is committed, nothing written) or `after` it
 * committed in Better Auth (the ledger not told). The dead worker's mark is still in the ledger
 * with its records `planned`; the re-run hands them out as `writing`, looks each up, and ends with
 * exactly the export: the batch that was written is `recovered`, the one that was not is created
 * once, nothing twice, and no mark left.
 */
const USERS = 60;
const ORGS = 3;
const BATCH = 20;
const f = makeFixture({ users: USERS, organizations: ORGS });
const childPath = new URL(`./better-auth-crash-child.${import.meta.url.endsWith('.ts') ? 'ts' : 'js'}`, import.meta.url).pathname;
const { dir, cleanup } = tempDir();
after(cleanup);

function runChild(authDb: string, state: string, kill?: 'before' | 'after'): Promise<{ code: number | null; signal: NodeJS.Signals | null; summary?: MigrateSummary; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...process.execArgv, childPath], {
      env: { ...process.env, AUTH_DB: authDb, STATE_PATH: state, USERS: String(USERS), ORGS: String(ORGS), ...(kill ? { KILL_METHOD: 'createUsers', KILL_NTH: '2', KILL_WHEN: kill } : {}) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    child.on('exit', (code, signal) => {
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

interface LedgerView {
  marks: string[][];
  users: Map<string, { state: string; outcome: string | null }>;
}

async function readLedger(state: string, schema: string | undefined): Promise<LedgerView> {
  let marks: { source_ids: string }[];
  let users: { source_id: string; state: string; outcome: string | null }[];
  if (schema) {
    const c = new pg.Client({ connectionString: PG_URL });
    await c.connect();
    try {
      marks = (await c.query(`SELECT source_ids FROM "${schema}".write_batches`)).rows;
      users = (await c.query(`SELECT source_id, state, outcome FROM "${schema}".records WHERE kind = 'user'`)).rows;
    } finally {
      await c.end();
    }
  } else {
    const db = new Database(state, { readonly: true });
    try {
      marks = db.prepare(`SELECT source_ids FROM write_batches`).all() as { source_ids: string }[];
      users = db.prepare(`SELECT source_id, state, outcome FROM records WHERE kind = 'user'`).all() as typeof users;
    } finally {
      db.close();
    }
  }
  return { marks: marks.map((m) => JSON.parse(m.source_ids) as string[]), users: new Map(users.map((u) => [u.source_id, { state: u.state, outcome: u.outcome }])) };
}

function assertOnceEach(authDb: string, label: string): void {
  const db = new Database(authDb, { readonly: true });
  try {
    const one = (sql: string) => (db.prepare(sql).get() as { n: number }).n;
    assert.equal(one(`SELECT COUNT(*) AS n FROM "user"`), USERS, `${label}: users`);
    assert.equal(one(`SELECT COUNT(*) AS n FROM account WHERE "providerId" = 'credential'`), USERS, `${label}: credential accounts`);
    assert.equal(one(`SELECT COUNT(*) AS n FROM (SELECT 1 FROM account GROUP BY "providerId", "accountId" HAVING COUNT(*) > 1)`), 0, `${label}: an account twice`);
    assert.equal(one(`SELECT COUNT(*) AS n FROM member`), f.users.reduce((n, u) => n + u.memberships.length, 0), `${label}: memberships`);
    assert.equal(one(`SELECT COUNT(*) AS n FROM (SELECT 1 FROM member GROUP BY "userId", "organizationId" HAVING COUNT(*) > 1)`), 0, `${label}: a membership twice`);
  } finally {
    db.close();
  }
}

async function scenario(ledger: 'sqlite' | 'postgres', kill: 'before' | 'after'): Promise<void> {
  const label = `${ledger}-${kill}`;
  const authDb = join(dir, `${label}-auth.db`);
  const schema = ledger === 'postgres' ? uniqueSchema('flagless_marks_crash') : undefined;
  const state = schema ? pgStateUrl(schema) : join(dir, `${label}-state.db`);
  try {
    const killed = await runChild(authDb, state, kill);
    assert.equal(killed.signal, 'SIGKILL', `${label}: not killed (exit ${killed.code}): ${killed.stderr}`);

    // The dead worker's marks are in the ledger, their records still planned; each batch is in
    // Better Auth whole or not at all (with 3 requests in flight, more than the killed one may be open).
    const dead = await readLedger(state, schema);
    const open = dead.marks.filter((ids) => ids.every((id) => dead.users.get(id)?.state === 'planned'));
    assert.ok(open.length > 0, `${label}: no open mark: ${JSON.stringify(dead.marks)}`);
    const authUsers = new Database(authDb, { readonly: true });
    const inAuth = (id: string) => authUsers.prepare(`SELECT 1 FROM "user" WHERE id = ?`).get(id) !== undefined;
    const written = open.filter((ids) => {
      const n = ids.filter(inAuth).length;
      assert.ok(n === 0 || n === ids.length, `${label}: a batch half in Better Auth (${n} of ${ids.length})`);
      return n > 0;
    });
    authUsers.close();
    if (kill === 'after') assert.ok(written.some((ids) => ids.length === BATCH), `${label}: the killed batch is in Better Auth`);

    const final = await runChild(authDb, state);
    assert.equal(final.code, 0, `${label}: ${final.stderr}`);
    assert.ok(final.summary?.complete, `${label}: ${JSON.stringify(final.summary?.quarantine)}`);
    assertOnceEach(authDb, label);
    const done = await readLedger(state, schema);
    for (const ids of open) {
      const outcome = written.includes(ids) ? 'recovered' : 'created';
      for (const id of ids) assert.deepEqual(done.users.get(id), { state: 'done', outcome }, `${label}: ${id}`);
    }
    const recovered = written.reduce((n, ids) => n + ids.length, 0);
    assert.equal([...done.users.values()].filter((u) => u.outcome === 'recovered').length, recovered, `${label}: only written batches are recovered`);

    const again = await runChild(authDb, state);
    assert.equal(again.summary?.writes, 0, `${label}: a finished run wrote again`);
    assert.deepEqual((await readLedger(state, schema)).marks, [], `${label}: no mark left`);
  } finally {
    if (schema) {
      const c = new pg.Client({ connectionString: PG_URL });
      await c.connect();
      await c.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await c.end();
    }
  }
}

describe('kill -9 between a batch mark and its confirmation (SQLite and PostgreSQL ledgers)', () => {
  test('the marked batch resumes exactly: looked up, recovered when written, created once when not', async () => {
    await Promise.all([scenario('sqlite', 'after'), scenario('postgres', 'after')]);
    await Promise.all([scenario('sqlite', 'before'), scenario('postgres', 'before')]);
  });
});
