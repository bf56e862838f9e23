/**
 * `flagless export --from cognito --api` against cognito-local (see read-api.test.ts). cognito-local
 * returns every user in one ListUsers page, so the stop is made between groups' member lists.
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { appendFile, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { FlaglessError } from '../../protocol/errors.js';
import type { SourceItem } from '../../protocol/source.js';
import { startCognitoLocal, stopChild } from '../../../test/helpers/processes.js';
import { exportCognitoApi } from './export-api.js';
import { source } from './index.js';

const SECRET_KEY = 'flagless-export-secret-key-0123456789';
const CREDENTIALS = { AWS_ACCESS_KEY_ID: 'local', AWS_SECRET_ACCESS_KEY: SECRET_KEY, AWS_REGION: 'us-east-1' };
const USERS = 7;
const GROUPS = ['admin', 'tenant-acme', 'tenant-globex'];

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
      const { emails, memberships, disabled, metadata, createdAt } = item.user;
      r.users.set(item.user.sourceId, { emails, memberships, disabled, metadata, createdAt });
      for (const m of item.user.memberships ?? []) r.memberships.push(`${item.user.sourceId} ${m.organizationId} ${m.roles.join('+')}`);
    } else if (item.type === 'organization') r.organizations.push(`${item.organization.sourceId} ${item.organization.name}`);
  }
  r.memberships.sort();
  r.organizations.sort();
  return r;
}

const exists = (p: string) => stat(p).then(() => true, () => false);

describe('flagless export --from cognito --api: a resumable user pool dump, against cognito-local', () => {
  let cwd: string;
  let child: ChildProcess | undefined;
  let endpoint: string;
  let env: Record<string, string>;
  before(async () => {
    cwd = await mkdtemp(join(tmpdir(), 'flagless-export-cognito-'));
    ({ endpoint, child } = await startCognitoLocal(cwd));
    const sdk = await import('@aws-sdk/client-cognito-identity-provider');
    const c = new sdk.CognitoIdentityProviderClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
    try {
      const pool = await c.send(new sdk.CreateUserPoolCommand({ PoolName: 'flagless-export', Schema: [{ Name: 'tenant_id', AttributeDataType: 'String', Mutable: true }] }));
      const UserPoolId = pool.UserPool!.Id!;
      env = { ...CREDENTIALS, COGNITO_USER_POOL_ID: UserPoolId };
      for (const GroupName of GROUPS) await c.send(new sdk.CreateGroupCommand({ UserPoolId, GroupName, Description: `group ${GroupName}` }));
      for (let i = 1; i <= USERS; i++) {
        const u = await c.send(
          new sdk.AdminCreateUserCommand({
            UserPoolId,
            Username: `u${i}@example.com`,
            MessageAction: 'SUPPRESS',
            UserAttributes: [
              { Name: 'email', Value: `u${i}@example.com` },
              { Name: 'email_verified', Value: 'true' },
              { Name: 'custom:tenant_id', Value: i % 2 ? 'acme' : 'globex' },
            ],
          }),
        );
        const Username = u.User!.Username!;
        await c.send(new sdk.AdminAddUserToGroupCommand({ UserPoolId, Username, GroupName: i % 2 ? 'tenant-acme' : 'tenant-globex' }));
        if (i <= 2) await c.send(new sdk.AdminAddUserToGroupCommand({ UserPoolId, Username, GroupName: 'admin' }));
      }
    } finally {
      c.destroy();
    }
  });
  after(async () => {
    await stopChild(child);
    await rm(cwd, { recursive: true, force: true });
  });

  it('stopped between groups with a torn page, continues from the checkpoint; reads back as the API does', async () => {
    const out = join(cwd, 'cognito.json');
    const ac = new AbortController();
    await assert.rejects(
      exportCognitoApi({
        out,
        env,
        apiUrl: endpoint,
        signal: ac.signal,
        onProgress: (p) => {
          if (p.section === 'memberships') ac.abort();
        },
      }),
      (e: unknown) => e instanceof FlaglessError && e.code === 'E_INTERRUPTED',
    );
    assert.equal(await exists(out), false);
    const cp = JSON.parse(await readFile(`${out}.partial.json`, 'utf8')) as { sections: string[]; open: number; counts: Record<string, number>; cursor: { groupIndex: number } };
    assert.equal(cp.sections[cp.open], 'memberships');
    assert.equal(cp.cursor.groupIndex, 1);
    assert.equal(cp.counts.groups, 3);
    assert.ok(!JSON.stringify(cp).includes(SECRET_KEY));
    await appendFile(`${out}.partial`, `,\n{"GroupName":"tenant-acme","Username":"torn"}`.repeat(500));

    const r = await exportCognitoApi({ out, env, apiUrl: endpoint });
    assert.equal(r.resumed, true);
    assert.deepEqual(r.counts, { users: USERS, organizations: 3, memberships: USERS + 2 });
    const dump = JSON.parse(await readFile(out, 'utf8')) as { users: { Username: string }[]; memberships: unknown[] };
    assert.equal(new Set(dump.users.map((u) => u.Username)).size, USERS);
    assert.equal(dump.memberships.length, USERS + 2, 'each group member once');

    const fromDump = await collect(source.open({ apiDump: out }).read());
    const fromApi = await collect(source.open({ api: true, apiUrl: endpoint, env }).read());
    assert.equal(fromDump.users.size, USERS);
    assert.deepEqual([...fromDump.users.keys()].sort(), [...fromApi.users.keys()].sort());
    for (const [id, u] of fromApi.users) assert.deepEqual(fromDump.users.get(id), u, `${id} reads the same from the dump`);
    assert.deepEqual(fromDump.organizations, fromApi.organizations);
    assert.deepEqual(fromDump.memberships, fromApi.memberships);
  });

  it('an unknown pool is refused before anything is written', async () => {
    const out = join(cwd, 'refused.json');
    await assert.rejects(
      exportCognitoApi({ out, env: { ...env, COGNITO_USER_POOL_ID: 'local_doesnotexist' }, apiUrl: endpoint }),
      (e: unknown) => e instanceof FlaglessError && e.code === 'E_SOURCE_API' && e.errorClass === 'fatal' && !e.message.includes(SECRET_KEY),
    );
    assert.equal(await exists(`${out}.partial`), false);
  });
});
