/**
 * `flagless serve` as a user runs it: a child process (the CLI's main, straight from TypeScript),
 * flags or a config file, a real port, SIGTERM to stop.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { BOMB, clerkExport, clerkIndex, movableLogins, tempDir, type ClerkExport } from './helpers.js';
import { serveUrl } from '../helpers/processes.js';

const ENTRY = `import { main } from ${JSON.stringify(path.resolve('src/cli/main.ts'))}; main(process.argv.slice(1)).then((c) => { process.exitCode = c; });`;
// The child runs in a temp folder, so tsx is named by its resolved URL, not by package name.
const TSX = import.meta.resolve('tsx');
const node = (args: string[]) => [process.execPath, ['--import', TSX, '--input-type=module', '-e', ENTRY, ...args]] as const;

async function serve(args: string[], cwd: string): Promise<{ child: ChildProcess; url: string; stderr: () => string }> {
  const [bin, argv] = node(['serve', ...args, '--port', '0', '--json']);
  const child = spawn(bin, argv, { cwd, env: { ...process.env, FLAGLESS_GATEWAY_TOKEN: '' }, stdio: ['ignore', 'pipe', 'pipe'] });
  const { url, stderr } = await serveUrl(child, 60_000);
  return { child, url, stderr };
}

async function stop(child: ChildProcess): Promise<number | null> {
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const [code] = (await exited) as [number | null];
  return code;
}

describe('flagless serve (CLI)', { timeout: 180_000 }, () => {
  const tmp = tempDir();
  let exp: ClerkExport;

  before(async () => {
    exp = await clerkExport(tmp.dir, 20, { seed: 'cli' });
    exp.logins = movableLogins(exp, await clerkIndex(exp));
  });
  after(() => tmp.remove());

  it('serves with migrate-style flags, moves a user at login, writes the Auth0 scripts, stops cleanly on SIGTERM', async () => {
    const script = path.join(tmp.dir, 'auth0-scripts.js');
    const { child, url, stderr } = await serve(
      ['--from', 'clerk', '--file', exp.csv, '--api-dump', exp.apiDump, '--to', 'better-auth', '--db', path.join(tmp.dir, 'a.db'), '--state', path.join(tmp.dir, 'a-state.db'), '--token', 'cli-token-1', '--auth0-script', script],
      tmp.dir,
    );
    try {
      assert.match(url, /^http:\/\/127\.0\.0\.1:\d+$/, 'binds 127.0.0.1 by default');
      const l = exp.logins[0]!;
      const r = await fetch(`${url}/v1/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(l) });
      assert.equal(r.status, 200);
      assert.equal(((await r.json()) as { migration: string }).migration, 'jit');
      const lazy = await fetch(`${url}/v1/lazy/keycloak/${encodeURIComponent(exp.logins[1]!.identifier)}`, { headers: { authorization: 'Bearer cli-token-1' } });
      assert.equal(lazy.status, 200);
      assert.equal((await fetch(`${url}/dashboard`)).status, 401, 'with --token the dashboard needs it too');
      assert.equal((await fetch(`${url}/dashboard`, { headers: { authorization: 'Bearer cli-token-1' } })).status, 200);
      assert.match(fs.readFileSync(script, 'utf8'), /function login\(userNameOrEmail, password, callback\)/);
      assert.match(stderr(), /listening on/);
      assert.doesNotMatch(stderr(), /cli-token-1/, 'the token is not printed');
    } finally {
      assert.equal(await stop(child), 0);
    }
  });

  it('reads a JSON config (camelCase keys too), with command-line flags winning', async () => {
    const config = path.join(tmp.dir, 'flagless.config.json');
    fs.writeFileSync(config, JSON.stringify({ from: 'clerk', file: exp.csv, apiDump: exp.apiDump, to: 'better-auth', db: path.join(tmp.dir, 'b.db'), state: path.join(tmp.dir, 'b-state.db'), port: 1 }));
    const { child, url } = await serve(['--config', config], tmp.dir);
    try {
      assert.notEqual(new URL(url).port, '1', '--port on the command line wins over the config');
      const r = await fetch(`${url}/v1/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(exp.logins[2]) });
      assert.equal(r.status, 200);
      assert.equal((await fetch(`${url}/v1/lazy/keycloak/x`)).status, 404, 'lazy endpoints are off without a token');
    } finally {
      assert.equal(await stop(child), 0);
    }
  });

  it('SIGTERM stops the gateway within 10 s while verifications of a cost bomb are running', async () => {
    // The export's first user gets a bcrypt cost-31 hash (days of CPU per check), and the ceiling is
    // raised to let it through: without that the default ceiling would refuse it before any check ran.
    const lines = fs.readFileSync(exp.csv, 'utf8').split('\n');
    const header = lines[0]!.split(',');
    const digest = header.indexOf('password_digest');
    const email = header.indexOf('primary_email_address');
    const row = lines.findIndex((l, i) => i > 0 && l.split(',')[digest]?.startsWith('$2') && l.split(',')[email]);
    const cells = lines[row]!.split(',');
    cells[digest] = BOMB;
    lines[row] = cells.join(',');
    const bombCsv = path.join(tmp.dir, 'bomb.csv');
    fs.writeFileSync(bombCsv, lines.join('\n'));
    const { child, url, stderr } = await serve(['--from', 'clerk', '--file', bombCsv, '--to', 'better-auth', '--db', path.join(tmp.dir, 'd.db'), '--state', path.join(tmp.dir, 'd-state.db'), '--verify-budget-ms', '60000', '--max-hash-cost', 'bcrypt=31'], tmp.dir);
    const attempts = Array.from({ length: 4 }, (_, i) =>
      fetch(`${url}/v1/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ identifier: cells[email], password: `guess-${i}` }), signal: AbortSignal.timeout(30_000) })
        .then((r) => r.status)
        .catch(() => 'no answer'),
    );
    await new Promise((r) => setTimeout(r, 1500));
    const t0 = performance.now();
    const code = await Promise.race([stop(child), new Promise<string>((r) => setTimeout(() => r('still running after 10 s'), 10_000))]);
    const took = performance.now() - t0;
    if (code === 'still running after 10 s') child.kill('SIGKILL');
    assert.equal(code, 0, `${code} (${took.toFixed(0)} ms)\n${stderr()}`);
    assert.ok(took < 10_000, `stopped in ${took.toFixed(0)} ms`);
    for (const a of await Promise.all(attempts)) assert.ok(a === 503 || a === 'no answer', `a login cut short by the stop is never a verdict (${a})`);
  });

  it('exits 2 with a clear message on bad usage', () => {
    const [bin, argv] = node(['serve', '--from', 'clerk', '--file', exp.csv]);
    const r = spawnSync(bin, argv, { cwd: tmp.dir, encoding: 'utf8', timeout: 60_000 });
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /--to/);
    const [bin2, argv2] = node(['serve', '--from', 'auth0', '--legacy', 'api', '--to', 'better-auth', '--db', path.join(tmp.dir, 'c.db')]);
    const r2 = spawnSync(bin2, argv2, { cwd: tmp.dir, encoding: 'utf8', timeout: 60_000, env: { ...process.env, AUTH0_DOMAIN: '', AUTH0_CLIENT_ID: '', AUTH0_LOGIN_CLIENT_ID: '' } });
    assert.equal(r2.status, 2, r2.stderr);
    assert.match(r2.stderr, /AUTH0_DOMAIN/);
  });
});
