/**
 * End to end with the gateway: Cognito users (no exportable hash) are imported into Kratos with
 * `use_password_migration_hook`; signing in through Kratos's native login flow makes Kratos call
 * `flagless serve`'s password-migration hook, the gateway verifies the password against the legacy
 * Cognito (cognito-local, through the official AWS SDK), and the second sign-in no longer calls the hook.
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { TARGET_MODULES } from '../../src/connectors/index.js';
import { cognitoLegacyVerifier } from '../../src/connectors/cognito/legacy-login.js';
import { startKratosSimulator, type KratosSimulator } from '../../src/connectors/kratos/sim/server.js';
import { emptyUser, type CanonicalUser } from '../../src/model/user.js';
import type { Target } from '../../src/protocol/target.js';
import { startCognitoLocal, stopChild } from '../helpers/processes.js';
import { startGateway, tempDir, type Running } from '../gateway/helpers.js';

const CREDS = { accessKeyId: 'local', secretAccessKey: 'local' };
const TOKEN = 'kratos-hook-token-0123456789';

describe('Kratos password-migration hook answered by flagless serve (Cognito legacy)', { timeout: 120_000 }, () => {
  const tmp = tempDir();
  let child: ChildProcess | undefined;
  let sim: KratosSimulator;
  let target: Target;
  let gw: Running;
  let endpoint = '';
  let poolId = '';
  let clientId = '';
  const usernames: string[] = [];

  before(async () => {
    ({ endpoint, child } = await startCognitoLocal(tmp.dir));
    const sdk = await import('@aws-sdk/client-cognito-identity-provider');
    const c = new sdk.CognitoIdentityProviderClient({ endpoint, region: 'us-east-1', credentials: CREDS });
    poolId = (await c.send(new sdk.CreateUserPoolCommand({ PoolName: 'legacy' }))).UserPool!.Id!;
    clientId = (await c.send(new sdk.CreateUserPoolClientCommand({ UserPoolId: poolId, ClientName: 'gateway', ExplicitAuthFlows: ['ALLOW_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'] }))).UserPoolClient!.ClientId!;
    for (const [email, password] of [
      ['dave@example.com', 'Dave-Pw-123!'],
      ['erin@example.com', 'Erin-Pw-123!'],
    ] as const) {
      const created = await c.send(
        new sdk.AdminCreateUserCommand({
          UserPoolId: poolId,
          Username: email,
          MessageAction: 'SUPPRESS',
          UserAttributes: [
            { Name: 'email', Value: email },
            { Name: 'email_verified', Value: 'true' },
          ],
        }),
      );
      usernames.push(created.User!.Username!);
      await c.send(new sdk.AdminSetUserPasswordCommand({ UserPoolId: poolId, Username: created.User!.Username!, Password: password, Permanent: true }));
    }
    c.destroy();

    sim = await startKratosSimulator({ bcryptCost: 4 });
    target = await (await TARGET_MODULES.kratos!()).target.open({ env: { KRATOS_ADMIN_URL: sim.url, KRATOS_PUBLIC_URL: sim.url, KETO_WRITE_URL: sim.url, KETO_READ_URL: sim.url } });
    const legacy = cognitoLegacyVerifier({ clientId, region: 'us-east-1', endpoint, credentials: CREDS, userPoolId: poolId });
    // The users as the Cognito connector reads them (AdminGetUser): no hash, so the plan is a JIT move.
    const users: CanonicalUser[] = [];
    for (const name of usernames) {
      const found = await legacy.lookup!(name);
      assert.ok(found);
      users.push({ ...emptyUser(found.sourceId), ...found.user });
    }
    assert.ok(users.every((u) => !u.password));
    const results = await target.createUsersEach!(users.map((user) => ({ user: { ...user, passwordPlan: 'jit' as const }, options: { includePasswordHash: false, missingPassword: 'jit' as const } })));
    assert.deepEqual(results.map((r) => r.ok), [true, true]);
    gw = await startGateway({ state: path.join(tmp.dir, 'state.db'), legacy, target, token: TOKEN });
    sim.setMigrationHook(`${gw.url}/v1/lazy/kratos/password-migration`, TOKEN);
  });

  after(async () => {
    await gw?.close();
    await target?.close();
    await sim?.stop();
    await stopChild(child);
    tmp.remove();
  });

  it('imported with use_password_migration_hook', () => {
    for (const i of sim.store.identities.values()) assert.deepEqual(i.credentials.password?.config, { use_password_migration_hook: true });
  });

  it('a wrong password is refused by the hook; the right one signs in, and the next sign-in does not call the hook', async () => {
    const wrong = await target.login('dave@example.com', 'not-it');
    assert.equal(wrong.ok, false);
    assert.equal(sim.stats().hookCalls, 1);
    const first = await target.login('dave@example.com', 'Dave-Pw-123!');
    assert.equal(first.ok, true, JSON.stringify(first));
    assert.equal(sim.stats().hookCalls, 2);
    const second = await target.login('dave@example.com', 'Dave-Pw-123!');
    assert.equal(second.ok, true);
    assert.equal(sim.stats().hookCalls, 2, 'the password now lives in Kratos');
    assert.match(sim.store.findByIdentifier('password', 'dave@example.com')!.credentials.password!.config.hashed_password ?? '', /^\$2[aby]\$/);
    // Another user still goes through the hook.
    assert.equal((await target.login('erin@example.com', 'Erin-Pw-123!')).ok, true);
    assert.equal(sim.stats().hookCalls, 3);
  });
});
