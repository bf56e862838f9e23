import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { hashPassword, verifyPassword } from '../../model/password/index.js';
import type { CanonicalUser, Organization } from '../../model/user.js';
import { FlaglessError } from '../../protocol/errors.js';
import type { Problem } from '../../protocol/problem.js';
import type { SourceOptions } from '../../protocol/source.js';
import { readAuth0Api, USER_QUERY_LIMIT, type Auth0ApiTuning } from './read-api.js';
import { source } from './index.js';
import { startAuth0Simulator, type Auth0Simulator, type Auth0SimulatorOptions } from './sim/management-api.js';
import type { Auth0User } from './types.js';

interface Read {
  users: CanonicalUser[];
  organizations: Organization[];
  problems: Problem[];
}

async function collect(items: AsyncIterable<{ type: string } & Record<string, unknown>>): Promise<Read> {
  const out: Read = { users: [], organizations: [], problems: [] };
  for await (const item of items) {
    if (item.type === 'user') out.users.push(item.user as CanonicalUser);
    else if (item.type === 'organization') out.organizations.push(item.organization as Organization);
    else out.problems.push(item.problem as Problem);
  }
  return out;
}

function dbUser(i: number, createdAt: string): Auth0User {
  const oid = i.toString(16).padStart(24, '0');
  return {
    user_id: `auth0|${oid}`,
    email: `user${i}@example.com`,
    email_verified: true,
    created_at: createdAt,
    identities: [{ connection: 'Username-Password-Authentication', provider: 'auth0', user_id: oid, isSocial: false }],
  };
}

function spread(n: number, fromIso = '2020-01-01T00:00:00.000Z', firstId = 1): Auth0User[] {
  const start = Date.parse(fromIso);
  return Array.from({ length: n }, (_, i) => dbUser(firstId + i, new Date(start + i * 3_600_000).toISOString()));
}

describe('auth0 Management API reader (real auth0 SDK against the local simulator)', () => {
  const sims: Auth0Simulator[] = [];
  const dirs: string[] = [];
  after(async () => {
    for (const s of sims) await s.close();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  async function sim(options: Auth0SimulatorOptions): Promise<Auth0Simulator> {
    const s = await startAuth0Simulator(options);
    sims.push(s);
    return s;
  }

  function optionsFor(s: Auth0Simulator, extra: Partial<SourceOptions> = {}): SourceOptions {
    return { api: true, apiUrl: s.url, env: { AUTH0_DOMAIN: s.domain, AUTH0_CLIENT_ID: s.clientId, AUTH0_CLIENT_SECRET: s.clientSecret }, ...extra };
  }

  it('reads organizations, members with roles and users with client credentials, joining a password file', async () => {
    const users: Auth0User[] = [
      ...spread(120),
      { user_id: 'google-oauth2|1098', email: 'g@example.com', created_at: '2023-01-01T00:00:00.000Z', identities: [{ provider: 'google-oauth2', user_id: '1098', connection: 'google-oauth2', isSocial: true }] },
    ];
    const organizations = Array.from({ length: 60 }, (_, i) => ({ id: `org_${String(i).padStart(16, '0')}`, name: `org-${i}`, display_name: `Org ${i}`, metadata: { n: String(i) } }));
    const memberships = [
      ...Array.from({ length: 70 }, (_, i) => ({ organization_id: 'org_0000000000000000', user_id: users[i]!.user_id!, roles: [{ id: 'rol_member', name: 'member' }] })),
      { organization_id: 'org_0000000000000059', user_id: 'google-oauth2|1098', roles: [{ id: 'rol_admin', name: 'admin' }, { id: 'rol_member', name: 'member' }] },
    ];
    const s = await sim({ users, organizations, memberships });
    const dir = mkdtempSync(join(tmpdir(), 'flagless-auth0-api-'));
    dirs.push(dir);
    const hash = (await hashPassword('bcrypt', 'secret-one', { cost: 4 })).phc.reveal();
    const oid = users[0]!.identities![0]!.user_id as string;
    const passwords = join(dir, 'passwords.ndjson');
    writeFileSync(passwords, `${JSON.stringify({ _id: { $oid: oid }, email: users[0]!.email, passwordHash: hash, connection: 'Username-Password-Authentication' })}\n`);

    const r = await collect(source.open(optionsFor(s, { passwords })).read());
    assert.equal(r.organizations.length, 60, 'organizations across checkpoint pages');
    assert.equal(r.users.length, 121);
    const byId = new Map(r.users.map((u) => [u.sourceId, u]));
    assert.deepEqual(byId.get('google-oauth2|1098')?.memberships, [{ organizationId: 'org_0000000000000059', roles: ['admin', 'member'] }]);
    assert.deepEqual(byId.get(users[69]!.user_id!)?.memberships, [{ organizationId: 'org_0000000000000000', roles: ['member'] }], 'members across checkpoint pages');
    assert.equal(await verifyPassword(byId.get(users[0]!.user_id!)!.password!, 'secret-one'), true);
    assert.equal(byId.get(users[1]!.user_id!)?.passwordPlan, 'jit');
    assert.equal(r.problems.filter((p) => p.code === 'E_PASSWORD_MISSING').length, 119);
    assert.equal(s.tokensIssued, 1, 'one client-credentials token for the whole read');
    const memberCalls = s.requests.filter((q) => q.path.endsWith('/members'));
    assert.ok(memberCalls.every((q) => q.query.fields === 'user_id,roles' && q.query.include_fields === 'true'), 'roles are asked for with fields=roles');
    assert.ok(s.requests.filter((q) => q.path === '/api/v2/users').every((q) => q.query.q === undefined), 'a small tenant is paged plainly');
  });

  it('reads past the 1000-users-per-query limit in created_at windows, without a gap or a repeat', async () => {
    const s = await sim({ users: spread(2500) });
    const r = await collect(source.open(optionsFor(s)).read());
    assert.equal(r.users.length, 2500);
    assert.equal(new Set(r.users.map((u) => u.sourceId)).size, 2500);
    assert.deepEqual(r.problems.filter((p) => p.code !== 'E_NO_EMAIL'), []);
    const userCalls = s.requests.filter((q) => q.path === '/api/v2/users');
    assert.ok(userCalls.some((q) => q.query.q?.startsWith('created_at:[')), 'windows were used');
    assert.ok(userCalls.every((q) => q.status === 200), 'no request hit the paging limit');
    assert.ok(userCalls.every((q) => Number(q.query.page ?? 0) * Number(q.query.per_page) < USER_QUERY_LIMIT));
  });

  it('reports, never drops silently, more than 1000 users created in the same millisecond', async () => {
    const sameMs = Array.from({ length: 1005 }, (_, i) => dbUser(i + 1, '2021-06-01T12:00:00.000Z'));
    const s = await sim({ users: [...sameMs, ...spread(10, '2022-01-01T00:00:00.000Z', 5000)] });
    const r = await collect(source.open(optionsFor(s)).read());
    assert.equal(r.users.length, 1010);
    assert.equal(r.problems.filter((x) => x.code === 'E_DUPLICATE_ID').length, 0);
    const p = r.problems.find((x) => x.code === 'E_SOURCE_API');
    assert.match(p?.message ?? '', /1005 users were created at 2021-06-01T12:00:00\.000Z/);
  });

  it('honours a 429 with Retry-After / X-RateLimit-Reset and carries on', async () => {
    const s = await sim({ users: spread(5), organizations: [{ id: 'org_a', name: 'a' }] });
    s.rateLimitNext(1, { retryAfterSeconds: 1, resetInSeconds: 1 });
    const started = Date.now();
    const r = await collect(source.open(optionsFor(s)).read());
    assert.equal(r.users.length, 5);
    assert.ok(Date.now() - started >= 900, 'the client waited for the reset');
    const statuses = s.requests.filter((q) => q.path.startsWith('/api/v2/')).map((q) => q.status);
    assert.equal(statuses[0], 429);
    assert.equal(statuses[1], 200);
  });

  it('gives up after bounded retries with a retriable E_SOURCE_API carrying the wait', async () => {
    const s = await sim({ users: spread(5) });
    s.rateLimitNext(100, { retryAfterSeconds: 1 });
    const tuning: Auth0ApiTuning = { maxRetries: 1 };
    await assert.rejects(collect(readAuth0Api(optionsFor(s), tuning) as AsyncIterable<{ type: string } & Record<string, unknown>>), (e: unknown) => {
      assert.ok(e instanceof FlaglessError);
      assert.equal(e.code, 'E_SOURCE_API');
      assert.equal(e.errorClass, 'retriable');
      assert.equal(e.retryAfterSeconds, 1);
      return true;
    });
    assert.equal(s.requests.filter((q) => q.status === 429).length, 2, 'one try and one retry');
  });

  it('accepts a ready-made AUTH0_MGMT_TOKEN', async () => {
    const s = await sim({ users: spread(3), tokens: ['static-token'] });
    const r = await collect(source.open({ api: true, apiUrl: s.url, env: { AUTH0_DOMAIN: s.domain, AUTH0_MGMT_TOKEN: 'static-token' } }).read());
    assert.equal(r.users.length, 3);
    assert.equal(s.tokensIssued, 0);
  });

  it('says what to fix on bad or missing credentials, without echoing the secret', async () => {
    const s = await sim({ users: spread(3) });
    await assert.rejects(collect(source.open({ api: true, apiUrl: s.url, env: { AUTH0_DOMAIN: s.domain, AUTH0_CLIENT_ID: s.clientId, AUTH0_CLIENT_SECRET: 'wrong-secret-value' } }).read()), (e: unknown) => {
      assert.ok(e instanceof FlaglessError);
      assert.equal(e.code, 'E_SOURCE_API');
      assert.match(e.message, /401.*AUTH0_CLIENT_SECRET/s);
      assert.ok(!e.message.includes('wrong-secret-value'));
      return true;
    });
    await assert.rejects(collect(source.open({ api: true, env: {} }).read()), (e: unknown) => e instanceof FlaglessError && e.code === 'E_USAGE');
    await assert.rejects(collect(source.open({ api: true, env: { AUTH0_DOMAIN: 'x.auth0.com' } }).read()), (e: unknown) => e instanceof FlaglessError && e.code === 'E_USAGE');
  });
});
