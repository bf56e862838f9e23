import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Configuration, IdentityApi } from '@ory/kratos-client';

// `flagless sim kratos` as a user runs it: the built CLI in a real process, stopped by a signal.

const BIN = join(process.cwd(), 'bin/flagless.js');

async function lines(stream: NodeJS.ReadableStream, count: number, timeoutMs: number): Promise<string[]> {
  let buf = '';
  const timer = setTimeout(() => stream.emit('error', new Error(`no output within ${timeoutMs} ms`)), timeoutMs);
  try {
    for await (const chunk of stream) {
      buf += String(chunk);
      const all = buf.split('\n');
      if (all.length > count) return all.slice(0, count);
    }
  } finally {
    clearTimeout(timer);
  }
  throw new Error('stream ended early');
}

describe('flagless sim kratos', () => {
  it('prints the four export lines, serves the Ory SDK, and stops cleanly on SIGTERM (exit 0)', async () => {
    const child = spawn(process.execPath, [BIN, 'sim', 'kratos'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += String(d)));
    try {
      const out = await lines(child.stdout, 4, 60_000);
      const env = Object.fromEntries(out.map((l) => /^export ([A-Z_]+)=(.*)$/.exec(l)!.slice(1, 3) as [string, string]));
      assert.deepEqual(Object.keys(env).sort(), ['KETO_READ_URL', 'KETO_WRITE_URL', 'KRATOS_ADMIN_URL', 'KRATOS_PUBLIC_URL']);
      const admin = new IdentityApi(new Configuration({ basePath: env.KRATOS_ADMIN_URL }));
      await admin.createIdentity({ createIdentityBody: { schema_id: 'default', traits: { email: 'cli@example.com' } } });
      assert.equal((await admin.listIdentities()).data.length, 1);
    } finally {
      child.kill('SIGTERM');
    }
    const [code] = (await once(child, 'exit')) as [number | null];
    assert.equal(code, 0, stderr);
    assert.match(stderr, /SIGTERM: simulator stopped after \d+ requests .*1 identities/);
  });

  it('--ory-network without --api-key is a usage error (exit 2)', () => {
    const r = spawnSync(process.execPath, [BIN, 'sim', 'kratos', '--ory-network'], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /E_USAGE/);
  });
});
