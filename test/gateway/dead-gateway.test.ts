/**
 * A gateway killed (kill -9) in the middle of a burst of first logins leaves users half-moved:
 * created in the target, their password not yet set, their flag `claimed`. `flagless migrate` on
 * the same state must finish them (issue #13): "recovered" means the user can sign in. And
 * `verify` must name a user that holds no credential although the plan gives it one.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import type { VerifyReport } from '../../src/engine/verify.js';
import { flaglessAsync } from '../helpers/cli.js';
import { clerkExport, clerkIndex, movableLogins, openBetterAuth, tempDir, type ClerkExport } from './helpers.js';
import { serveUrl } from '../helpers/processes.js';

const BIN = join(process.cwd(), 'bin/flagless.js');

/** Users in the Better Auth database without a usable password credential. */
const HALF_MOVED_SQL = `SELECT u.id FROM user u WHERE NOT EXISTS (
  SELECT 1 FROM account a WHERE a.userId = u.id AND a.providerId = 'credential' AND a.password IS NOT NULL AND a.password <> '')`;

async function serve(args: string[]): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [BIN, 'serve', ...args, '--port', '0', '--json', '--quiet'], { env: { ...process.env, FLAGLESS_GATEWAY_TOKEN: '' }, stdio: ['ignore', 'pipe', 'pipe'] });
  const { url } = await serveUrl(child, 90_000);
  return { child, url };
}

describe('a gateway killed during first logins: migrate finishes the users it left half-moved', { timeout: 600_000 }, () => {
  const tmp = tempDir();
  let exp: ClerkExport;
  const db = join(tmp.dir, 'app.db');
  const state = join(tmp.dir, 'state.db');
  after(() => tmp.remove());

  before(async () => {
    exp = await clerkExport(tmp.dir, 60, { seed: 'dead-gateway' });
    const index = await clerkIndex(exp);
    exp.logins = movableLogins(exp, index);
    await index.close();
  });

  it('kill -9 mid-burst, then migrate: every user the gateway touched signs in at the target; verify names the half-moved ones first', async () => {
    const source = ['--from', 'clerk', '--file', exp.csv, '--api-dump', exp.apiDump];
    const target = ['--to', 'better-auth', '--db', db];
    const { child, url } = await serve([...source, ...target, '--state', state]);
    const exited = once(child, 'exit');
    // Kill the moment a user exists in the target without its password (between create and set-password).
    let halfMoved: string[] = [];
    const watcher = setInterval(() => {
      try {
        const sqlite = new Database(db, { readonly: true, fileMustExist: true });
        try {
          halfMoved = (sqlite.prepare(HALF_MOVED_SQL).all() as { id: string }[]).map((r) => r.id);
        } finally {
          sqlite.close();
        }
      } catch {
        return; // the database is being created
      }
      if (halfMoved.length > 0 && child.exitCode === null) child.kill('SIGKILL');
    }, 5);
    const burst = exp.logins.map((l) =>
      fetch(`${url}/v1/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(l) }).then(
        (r) => r.status,
        () => 0,
      ),
    );
    await Promise.all(burst);
    clearInterval(watcher);
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
    assert.ok(halfMoved.length > 0, 'the gateway was killed with at least one user created and its password not yet set');

    const stateDb = new Database(state, { readonly: true });
    const claimed = (stateDb.prepare(`SELECT source_id FROM gateway_users WHERE state = 'claimed'`).all() as { source_id: string }[]).map((r) => r.source_id);
    stateDb.close();
    assert.ok(claimed.length > 0, 'the dead gateway left claimed users');

    // verify, before anything else: a user with no credential although the plan imports its hash is reported.
    const before = await flaglessAsync(['verify', ...source, ...target, '--json']);
    const report = JSON.parse(before.stdout) as VerifyReport;
    const noCredential = report.mismatches.filter((m) => m.field === 'password').map((m) => m.sourceId);
    for (const id of halfMoved) assert.ok(noCredential.includes(id), `verify names ${id}, which holds no credential`);

    const migrated = await flaglessAsync(['migrate', ...source, ...target, '--state', state, '--json']);
    assert.equal(migrated.code, 0, migrated.stderr);

    const ba = await openBetterAuth(db);
    try {
      const failed: string[] = [];
      for (const l of exp.logins) if (!(await ba.login(l.identifier, l.password)).ok) failed.push(l.identifier);
      assert.deepEqual(failed, [], 'every movable user signs in at the target after migrate');
    } finally {
      await ba.close();
    }
    const after = JSON.parse((await flaglessAsync(['verify', ...source, ...target, '--json'])).stdout) as VerifyReport;
    assert.equal(after.mismatches.filter((m) => m.field === 'password').length, 0);
  });
});
