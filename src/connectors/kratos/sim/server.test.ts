import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { Configuration, FrontendApi, IdentityApi } from '@ory/kratos-client';
import { startKratosSimulator, type KratosSimulator } from './server.js';

// Ory's official SDK (@ory/kratos-client 26.2.0) against the simulator, endpoint by endpoint.
// The SDK sends its `apiKey` as the Authorization header as is (security scheme oryAccessToken).

async function rejection(p: Promise<unknown>): Promise<{ response: { status: number; data: any; headers: any } }> {
  try {
    await p;
  } catch (e) {
    return e as never;
  }
  assert.fail('expected the call to fail');
}

const ARGON = '$argon2id$v=19$m=32,t=2,p=4$cm94YnRVOW5jZzFzcVE4bQ$MNzk5BtR2vUhrp6qQEjRNw'; // "test", from Kratos's hasher tests

function person(n: number, extra: Record<string, unknown> = {}) {
  return { schema_id: 'default', traits: { email: `User${n}@Example.com`, name: { first: 'U', last: String(n) } }, external_id: `src_${n}`, ...extra };
}

describe('Kratos simulator through @ory/kratos-client', () => {
  let sim: KratosSimulator;
  let admin: IdentityApi;
  let frontend: FrontendApi;
  before(async () => {
    sim = await startKratosSimulator({ bcryptCost: 4 });
    admin = new IdentityApi(new Configuration({ basePath: sim.url }));
    frontend = new FrontendApi(new Configuration({ basePath: sim.url }));
  });
  after(() => sim.stop());

  it('batch PATCH creates identities, answers per item with patch ids, and quarantines only the failing items', async () => {
    const res = await admin.batchPatchIdentities({
      patchIdentitiesBody: {
        identities: [
          { patch_id: '00000000-0000-4000-8000-000000000001', create: { ...person(1), credentials: { password: { config: { hashed_password: ARGON } } } } as never },
          { patch_id: '00000000-0000-4000-8000-000000000002', create: person(2) as never },
          { patch_id: '00000000-0000-4000-8000-000000000003', create: { ...person(3), external_id: 'src_1' } as never },
          { patch_id: '00000000-0000-4000-8000-000000000004', create: { schema_id: 'default', traits: { email: 'not-an-email' } } as never },
        ],
      },
    });
    assert.equal(res.status, 200);
    const items = res.data.identities!;
    assert.deepEqual(items.map((i) => i.action), ['create', 'create', 'error', 'error']);
    assert.deepEqual(items.map((i) => i.patch_id), ['00000000-0000-4000-8000-000000000001', '00000000-0000-4000-8000-000000000002', '00000000-0000-4000-8000-000000000003', '00000000-0000-4000-8000-000000000004']);
    assert.equal((items[2]!.error as any).code, 409);
    assert.equal((items[3]!.error as any).code, 400);
    const one = await admin.getIdentityByExternalID({ externalID: 'src_1' });
    assert.equal(one.data.id, items[0]!.identity);
    assert.equal(one.data.traits.email, 'User1@Example.com');
    assert.equal(one.data.verifiable_addresses![0]!.value, 'user1@example.com');
    assert.deepEqual(one.data.credentials!.password!.identifiers, ['user1@example.com']);
    assert.equal((await rejection(admin.getIdentityByExternalID({ externalID: 'nope' }))).response.status, 404);
  });

  it('one credential Kratos cannot parse fails the whole request with 400, and nothing is written', async () => {
    const before = sim.stats().identities;
    const err = await rejection(
      admin.batchPatchIdentities({
        patchIdentitiesBody: {
          identities: [{ create: person(10) as never }, { create: { ...person(11), credentials: { password: { config: { hashed_password: '$unknown$abc' } } } } as never }],
        },
      }),
    );
    assert.equal(err.response.status, 400);
    assert.match(err.response.data.error.reason, /does not match any known hash format/);
    assert.equal(sim.stats().identities, before);
  });

  it('enforces the batch limits and the strict body decoder', async () => {
    const many = Array.from({ length: 1001 }, (_, i) => ({ create: person(1000 + i) as never }));
    assert.equal((await rejection(admin.batchPatchIdentities({ patchIdentitiesBody: { identities: many } }))).response.status, 400);
    const plain = Array.from({ length: 201 }, (_, i) => ({ create: { ...person(3000 + i), credentials: { password: { config: { password: 'pw' } } } } as never }));
    assert.match((await rejection(admin.batchPatchIdentities({ patchIdentitiesBody: { identities: plain } }))).response.data.error.reason, /plaintext password is 200/);
    assert.match((await rejection(admin.createIdentity({ createIdentityBody: { ...person(20), bogus: 1 } as never }))).response.data.error.reason, /unknown field "bogus"/);
  });

  it('pages through identities with the Link header', async () => {
    const seen = new Set<string>();
    let token: string | undefined;
    let pages = 0;
    do {
      const res = await admin.listIdentities({ pageSize: 1, ...(token ? { pageToken: token } : {}) });
      for (const i of res.data) seen.add(i.id);
      const next = /<([^>]+)>;\s*rel="next"/.exec(String(res.headers.link ?? ''));
      token = next ? new URL(next[1]!).searchParams.get('page_token') ?? undefined : undefined;
      pages++;
    } while (token && pages < 100);
    assert.equal(seen.size, sim.stats().identities);
    assert.equal(pages, sim.stats().identities);
  });

  it('native login flow: verifies the imported hash for real, refuses a wrong password with message 4000006', async () => {
    const flow = (await frontend.createNativeLoginFlow()).data;
    const ok = await frontend.updateLoginFlow({ flow: flow.id, updateLoginFlowBody: { method: 'password', identifier: 'user1@example.com', password: 'test' } });
    assert.equal(ok.data.session.identity!.external_id, 'src_1');
    assert.ok(ok.data.session_token);
    const flow2 = (await frontend.createNativeLoginFlow()).data;
    const bad = await rejection(frontend.updateLoginFlow({ flow: flow2.id, updateLoginFlowBody: { method: 'password', identifier: 'user1@example.com', password: 'wrong' } }));
    assert.equal(bad.response.status, 400);
    assert.equal(bad.response.data.ui.messages[0].id, 4000006);
  });

  it('calls the password-migration hook once, then signs in with the migrated hash', async () => {
    const calls: unknown[] = [];
    const hook = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        calls.push({ auth: req.headers.authorization, body: JSON.parse(body) });
        const ok = JSON.parse(body).password === 'legacy-pw';
        res.writeHead(ok ? 200 : 403, { 'content-type': 'application/json' }).end(ok ? '{"status":"password_match"}' : '{}');
      });
    });
    await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r));
    try {
      sim.setMigrationHook(`http://127.0.0.1:${(hook.address() as AddressInfo).port}/hook`, 'tok');
      await admin.createIdentity({ createIdentityBody: { ...person(30), credentials: { password: { config: { use_password_migration_hook: true } } } } as never });
      const login = async (password: string) => {
        const flow = (await frontend.createNativeLoginFlow()).data;
        return frontend.updateLoginFlow({ flow: flow.id, updateLoginFlowBody: { method: 'password', identifier: 'user30@example.com', password } }).then(
          () => true,
          () => false,
        );
      };
      assert.equal(await login('wrong'), false);
      assert.equal(await login('legacy-pw'), true);
      assert.equal(await login('legacy-pw'), true);
      assert.equal(calls.length, 2, 'the second successful sign-in no longer calls the hook');
      assert.deepEqual(calls[1], { auth: 'Bearer tok', body: { identifier: 'user30@example.com', password: 'legacy-pw' } });
    } finally {
      sim.setMigrationHook(undefined);
      hook.close();
    }
  });
});

describe('Kratos simulator as an Ory Network project', () => {
  it('needs the API key on admin APIs and rate limits identity writes with x-ratelimit-reset', async () => {
    const sim = await startKratosSimulator({ adminToken: 'ory_pat_test', rateLimit: { perSecond: 2, perMinute: 400 } });
    try {
      const anonymous = new IdentityApi(new Configuration({ basePath: sim.url }));
      assert.equal((await rejection(anonymous.listIdentities())).response.status, 401);
      const admin = new IdentityApi(new Configuration({ basePath: sim.url, apiKey: 'Bearer ory_pat_test' }));
      await admin.createIdentity({ createIdentityBody: person(1) as never });
      await admin.createIdentity({ createIdentityBody: person(2) as never });
      const limited = await rejection(admin.createIdentity({ createIdentityBody: person(3) as never }));
      assert.equal(limited.response.status, 429);
      assert.ok(Number(limited.response.headers['x-ratelimit-reset']) >= 1);
      assert.equal(sim.stats().identities, 2);
    } finally {
      await sim.stop();
    }
  });
});
