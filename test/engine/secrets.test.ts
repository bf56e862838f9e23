import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parse } from 'csv-parse/sync';
import { generate } from '../../src/connectors/clerk/index.js';
import { startWorkosSimulator, type WorkosSimulator } from '../../src/connectors/workos/sim/server.js';
import { flaglessAsync } from '../helpers/cli.js';

/**
 * DESIGN: secrets never reach a log, a report or an error message. A full migration into the
 * WorkOS simulator at debug log level (every target call logged with its arguments), then verify
 * with logins, a dry run and the id map: no hash, TOTP secret, API key or password in any output.
 */
describe('no secret in any log, report or error, at debug level', { timeout: 300_000 }, () => {
  let dir: string;
  let sim: WorkosSimulator;
  const apiKey = `sk_test_${'k3y'.repeat(8)}`;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'flagless-secrets-'));
    sim = await startWorkosSimulator({ rateLimit: 500, apiKey, seed: 3 });
  });
  after(async () => {
    await sim.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('logs every target call and leaks nothing', async () => {
    const gen = await generate({ users: 120, out: join(dir, 'users.csv'), seed: 11, plaintexts: join(dir, 'logins.csv') });
    const dump = gen.files.find((f) => f.role === 'api-dump')!.path;
    const env = { WORKOS_API_URL: sim.url, WORKOS_API_KEY: apiKey, WORKOS_CLIENT_ID: sim.clientId };
    const source = ['--from', 'clerk', '--file', join(dir, 'users.csv'), '--api-dump', dump];
    const state = ['--state', join(dir, 'state.db')];
    const runs = [
      await flaglessAsync(['migrate', ...source, '--to', 'workos', ...state, '--dry-run', '--json'], { env }),
      await flaglessAsync(['migrate', ...source, '--to', 'workos', ...state, '--log-level', 'debug', '--json'], { env }),
      await flaglessAsync(['verify', ...source, '--to', 'workos', '--logins', join(dir, 'logins.csv'), '--log-level', 'debug', '--json'], { env }),
      await flaglessAsync(['ids', 'export', ...state, '--format', 'json'], { env }),
      // An error path too: a wrong API key must be reported without echoing it.
      await flaglessAsync(['migrate', ...source, '--to', 'workos', '--state', join(dir, 'other.db'), '--log-level', 'debug'], { env: { ...env, WORKOS_API_KEY: `sk_test_${'wr0ng'.repeat(6)}` } }),
    ];
    const output = runs.map((r) => r.stdout + r.stderr).join('\n');
    assert.match(output, /"msg":"target\.createUser ok"/, 'debug logging is on and records target calls');
    assert.match(output, /E_TARGET_AUTH/, 'the wrong key is reported');

    const digests = new Set<string>();
    const totps = new Set<string>();
    const csv = parse(readFileSync(join(dir, 'users.csv'), 'utf8'), { columns: true, comment: '#', relax_column_count: true }) as Record<string, string>[];
    for (const row of csv) {
      if (row.password_digest) digests.add(row.password_digest);
      if (row.totp_secret) totps.add(row.totp_secret);
    }
    const plaintexts = new Set((parse(readFileSync(join(dir, 'logins.csv'), 'utf8'), { columns: true }) as { password: string }[]).map((r) => r.password));
    // The generator reuses a pool of hashes, so there are fewer distinct values than users.
    assert.ok(digests.size >= 10 && totps.size >= 1 && plaintexts.size >= 10, 'there are secrets of every kind to look for');
    const secrets = new Set<string>([apiKey, `sk_test_${'wr0ng'.repeat(6)}`, ...digests, ...totps, ...plaintexts]);
    for (const s of secrets) assert.ok(!output.includes(s), `a secret (${s.slice(0, 4)}…) leaked into the output`);
    // The ledger holds no user data either.
    const ledger = readFileSync(join(dir, 'state.db')).toString('latin1');
    for (const s of secrets) assert.ok(!ledger.includes(s), 'a secret is in the state file');
  });
});
