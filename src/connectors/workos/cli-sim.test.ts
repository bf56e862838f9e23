import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { describe, it } from 'node:test';
import { WorkOS } from '@workos-inc/node';

// `flagless sim workos` as a user runs it: a real process, stopped by a signal.

const ENTRY = (args: string[]) => `import('./src/cli/main.ts').then(async (m) => process.exit(await m.main(${JSON.stringify(args)})))`;

function cli(args: string[]) {
  return spawn(process.execPath, ['--import', 'tsx', '-e', ENTRY(args)], { cwd: process.cwd(), stdio: ['ignore', 'pipe', 'pipe'] });
}

async function firstLine(stream: NodeJS.ReadableStream, timeoutMs: number): Promise<string> {
  let buf = '';
  const timer = setTimeout(() => stream.emit('error', new Error(`no output within ${timeoutMs} ms`)), timeoutMs);
  try {
    for await (const chunk of stream) {
      buf += String(chunk);
      const nl = buf.indexOf('\n');
      if (nl >= 0) return buf.slice(0, nl);
    }
  } finally {
    clearTimeout(timer);
  }
  throw new Error('stream ended before a line');
}

describe('flagless sim workos', () => {
  it('--json prints {url, apiKey, clientId}, serves the SDK, and stops cleanly on SIGTERM (exit 0)', async () => {
    const child = cli(['sim', 'workos', '--json', '--rate-limit', '5', '--api-key', 'sk_test_cli', '--client-id', 'client_cli']);
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += String(d)));
    try {
      const doc = JSON.parse(await firstLine(child.stdout, 60_000)) as { url: string; apiKey: string; clientId: string };
      assert.match(doc.url, /^http:\/\/127\.0\.0\.1:\d+$/);
      assert.deepEqual([doc.apiKey, doc.clientId], ['sk_test_cli', 'client_cli']);
      const u = new URL(doc.url);
      const w = new WorkOS(doc.apiKey, { apiHostname: u.hostname, port: Number(u.port), https: false, clientId: doc.clientId });
      const created = await w.userManagement.createUser({ email: 'cli@example.com', password: 'pw-cli-1' });
      assert.equal((await w.userManagement.authenticateWithPassword({ email: 'cli@example.com', password: 'pw-cli-1' })).user.id, created.id);
      const stats = (await (await fetch(`${doc.url}/_sim/stats`)).json()) as { users: number; config: { rateLimit: number; burst: number } };
      assert.equal(stats.users, 1);
      assert.deepEqual([stats.config.rateLimit, stats.config.burst], [5, 50]);
    } finally {
      child.kill('SIGTERM');
    }
    const [code] = (await once(child, 'exit')) as [number | null];
    assert.equal(code, 0, stderr);
    assert.match(stderr, /SIGTERM: simulator stopped after \d+ requests .*1 users/);
  });

  it('without --json prints the URL and the export lines; SIGINT stops it', async () => {
    const child = cli(['sim', 'workos']);
    try {
      const line = await firstLine(child.stdout, 60_000);
      assert.match(line, /^export WORKOS_API_URL=http:\/\/127\.0\.0\.1:\d+$/);
    } finally {
      child.kill('SIGINT');
    }
    const [code] = (await once(child, 'exit')) as [number | null];
    assert.equal(code, 0);
  });

  it('a bad fault spec or an unknown target is a usage error (exit 2)', () => {
    for (const args of [['sim', 'workos', '--faults', '4xx=0.5'], ['sim', 'keycloak'], ['sim', 'workos', '--rate-limit', 'fast']]) {
      const r = spawnSync(process.execPath, ['--import', 'tsx', '-e', ENTRY(args)], { cwd: process.cwd(), encoding: 'utf8', timeout: 60_000 });
      assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, /E_USAGE/);
    }
  });
});
