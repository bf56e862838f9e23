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
    // As Kratos's persister answers a uniqueness clash (ory/x sqlcon.ErrUniqueViolation: no reason) and a schema failure (its own reason).
    assert.deepEqual(items[2]!.error, { code: 409, status: 'Conflict', message: 'Unable to insert or update resource because a resource with that value exists already' });
    assert.equal((items[3]!.error as any).code, 400);
    assert.equal((items[3]!.error as any).status, 'Bad Request');
    assert.match((items[3]!.error as any).reason, /email/);
    assert.equal(items[2]!.identity, undefined);
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

  it('PATCH /admin/identities/{id} applies a JSON Patch: state with state_changed_at, traits validated, denied paths and bad states refused', async () => {
    const id = (await admin.createIdentity({ createIdentityBody: person(40) as never })).data.id;
    const before = sim.store.identities.get(id)!;
    await new Promise((r) => setTimeout(r, 5));
    const off = await admin.patchIdentity({ id, jsonPatch: [{ op: 'replace', path: '/state', value: 'inactive' }] });
    assert.equal(off.data.state, 'inactive');
    assert.notEqual(off.data.state_changed_at, before.state_changed_at, 'the state change is stamped');
    assert.deepEqual(off.data.traits, before.traits, 'nothing else changed');
    const again = await admin.patchIdentity({ id, jsonPatch: [{ op: 'test', path: '/state', value: 'inactive' }, { op: 'replace', path: '/traits/name/last', value: 'Patched' }] });
    assert.equal(again.data.state_changed_at, off.data.state_changed_at, 'no state change, same stamp');
    assert.equal((again.data.traits as any).name.last, 'Patched');
    const bad = async (jsonPatch: { op: string; path: string; value?: unknown; from?: string }[]) => (await rejection(admin.patchIdentity({ id, jsonPatch }))).response;
    assert.match((await bad([{ op: 'replace', path: '/state', value: 'deleted' }])).data.error.reason, /The supplied state \('deleted'\) was not valid/);
    assert.match((await bad([{ op: 'replace', path: '/id', value: '00000000-0000-4000-8000-000000000000' }])).data.error.reason, /denied path/);
    assert.match((await bad([{ op: 'remove', path: '/credentials/oidc' }])).data.error.reason, /denied path/);
    assert.match((await bad([{ op: 'test', path: '/state', value: 'active' }, { op: 'replace', path: '/state', value: 'active' }])).data.error.reason, /test operation for path "\/state" failed/);
    assert.equal((await bad([{ op: 'remove', path: '/traits/email' }])).status, 400, 'the schema requires the email trait');
    assert.equal((await bad([{ op: 'replace', path: '/external_id', value: 'src_1' }])).status, 409, 'external_id stays unique');
    assert.equal(sim.store.identities.get(id)!.state, 'inactive', 'a refused patch changed nothing');
    assert.equal((await rejection(admin.patchIdentity({ id: '00000000-0000-4000-8000-000000000000', jsonPatch: [] }))).response.status, 404);
  });

  it('DELETE /admin/identities/{id}: 204, then 404; the identity is found by nothing', async () => {
    const id = (await admin.createIdentity({ createIdentityBody: person(41) as never })).data.id;
    assert.equal((await admin.deleteIdentity({ id })).status, 204);
    assert.equal((await rejection(admin.deleteIdentity({ id }))).response.status, 404);
    assert.equal((await rejection(admin.getIdentityByExternalID({ externalID: 'src_41' }))).response.status, 404);
    assert.deepEqual((await admin.listIdentities({ credentialsIdentifier: 'user41@example.com' })).data, []);
  });

  it("Keto's DELETE /admin/relation-tuples: namespace required, no unknown keys, every match deleted, 204 either way", async () => {
    const put = (t: object) => fetch(`${sim.url}/admin/relation-tuples`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(t) });
    for (const relation of ['admin', 'member']) assert.equal((await put({ namespace: 'orgs', object: 'o1', relation, subject_id: 'u1' })).status, 201);
    assert.equal((await put({ namespace: 'orgs', object: 'o1', relation: 'member', subject_id: 'u2' })).status, 201);
    const del = (q: string) => fetch(`${sim.url}/admin/relation-tuples?${q}`, { method: 'DELETE' });
    const noNamespace = await del('object=o1');
    assert.equal(noNamespace.status, 400);
    assert.match(((await noNamespace.json()) as any).error.reason, /at least one of the following: namespace/);
    assert.match(((await (await del('namespace=orgs&role=x')).json()) as any).error.reason, /query parameter key "role" unknown/);
    assert.equal((await del('namespace=orgs&object=o1&subject_id=u1')).status, 204);
    assert.equal((await del('namespace=orgs&object=o1&subject_id=u1')).status, 204, 'nothing left to match: still 204');
    const left = (await (await fetch(`${sim.url}/relation-tuples?namespace=orgs&object=o1`)).json()) as { relation_tuples: { subject_id: string }[] };
    assert.deepEqual(left.relation_tuples.map((t) => t.subject_id), ['u2']);
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
