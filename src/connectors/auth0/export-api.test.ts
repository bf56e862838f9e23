import assert from 'node:assert/strict';
import { appendFile, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { FlaglessError } from '../../protocol/errors.js';
import type { SourceItem, SourceOptions } from '../../protocol/source.js';
import { exportAuth0Api } from './export-api.js';
import { source } from './index.js';
import { startAuth0Simulator, type Auth0Simulator } from './sim/management-api.js';
import type { Auth0User } from './types.js';

const USERS = 2500;

function dbUser(i: number, createdAt: string): Auth0User {
  const oid = i.toString(16).padStart(24, '0');
  return {
    user_id: `auth0|${oid}`,
    email: `user${i}@example.com`,
    email_verified: true,
    created_at: createdAt,
    app_metadata: { plan: i % 2 ? 'pro' : 'free' },
    identities: [{ connection: 'Username-Password-Authentication', provider: 'auth0', user_id: oid, isSocial: false }],
  };
}

const start = Date.parse('2020-01-01T00:00:00.000Z');
const users: Auth0User[] = [
  ...Array.from({ length: USERS - 1 }, (_, i) => dbUser(i + 1, new Date(start + i * 3_600_000).toISOString())),
  { user_id: 'google-oauth2|1098', email: 'g@example.com', created_at: '2023-01-01T00:00:00.000Z', identities: [{ provider: 'google-oauth2', user_id: '1098', connection: 'google-oauth2', isSocial: true }] },
];
const organizations = Array.from({ length: 60 }, (_, i) => ({ id: `org_${String(i).padStart(16, '0')}`, name: `org-${i}`, display_name: `Org ${i}`, metadata: { n: String(i) } }));
const memberships = [
  ...Array.from({ length: 70 }, (_, i) => ({ organization_id: 'org_0000000000000000', user_id: users[i]!.user_id!, roles: [{ id: 'rol_member', name: 'member' }] })),
  { organization_id: 'org_0000000000000059', user_id: 'google-oauth2|1098', roles: [{ id: 'rol_admin', name: 'admin' }, { id: 'rol_member', name: 'member' }] },
];

interface Read {
  users: Map<string, unknown>;
  organizations: string[];
  memberships: string[];
}

async function collect(items: AsyncIterable<SourceItem>): Promise<Read> {
  const r: Read = { users: new Map(), organizations: [], memberships: [] };
  for await (const item of items) {
    if (item.type === 'user') {
      assert.ok(!r.users.has(item.user.sourceId), `${item.user.sourceId} read once`);
      const { emails, identities, memberships: ms, metadata, disabled } = item.user;
      r.users.set(item.user.sourceId, { emails, identities, ms, metadata, disabled });
      for (const m of item.user.memberships ?? []) r.memberships.push(`${item.user.sourceId} ${m.organizationId} ${m.roles.join('+')}`);
    } else if (item.type === 'organization') r.organizations.push(`${item.organization.sourceId} ${item.organization.name}`);
  }
  r.memberships.sort();
  r.organizations.sort();
  return r;
}

const exists = (p: string) => stat(p).then(() => true, () => false);

describe('flagless export --from auth0 --api: a resumable Management API dump, against the local simulator', () => {
  let sim: Auth0Simulator;
  let dir: string;
  let env: Record<string, string>;
  before(async () => {
    sim = await startAuth0Simulator({ users, organizations, memberships });
    env = { AUTH0_DOMAIN: sim.domain, AUTH0_CLIENT_ID: sim.clientId, AUTH0_CLIENT_SECRET: sim.clientSecret };
    dir = await mkdtemp(join(tmpdir(), 'flagless-export-auth0-'));
  });
  after(async () => {
    await sim.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('stopped mid-users with a torn page, continues from the checkpoint; the dump reads back as the API does, each user once', async () => {
    const out = join(dir, 'auth0.json');
    const options = { out, env, apiUrl: sim.url };
    const ac = new AbortController();
    let userPages = 0;
    await assert.rejects(
      exportAuth0Api({
        ...options,
        signal: ac.signal,
        onProgress: (p) => {
          if (p.section === 'users' && ++userPages === 13) ac.abort();
        },
      }),
      (e: unknown) => e instanceof FlaglessError && e.code === 'E_INTERRUPTED',
    );
    assert.equal(await exists(out), false);
    const cp = JSON.parse(await readFile(`${out}.partial.json`, 'utf8')) as { sections: string[]; open: number; counts: Record<string, number>; cursor: { users?: { q: string | null } } };
    assert.equal(cp.sections[cp.open], 'users');
    assert.ok(cp.counts.users! > 500 && cp.counts.users! < USERS, `stopped part-way (${cp.counts.users} users saved)`);
    assert.equal(cp.counts.organizations, 60);
    assert.equal(cp.counts.memberships, 71);
    assert.match(cp.cursor.users?.q ?? '', /^created_at:\[/, 'stopped inside a created_at window');
    assert.ok(!JSON.stringify(cp).includes(sim.clientSecret), 'no secret in the checkpoint');
    await appendFile(`${out}.partial`, `,\n${JSON.stringify(users[0])}`.repeat(5000));

    const before = sim.requests.length;
    const r = await exportAuth0Api(options);
    assert.equal(r.resumed, true);
    assert.deepEqual(r.counts, { users: USERS, organizations: 60, memberships: 71 });
    const resumed = sim.requests.slice(before);
    assert.ok(!resumed.some((q) => q.path.includes('/organizations')), 'finished lists are not read again');

    const dump = JSON.parse(await readFile(out, 'utf8')) as { users: Auth0User[] };
    assert.equal(new Set(dump.users.map((u) => u.user_id)).size, USERS);
    assert.equal(dump.users.length, USERS);

    const fromDump = await collect(source.open({ apiDump: out }).read());
    const apiOptions: SourceOptions = { api: true, apiUrl: sim.url, env };
    const beforeRead = sim.requests.length;
    const fromApi = await collect(source.open(apiOptions).read());
    const userCalls = (qs: typeof resumed) => qs.filter((q) => q.path === '/api/v2/users' && q.status === 200).length;
    // 13 pages were saved before the stop: the resumed run asks for at least 12 fewer than a whole read.
    assert.ok(userCalls(sim.requests.slice(beforeRead)) - userCalls(resumed) >= 12, 'the saved users are not read again');
    assert.equal(fromDump.users.size, USERS);
    assert.deepEqual([...fromDump.users.keys()].sort(), [...fromApi.users.keys()].sort());
    for (const [id, u] of fromApi.users) assert.deepEqual(fromDump.users.get(id), u, `${id} reads the same from the dump`);
    assert.deepEqual(fromDump.organizations, fromApi.organizations);
    assert.deepEqual(fromDump.memberships, fromApi.memberships);
    assert.equal(fromDump.memberships.length, 71);
  });

  it('refuses wrong credentials before writing anything', async () => {
    const out = join(dir, 'refused.json');
    await assert.rejects(
      exportAuth0Api({ out, env: { ...env, AUTH0_CLIENT_SECRET: 'not-the-secret' }, apiUrl: sim.url }),
      (e: unknown) => e instanceof FlaglessError && e.code === 'E_SOURCE_API' && e.errorClass === 'fatal' && !e.message.includes('not-the-secret'),
    );
    assert.equal(await exists(`${out}.partial`), false);
  });
});
