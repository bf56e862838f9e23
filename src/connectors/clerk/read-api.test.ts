import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { CanonicalUser, Organization } from '../../model/user.js';
import { FlaglessError } from '../../protocol/errors.js';
import type { Problem } from '../../protocol/problem.js';
import type { SourceItem } from '../../protocol/source.js';
import { readClerkApi } from './read-api.js';
import { source } from './index.js';
import { startClerkSimulator, type ClerkSimulator, type ClerkSimulatorData } from './sim/backend-api.js';
import type { ClerkUserJson } from './types.js';

const KEY = 'sk_test_flagless_simulator';

function user(n: number, extra: Partial<ClerkUserJson> = {}): ClerkUserJson {
  return {
    id: `user_2sim${n}`,
    first_name: `First${n}`,
    last_name: `Last${n}`,
    primary_email_address_id: `idn_${n}`,
    email_addresses: [{ id: `idn_${n}`, email_address: `u${n}@example.com`, verification: { status: 'verified' } }],
    phone_numbers: [],
    external_accounts: [],
    public_metadata: {},
    private_metadata: {},
    unsafe_metadata: {},
    password_enabled: n % 2 === 0,
    banned: false,
    created_at: 1_700_000_000_000 + n * 1000,
    ...extra,
  };
}

const DATA: ClerkSimulatorData = {
  // Listed newest first, as Clerk's default order would give them; the reader asks for +created_at.
  users: [7, 6, 5, 4, 3, 2, 1].map((n) =>
    user(n, n === 3 ? { external_accounts: [{ provider: 'oauth_github', provider_user_id: '4242', email_address: 'u3@example.com' }], banned: true } : {}),
  ),
  organizations: [
    { id: 'org_a', name: 'Acme', slug: 'acme', created_at: 1 },
    { id: 'org_b', name: 'Globex', slug: 'globex', created_at: 2 },
    { id: 'org_c', name: 'Initech', slug: 'initech', created_at: 3 },
  ],
  memberships: [
    { id: 'orgmem_1', role: 'org:admin', organization: { id: 'org_a' }, public_user_data: { user_id: 'user_2sim1' } },
    { id: 'orgmem_2', role: 'org:member', organization: { id: 'org_b' }, public_user_data: { user_id: 'user_2sim1' } },
    { id: 'orgmem_3', role: 'org:member', organization: { id: 'org_c' }, public_user_data: { user_id: 'user_2sim5' } },
    { id: 'orgmem_4', role: 'org:member', organization: { id: 'org_zzz' }, public_user_data: { user_id: 'user_2sim6' } },
  ],
};

interface Read {
  users: CanonicalUser[];
  organizations: Organization[];
  problems: Problem[];
}

async function collect(items: AsyncIterable<SourceItem>): Promise<Read> {
  const out: Read = { users: [], organizations: [], problems: [] };
  for await (const item of items) {
    if (item.type === 'user') out.users.push(item.user);
    else if (item.type === 'organization') out.organizations.push(item.organization);
    else out.problems.push(item.problem);
  }
  return out;
}

describe('clerk Backend API reader, through @clerk/backend against the local simulator', () => {
  let sim: ClerkSimulator;
  before(async () => {
    sim = await startClerkSimulator(DATA, { secretKey: KEY });
  });
  after(() => sim.close());

  it('pages through users, organizations and memberships, and waits out a 429 with Retry-After', async () => {
    sim.requests.length = 0;
    sim.injectRateLimit(1, 1);
    const started = performance.now();
    const r = await collect(readClerkApi({ api: true, env: { CLERK_SECRET_KEY: KEY }, apiUrl: sim.url }, { pageSize: 2 }));
    const elapsed = performance.now() - started;

    assert.deepEqual(
      r.users.map((u) => u.sourceId),
      [1, 2, 3, 4, 5, 6, 7].map((n) => `user_2sim${n}`),
      'every user once, oldest first',
    );
    assert.deepEqual(
      r.organizations.map((o) => o.sourceId),
      ['org_a', 'org_b', 'org_c'],
    );
    const u1 = r.users[0]!;
    assert.deepEqual(u1.memberships, [
      { organizationId: 'org_a', roles: ['org:admin'] },
      { organizationId: 'org_b', roles: ['org:member'] },
    ]);
    assert.deepEqual(u1.emails, [{ address: 'u1@example.com', normalized: 'u1@example.com', verified: true, primary: true }]);
    assert.equal(r.users[1]!.passwordPlan, 'jit', 'a password the API cannot give moves at first login');
    assert.equal(u1.passwordPlan, 'none');
    const u3 = r.users[2]!;
    assert.deepEqual(u3.identities, [{ provider: 'github', providerUserId: '4242', kind: 'social', connection: 'oauth_github', email: 'u3@example.com' }]);
    assert.equal(u3.disabled, true);
    assert.deepEqual(
      r.problems.map((p) => [p.code, p.sourceId]),
      [['E_MEMBERSHIP_ORPHAN', 'user_2sim6']],
    );

    const throttled = sim.requests.filter((q) => q.status === 429);
    assert.equal(throttled.length, 1, 'one 429 was served');
    assert.ok(elapsed >= 950, `Retry-After: 1 was honoured (${Math.round(elapsed)} ms)`);
    // The SDK leaves out falsy query parameters: offset 0 is not sent.
    const userPages = sim.requests.filter((q) => q.path === '/v1/users' && q.status === 200).map((q) => new URLSearchParams(q.query).get('offset') ?? '0');
    assert.deepEqual(userPages, ['0', '2', '4', '6']);
    for (const q of sim.requests.filter((x) => x.path === '/v1/users')) {
      const params = new URLSearchParams(q.query);
      assert.equal(params.get('limit'), '2');
      assert.equal(params.get('order_by'), '+created_at');
    }
    assert.ok(sim.requests.some((q) => q.path === '/v1/organization_memberships'));
  });

  it('is what source.open({api: true}) reads (one page of 500)', async () => {
    const r = await collect(source.open({ api: true, env: { CLERK_SECRET_KEY: KEY }, apiUrl: sim.url }).read());
    assert.equal(r.users.length, 7);
    assert.equal(r.organizations.length, 3);
  });

  it('keeps reading under a sustained rate limit', async () => {
    const limited = await startClerkSimulator(DATA, { secretKey: KEY, rateLimit: { requests: 4, windowMs: 1000 } });
    try {
      const r = await collect(readClerkApi({ api: true, env: { CLERK_SECRET_KEY: KEY }, apiUrl: limited.url }, { pageSize: 3 }));
      assert.equal(r.users.length, 7);
      assert.ok(limited.requests.some((q) => q.status === 429), 'the limit was hit');
    } finally {
      await limited.close();
    }
  });

  it('fails clearly without a key, with a wrong key, and after too many 429s', async () => {
    await assert.rejects(collect(source.open({ api: true, env: {}, apiUrl: sim.url }).read()), (e: unknown) => e instanceof FlaglessError && e.code === 'E_USAGE');
    await assert.rejects(
      collect(source.open({ api: true, env: { CLERK_SECRET_KEY: 'sk_test_wrong' }, apiUrl: sim.url }).read()),
      (e: unknown) => e instanceof FlaglessError && e.code === 'E_SOURCE_API' && /secret key/.test(e.message) && !e.message.includes('sk_test_wrong'),
    );
    sim.injectRateLimit(5, 0);
    await assert.rejects(
      collect(readClerkApi({ api: true, env: { CLERK_SECRET_KEY: KEY }, apiUrl: sim.url }, { maxRateLimited: 2 })),
      (e: unknown) => e instanceof FlaglessError && e.code === 'E_RATE_LIMITED',
    );
    sim.injectRateLimit(0, 0);
  });

  it('the simulator enforces what Clerk documents for these calls', async () => {
    const get = (path: string, key = KEY) => fetch(`${sim.url}${path}`, { headers: { Authorization: `Bearer ${key}` } });
    const ok = await get('/v1/users?limit=2&offset=1&order_by=-created_at');
    assert.equal(ok.status, 200);
    assert.equal(ok.headers.get('content-type'), 'application/json');
    const body = (await ok.json()) as ClerkUserJson[];
    assert.deepEqual(
      body.map((u) => u.id),
      ['user_2sim6', 'user_2sim5'],
    );
    assert.equal((await get('/v1/users?limit=501')).status, 422);
    assert.equal((await get('/v1/users?limit=0')).status, 422);
    assert.equal((await get('/v1/users?offset=-1')).status, 422);
    assert.equal((await get('/v1/users?order_by=password')).status, 422);
    assert.equal((await get('/v1/users', 'sk_test_nope')).status, 401);
    assert.deepEqual(await (await get('/v1/users/count')).json(), { object: 'total_count', total_count: 7 });
    const orgs = (await (await get('/v1/organizations?limit=1')).json()) as { data: unknown[]; total_count: number };
    assert.equal(orgs.data.length, 1);
    assert.equal(orgs.total_count, 3);
    sim.injectRateLimit(1, 3);
    const limited = await get('/v1/users');
    assert.equal(limited.status, 429);
    assert.equal(limited.headers.get('retry-after'), '3');
    const err = (await limited.json()) as { errors: { code: string }[] };
    assert.equal(err.errors[0]!.code, 'too_many_requests');
  });
});
