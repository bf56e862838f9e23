/**
 * The SSO proxy through the real CLI: `flagless serve --sso-config` alone and inside the full
 * gateway (beside /v1/login, on its registry and dashboard), `flagless sso flip` from another
 * process moving the running gateway's routing, and `flagless sso status`.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { flaglessAsync } from '../helpers/cli.js';
import { serveUrl, stopChild } from '../helpers/processes.js';
import { idpKeys, samlResponse } from '../helpers/saml.js';
import { clerkExport, tempDir } from './helpers.js';

const BIN = path.join(process.cwd(), 'bin/flagless.js');
const OPS = 'ops-token-cli-test';

describe('flagless serve --sso-config, sso flip, sso status', { timeout: 180_000 }, () => {
  const tmp = tempDir();
  const state = path.join(tmp.dir, 'state.db');
  const config = path.join(tmp.dir, 'sso.json');
  const keys = idpKeys();
  const response = samlResponse({ keys, issuer: 'https://idp.acme.test/', nameId: 'ada@acme.com', audience: 'urn:sp', destination: 'https://legacy.example/acs' });
  const children: ChildProcess[] = [];

  const start = async (args: string[]) => {
    const child = spawn(process.execPath, [BIN, 'serve', ...args, '--port', '0', '--json', '--log-level', 'warn'], { cwd: tmp.dir, env: { ...process.env, FLAGLESS_GATEWAY_TOKEN: '', FLAGLESS_OPS_TOKEN: '' }, stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(child);
    return { child, ...(await serveUrl(child, 60_000)) };
  };
  const route = async (url: string) => {
    const res = await fetch(`${url}/login/callback?connection=acme`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ SAMLResponse: response }).toString() });
    assert.equal(res.status, 307);
    return res.headers.get('location');
  };

  before(() => {
    fs.writeFileSync(
      config,
      JSON.stringify({
        connections: [
          {
            name: 'acme',
            protocol: 'saml',
            callbackPaths: ['/login/callback?connection=acme'],
            issuer: 'https://idp.acme.test/',
            legacy: { callbackUrl: 'https://legacy.example/login/callback?connection=acme' },
            target: { callbackUrl: 'https://target.example/acs/acme' },
          },
        ],
        flagTtlMs: 100,
      }),
    );
  });

  after(async () => {
    for (const c of children) await stopChild(c);
    tmp.remove();
  });

  it('runs the proxy alone, follows a flip made by another process, and reports it', async () => {
    const { child, url } = await start(['--sso-config', config, '--state', state, '--ops-token', OPS]);
    assert.equal(await route(url), 'https://legacy.example/login/callback?connection=acme');
    const flip = await flaglessAsync(['sso', 'flip', 'acme', '--to', 'target', '--state', state, '--who', 'alice', '--json'], { cwd: tmp.dir });
    assert.equal(flip.code, 0, flip.stderr);
    const flipped = (JSON.parse(flip.stdout) as { flip: { from: string; to: string; who: string; reason: string } }).flip;
    assert.deepEqual([flipped.from, flipped.to, flipped.who, flipped.reason], ['none', 'target', 'alice', 'manual']);
    const t0 = Date.now();
    while ((await route(url)) !== 'https://target.example/acs/acme') {
      assert.ok(Date.now() - t0 < 1000, 'the running gateway follows the flip within a second');
      await new Promise((r) => setTimeout(r, 10));
    }
    const bad = await flaglessAsync(['sso', 'flip', 'acme', '--to', 'target', '--percent', '150', '--state', state], { cwd: tmp.dir });
    assert.equal(bad.code, 2);
    await new Promise((r) => setTimeout(r, 1200)); // the counts reach the store once a second
    const status = await flaglessAsync(['sso', 'status', '--state', state, '--sso-config', config, '--json'], { cwd: tmp.dir });
    assert.equal(status.code, 0, status.stderr);
    const report = JSON.parse(status.stdout) as { connections: { name: string; side: string; lastFlip: { who: string }; sinceFlip: { target: { response: number } } }[] };
    const acme = report.connections.find((c) => c.name === 'acme')!;
    assert.deepEqual([acme.side, acme.lastFlip.who], ['target', 'alice']);
    assert.ok(acme.sinceFlip.target.response >= 1);
    const human = await flaglessAsync(['sso', 'status', '--state', state], { cwd: tmp.dir });
    assert.match(human.stdout, /acme\s+target\s+-\s+none→target .* by alice \(manual\)/);
    await stopChild(child);
    assert.equal(child.exitCode, 0);
  });

  it('mounts the proxy inside the full gateway, beside password logins, on its metrics and dashboard', async () => {
    const exp = await clerkExport(tmp.dir, 5, { seed: 'sso-cli' });
    const { url } = await start(['--from', 'clerk', '--file', exp.csv, '--to', 'better-auth', '--db', path.join(tmp.dir, 'auth.db'), '--state', state, '--sso-config', config, '--ops-token', OPS, '--auto-rollback', '0.5:10']);
    assert.equal(await route(url), 'https://target.example/acs/acme', 'the flag in the shared state is in force');
    const login = await fetch(`${url}/v1/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ identifier: exp.logins[0]!.identifier, password: exp.logins[0]!.password }) });
    assert.equal(login.status, 200);
    const metrics = await (await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${OPS}` } })).text();
    assert.match(metrics, /flagless_gateway_logins_total\{route="legacy",outcome="ok"\} 1/);
    assert.match(metrics, /flagless_sso_responses_total\{connection="acme",side="target",decided_by="path"\} 1/);
    const page = await (await fetch(`${url}/dashboard`, { headers: { authorization: `Bearer ${OPS}` } })).text();
    assert.match(page, /data-testid="sso-panel"/);
    assert.match(page, /Auto-rollback at 50\.0 %/);
    const data = (await (await fetch(`${url}/dashboard/data`, { headers: { authorization: `Bearer ${OPS}` } })).json()) as { sso?: { connections: { name: string }[] } };
    assert.deepEqual(data.sso?.connections.map((c) => c.name), ['acme']);
    const noConfig = await flaglessAsync(['serve', '--from', 'clerk', '--file', exp.csv, '--to', 'better-auth', '--db', path.join(tmp.dir, 'auth.db'), '--auto-rollback', '0.2'], { cwd: tmp.dir });
    assert.equal(noConfig.code, 2);
    assert.match(noConfig.stderr, /--auto-rollback needs --sso-config/);
  });
});
