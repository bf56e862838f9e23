import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { target as betterAuth } from '../../src/connectors/better-auth/index.js';
import { verify } from '../../src/engine/verify.js';
import type { Credential } from '../../src/engine/verify-logins.js';
import { FakeTarget } from './fake-target.js';
import { makeFixture, memorySource, tempDir } from './fixtures.js';
import { FAST_RETRY, runMigrate, statePath } from './harness.js';

const dirs: (() => void)[] = [];
after(() => dirs.forEach((c) => c()));
function newDir(): string {
  const { dir, cleanup } = tempDir();
  dirs.push(cleanup);
  return dir;
}

async function* credentials(list: Credential[]): AsyncIterable<Credential> {
  yield* list;
}

describe('verify (issue 14 §3)', () => {
  test('a dropped connection or a 5xx while listing the target is retried, not fatal', async () => {
    const f = makeFixture({ users: 250, organizations: 2 });
    const target = new FakeTarget();
    await runMigrate(target, memorySource(f), statePath(newDir()));
    // The second page's reply is lost after the server answered, then a 5xx on the next try.
    target.state.script.push({ method: 'listUsers', fault: 'reset-after-apply' }, { method: 'listUsers', fault: '5xx' });
    const lines: string[] = [];
    const r = await verify({ source: memorySource(f), target, plan: { missingPassword: 'jit' }, retry: FAST_RETRY, onProgress: (l) => lines.push(l) });
    assert.equal(r.counts.missing, 0);
    assert.equal(r.users.target, 250, 'every target user counted once, not once per attempt');
    assert.equal(r.counts.extra, 0);
    assert.equal(r.ok, true);
    assert.ok(lines.some((l) => /listing the target's users again/.test(l)), 'the retry is reported');
  });

  test('--logins shows progress as sign-ins finish', async () => {
    const f = makeFixture({ users: 220, organizations: 0 });
    const target = new FakeTarget();
    await runMigrate(target, memorySource(f), statePath(newDir()));
    const list = [...f.passwords].map(([identifier, password]) => ({ line: 0, identifier, password }));
    const lines: string[] = [];
    const r = await verify({ source: memorySource(f), target, plan: { missingPassword: 'jit' }, credentials: credentials(list), onProgress: (l) => lines.push(l) });
    assert.equal(r.logins?.succeeded, list.length);
    const progress = lines.filter((l) => /sign-ins done/.test(l));
    assert.ok(progress.length >= 2, progress.join('\n'));
    assert.match(progress.at(-1)!, new RegExp(`${list.length} sign-ins done`));
  });

  test('enterprise (SAML/OIDC) links are compared by the provider name the target stores (Better Auth)', async () => {
    const dir = newDir();
    const f = makeFixture({ users: 8, organizations: 0 });
    f.users.forEach((u, i) => {
      u.identities = [
        i % 2
          ? { provider: 'saml', providerUserId: `saml-${i}`, kind: 'enterprise', connection: 'acme-saml' }
          : { provider: 'azure-ad', providerUserId: `aad-${i}`, kind: 'enterprise', connection: 'contoso-waad' },
      ];
    });
    const target = await betterAuth.open({ env: {}, db: join(dir, 'ba.db') });
    try {
      const s = await runMigrate(target, memorySource(f), statePath(dir));
      assert.equal(s.complete, true, JSON.stringify(s.quarantine));
      const r = await verify({ source: memorySource(f), target, plan: { missingPassword: 'jit' } });
      assert.equal(r.counts.missingSocialLinks, 0, JSON.stringify(r.missingSocialLinks.slice(0, 3)));
      assert.equal(r.ok, true);
    } finally {
      await target.close();
    }
  });
});
