/**
 * Two gateway instances sharing one PostgreSQL state schema and one Better Auth target on
 * PostgreSQL (127.0.0.1:5432, database `test`, or FLAGLESS_TEST_PG), each with its own pools,
 * as two processes would have. Concurrent first logins of the same user must produce exactly one
 * target user and one migration, whichever instance answers.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { ExportVerifier } from '../../src/gateway/legacy/export-verifier.js';
import type { ExportIndex } from '../../src/gateway/legacy/export-index.js';
import { clerkExport, clerkIndex, countTargetUsers, faultyTarget, type FaultyTarget, movableLogins, openBetterAuth, startGateway, tempDir, type ClerkExport, type Running } from './helpers.js';

const BASE = process.env.FLAGLESS_TEST_PG ?? 'postgres://postgres@127.0.0.1:5432/test';
const STATE_SCHEMA = `flagless_gw_${randomBytes(4).toString('hex')}`;
const TARGET_SCHEMA = `flagless_gwt_${randomBytes(4).toString('hex')}`;
const STATE_URL = `${BASE}${BASE.includes('?') ? '&' : '?'}schema=${STATE_SCHEMA}`;
const TARGET_URL = `${BASE}${BASE.includes('?') ? '&' : '?'}options=${encodeURIComponent(`-c search_path=${TARGET_SCHEMA}`)}`;

async function admin<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: BASE, connectionTimeoutMillis: 2000 });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end().catch(() => undefined);
  }
}

const available = await admin(async (c) => {
  await c.query(`CREATE SCHEMA ${TARGET_SCHEMA}`);
  return true;
}).catch(() => false);

describe('two gateway instances on PostgreSQL', { skip: available ? false : `PostgreSQL not reachable at ${BASE}`, timeout: 180_000 }, () => {
  const tmp = tempDir();
  let exp: ClerkExport;
  let index: ExportIndex;
  const targets: FaultyTarget[] = [];
  const gws: Running[] = [];

  before(async () => {
    exp = await clerkExport(tmp.dir, 40, { seed: 'pg-race' });
    index = await clerkIndex(exp);
    exp.logins = movableLogins(exp, index);
    for (let i = 0; i < 2; i++) {
      const target = faultyTarget(await openBetterAuth(TARGET_URL));
      targets.push(target);
      gws.push(
        await startGateway({
          state: STATE_URL,
          legacy: new ExportVerifier(index),
          target,
          index,
          ownsDependencies: true,
          // Generous waits: this machine may be busy; the claim, not the timing, is under test.
          waitMs: 60_000,
          targetTimeoutMs: 60_000,
          legacyTimeoutMs: 60_000,
          limits: { perAddress: { limit: 100_000, windowMs: 60_000 }, perIdentifier: { limit: 100_000, windowMs: 60_000 } },
        }),
      );
    }
  });

  after(async () => {
    for (const g of gws) await g.close().catch(() => undefined);
    await admin(async (c) => {
      await c.query(`DROP SCHEMA IF EXISTS ${STATE_SCHEMA} CASCADE`);
      await c.query(`DROP SCHEMA IF EXISTS ${TARGET_SCHEMA} CASCADE`);
    }).catch(() => undefined);
    tmp.remove();
  });

  const jitCount = async (g: Running) => {
    const text = (await g.get('/metrics')).text;
    return [...text.matchAll(/^flagless_gateway_jit_migrations_total\{kind="(created|completed)"\} (\d+)/gm)].reduce((n, m) => n + Number(m[2]), 0);
  };

  it('50 concurrent first logins of one user across both instances: one target user, one migration', async () => {
    const login = exp.logins[0]!;
    const sourceId = index.sourceIdsFor(login.identifier)[0]!;
    const attempts = Array.from({ length: 50 }, (_, i) => gws[i % 2]!.post('/v1/login', login));
    const wrong = Array.from({ length: 10 }, (_, i) => gws[i % 2]!.post('/v1/login', { identifier: login.identifier, password: `${login.password}!` }));
    const [answers, refusals] = await Promise.all([Promise.all(attempts), Promise.all(wrong)]);

    for (const r of answers) assert.equal(r.status, 200, JSON.stringify(r.body));
    for (const r of refusals) assert.ok(r.status === 401, `a wrong password is refused (${r.status})`);
    const byMigration = answers.reduce<Record<string, number>>((acc, r) => ((acc[r.body.migration ?? r.body.route] = (acc[r.body.migration ?? r.body.route] ?? 0) + 1), acc), {});
    assert.equal(byMigration.jit, 1, `exactly one request migrated the user: ${JSON.stringify(byMigration)}`);
    assert.equal(new Set(answers.map((r) => r.body.userId)).size, 1, 'every answer names the same target user');

    const creates = targets.reduce((n, t) => n + (t.calls.createUser ?? 0), 0);
    const passwords = targets.reduce((n, t) => n + (t.calls.setPassword ?? 0), 0);
    assert.equal(creates, 1, 'one createUser across both instances');
    assert.equal(passwords, 1, 'one setPassword across both instances');
    assert.equal((await jitCount(gws[0]!)) + (await jitCount(gws[1]!)), 1, 'one JIT migration counted across both instances');
    assert.equal(await countTargetUsers(targets[0]!.inner), 1, 'one user in the target');
    const row = await gws[1]!.store.get(sourceId);
    assert.equal(row?.state, 'migrated');
    assert.equal(row?.route, 'jit');
    assert.equal(row?.attempts, 1, 'the user was claimed once');
  });

  it('concurrent first logins of many users across both instances: no duplicates, all migrated', async () => {
    const logins = exp.logins.slice(1, 11);
    const attempts = logins.flatMap((l) => Array.from({ length: 6 }, (_, i) => gws[i % 2]!.post('/v1/login', l)));
    const answers = await Promise.all(attempts);
    for (const r of answers) assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(answers.filter((r) => r.body.migration === 'jit').length, logins.length, 'one JIT per user');
    assert.equal(await countTargetUsers(targets[0]!.inner), 1 + logins.length);
    for (const l of logins) {
      const direct = await targets[0]!.inner.login(l.identifier, l.password);
      assert.equal(direct.ok, true);
    }
    const dashboard = (await gws[1]!.get('/dashboard/data')).body;
    assert.equal(dashboard.byRoute.jit, 1 + logins.length, 'the dashboard counts every JIT move once, whichever instance made it');
    assert.equal(dashboard.migrated, 1 + logins.length);
    assert.ok(dashboard.failures.some((f: { reason: string; count: number }) => f.reason === 'invalid_credentials' && f.count === 10), 'failures from both instances add up');
  });

  it('a claim left by a dead instance expires and the next login completes the user', async () => {
    const login = exp.logins[12]!;
    const sourceId = index.sourceIdsFor(login.identifier)[0]!;
    // A claim held by an instance that died mid-move, with its lease already run out.
    await admin((c) =>
      c.query(`INSERT INTO "${STATE_SCHEMA}".gateway_users (source_id, state, owner, claim_expires_ms, attempts, updated_at) VALUES ($1, 'claimed', 'dead-instance', $2, 1, $3)`, [
        sourceId,
        Date.now() - 1000,
        new Date().toISOString(),
      ]),
    );
    const r = await gws[0]!.post('/v1/login', login);
    assert.equal(r.status, 200);
    assert.equal(r.body.migration, 'jit');
    assert.equal((await gws[0]!.store.get(sourceId))?.state, 'migrated');
  });

  it('the schema is the same on PostgreSQL as on SQLite (same tables and columns)', async () => {
    const cols = await admin(async (c) =>
      (
        await c.query<{ table_name: string; column_name: string }>(
          `SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = $1 AND table_name LIKE 'gateway_%' ORDER BY table_name, ordinal_position`,
          [STATE_SCHEMA],
        )
      ).rows.map((r) => `${r.table_name}.${r.column_name}`),
    );
    const Database = (await import('better-sqlite3')).default;
    const { gatewaySchema } = await import('../../src/state/gateway/schema.js');
    const db = new Database(':memory:');
    db.exec(gatewaySchema('').join(';\n'));
    const sqlite: string[] = [];
    for (const t of ['gateway_failures', 'gateway_identifiers', 'gateway_users']) {
      for (const c of db.prepare(`PRAGMA table_info(${t})`).all() as { name: string }[]) sqlite.push(`${t}.${c.name}`);
    }
    db.close();
    assert.deepEqual(cols, sqlite);
  });
});
