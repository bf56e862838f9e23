/**
 * The live reader against cognito-local 5.3.0 (a Cognito stand-in that runs here), started on
 * 127.0.0.1 with a free port in a temporary working directory, and stopped after. cognito-local
 * does not paginate (all users come in one page), so paging is exercised by the SDK paginators
 * only as far as one page goes.
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import type { CanonicalUser, Organization } from '../../model/user.js';
import { isFlaglessError } from '../../protocol/errors.js';
import type { Problem } from '../../protocol/problem.js';
import { startCognitoLocal, stopChild } from '../../../test/helpers/processes.js';
import { source } from './index.js';

const SECRET_KEY = 'flagless-test-secret-key-0123456789';
const CREDENTIALS = { AWS_ACCESS_KEY_ID: 'local', AWS_SECRET_ACCESS_KEY: SECRET_KEY, AWS_REGION: 'us-east-1' };

let cwd: string;
let child: ChildProcess | undefined;
let endpoint: string;
let poolId: string;
let aliceName: string;
let bobName: string;
let client: CognitoIdentityProviderClient | undefined;

before(async () => {
  cwd = mkdtempSync(join(tmpdir(), 'flagless-'));
  ({ endpoint, child } = await startCognitoLocal(cwd));

  const sdk = await import('@aws-sdk/client-cognito-identity-provider');
  const c = new sdk.CognitoIdentityProviderClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  client = c;
  const pool = await c.send(new sdk.CreateUserPoolCommand({ PoolName: 'flagless', Schema: [{ Name: 'tenant_id', AttributeDataType: 'String', Mutable: true }] }));
  poolId = pool.UserPool!.Id!;
  // cognito-local's pools sign in with email: the Username it stores is a UUID (= sub).
  const alice = await c.send(
    new sdk.AdminCreateUserCommand({
      UserPoolId: poolId,
      Username: 'alice@example.com',
      MessageAction: 'SUPPRESS',
      UserAttributes: [
        { Name: 'email', Value: 'Alice@Example.com' },
        { Name: 'email_verified', Value: 'true' },
        { Name: 'given_name', Value: 'Alice' },
        { Name: 'custom:tenant_id', Value: 'acme' },
      ],
    }),
  );
  aliceName = alice.User!.Username!;
  await c.send(new sdk.AdminSetUserPasswordCommand({ UserPoolId: poolId, Username: aliceName, Password: 'Pw-Secret-123!', Permanent: true }));
  const bob = await c.send(new sdk.AdminCreateUserCommand({ UserPoolId: poolId, Username: 'bob@example.com', MessageAction: 'SUPPRESS' }));
  bobName = bob.User!.Username!;
  await c.send(new sdk.AdminDisableUserCommand({ UserPoolId: poolId, Username: bobName }));
  await c.send(new sdk.CreateGroupCommand({ UserPoolId: poolId, GroupName: 'admin', Description: 'Administrators', Precedence: 1 }));
  await c.send(new sdk.CreateGroupCommand({ UserPoolId: poolId, GroupName: 'tenant-acme' }));
  await c.send(new sdk.AdminAddUserToGroupCommand({ UserPoolId: poolId, Username: aliceName, GroupName: 'admin' }));
  await c.send(new sdk.AdminAddUserToGroupCommand({ UserPoolId: poolId, Username: aliceName, GroupName: 'tenant-acme' }));
  await c.send(new sdk.AdminAddUserToGroupCommand({ UserPoolId: poolId, Username: bobName, GroupName: 'tenant-acme' }));
});

after(async () => {
  client?.destroy();
  await stopChild(child);
  rmSync(cwd, { recursive: true, force: true });
});

describe('cognito source: live API (cognito-local)', () => {
  it('reads groups as organizations, then users with their memberships, status and attributes', async () => {
    const items: string[] = [];
    const users: CanonicalUser[] = [];
    const organizations: Organization[] = [];
    const problems: Problem[] = [];
    for await (const item of source.open({ api: true, apiUrl: endpoint, env: { ...CREDENTIALS, COGNITO_USER_POOL_ID: poolId } }).read()) {
      items.push(item.type);
      if (item.type === 'user') users.push(item.user);
      else if (item.type === 'organization') organizations.push(item.organization);
      else problems.push(item.problem);
    }
    assert.deepEqual(problems, []);
    assert.ok(items.lastIndexOf('organization') < items.indexOf('user'));
    assert.deepEqual(organizations.map((o) => [o.sourceId, o.metadata.description ?? null, o.metadata.precedence ?? null]), [
      ['admin', 'Administrators', 1],
      ['tenant-acme', null, null],
    ]);
    const alice = users.find((u) => u.sourceId === aliceName);
    const bob = users.find((u) => u.sourceId === bobName);
    assert.ok(alice && bob);
    assert.equal(users.length, 2);
    assert.equal(alice.externalId, aliceName, 'sub (cognito-local uses it as the Username)');
    assert.deepEqual(alice.emails, [{ address: 'Alice@Example.com', normalized: 'alice@example.com', verified: true, primary: true }]);
    assert.equal(alice.firstName, 'Alice');
    assert.deepEqual(alice.metadata.private, { tenant_id: 'acme' });
    assert.equal(alice.sourceStatus, 'CONFIRMED');
    assert.equal(alice.passwordPlan, 'jit');
    assert.equal(alice.disabled, false);
    assert.deepEqual(alice.memberships.map((m) => m.organizationId).sort(), ['admin', 'tenant-acme']);
    assert.match(alice.createdAt ?? '', /^\d{4}-\d{2}-\d{2}T/);
    assert.equal(bob.sourceStatus, 'FORCE_CHANGE_PASSWORD');
    assert.equal(bob.disabled, true);
    assert.deepEqual(bob.memberships, [{ organizationId: 'tenant-acme', roles: [] }]);
    assert.equal(bob.emails[0]?.address, 'bob@example.com');
  });

  it('an unknown user pool is a fatal E_SOURCE_API error naming the operation', async () => {
    const it = source.open({ api: true, apiUrl: endpoint, env: { ...CREDENTIALS, COGNITO_USER_POOL_ID: 'local_doesnotexist' } }).read()[Symbol.asyncIterator]();
    await assert.rejects(it.next(), (e: unknown) => isFlaglessError(e) && e.code === 'E_SOURCE_API' && e.errorClass === 'fatal' && /ListGroups/.test(e.message) && !e.message.includes(SECRET_KEY));
  });

  it('no pool id: E_USAGE before any request', async () => {
    const it = source.open({ api: true, apiUrl: endpoint, env: CREDENTIALS }).read()[Symbol.asyncIterator]();
    await assert.rejects(it.next(), (e: unknown) => isFlaglessError(e) && e.code === 'E_USAGE');
  });
});
