/**
 * The Cognito legacy verifier against cognito-local 5.3.0 (a Cognito stand-in that runs here),
 * through the official AWS SDK, and a JIT move from it into Better Auth through the gateway.
 * cognito-local stores its pools in its working directory: a temp folder, removed after.
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { cognitoLegacyVerifier, cognitoVerdictOf } from '../../src/connectors/cognito/legacy-login.js';
import { freePort, startCognitoLocal, stopChild } from '../helpers/processes.js';
import { countTargetUsers, openBetterAuth, startGateway, tempDir } from './helpers.js';

const CREDS = { accessKeyId: 'local', secretAccessKey: 'local' };

describe('Cognito legacy verifier (cognito-local)', { timeout: 120_000 }, () => {
  const tmp = tempDir();
  let child: ChildProcess | undefined;
  let endpoint = '';
  let poolId = '';
  let clientId = '';
  let alice = '';

  before(async () => {
    ({ endpoint, child } = await startCognitoLocal(tmp.dir));
    const sdk = await import('@aws-sdk/client-cognito-identity-provider');
    const c = new sdk.CognitoIdentityProviderClient({ endpoint, region: 'us-east-1', credentials: CREDS });
    poolId = (await c.send(new sdk.CreateUserPoolCommand({ PoolName: 'legacy' }))).UserPool!.Id!;
    clientId = (await c.send(new sdk.CreateUserPoolClientCommand({ UserPoolId: poolId, ClientName: 'gateway', ExplicitAuthFlows: ['ALLOW_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'] }))).UserPoolClient!.ClientId!;
    const mk = async (email: string, given: string) =>
      (
        await c.send(
          new sdk.AdminCreateUserCommand({
            UserPoolId: poolId,
            Username: email,
            MessageAction: 'SUPPRESS',
            UserAttributes: [
              { Name: 'email', Value: email },
              { Name: 'email_verified', Value: 'true' },
              { Name: 'given_name', Value: given },
            ],
          }),
        )
      ).User!.Username!;
    alice = await mk('alice@example.com', 'Alice');
    await c.send(new sdk.AdminSetUserPasswordCommand({ UserPoolId: poolId, Username: alice, Password: 'Alice-Pw-123!', Permanent: true }));
    const bob = await mk('bob@example.com', 'Bob');
    await c.send(new sdk.AdminSetUserPasswordCommand({ UserPoolId: poolId, Username: bob, Password: 'Bob-Pw-123!', Permanent: true }));
    await c.send(new sdk.AdminDisableUserCommand({ UserPoolId: poolId, Username: bob }));
    const carol = await mk('carol@example.com', 'Carol');
    await c.send(new sdk.AdminSetUserPasswordCommand({ UserPoolId: poolId, Username: carol, Password: 'Carol-Temp-123!', Permanent: false }));
    const dave = await mk('dave@example.com', 'Dave');
    await c.send(new sdk.AdminSetUserPasswordCommand({ UserPoolId: poolId, Username: dave, Password: 'Dave-Pw-123!', Permanent: true }));
    c.destroy();
  });

  after(async () => {
    await stopChild(child);
    tmp.remove();
  });

  const verifier = () => cognitoLegacyVerifier({ clientId, region: 'us-east-1', endpoint, credentials: CREDS, userPoolId: poolId });

  it('the right password is ok, with the Username as source id and the attributes as the user', async () => {
    const v = verifier();
    const r = await v.verify('alice@example.com', 'Alice-Pw-123!');
    assert.equal(r.ok, true);
    assert.ok(r.ok);
    assert.equal(r.sourceId, alice);
    assert.equal(r.user?.emails[0]?.address, 'alice@example.com');
    assert.equal(r.user?.firstName, 'Alice');
    await v.close();
  });

  it('a wrong password, an unknown user, a disabled user and a temporary password', async () => {
    const v = verifier();
    const wrong = await v.verify('alice@example.com', 'nope');
    assert.deepEqual([wrong.ok, !wrong.ok && wrong.reason], [false, 'invalid_credentials']);
    const unknown = await v.verify('nobody@example.com', 'whatever-123');
    assert.equal(unknown.ok, false);
    assert.ok(!unknown.ok && ['unknown_user', 'invalid_credentials'].includes(unknown.reason), !unknown.ok ? unknown.reason : '');
    // cognito-local does not refuse a disabled user at InitiateAuth (a fidelity gap; real Cognito
    // answers NotAuthorizedException "User is disabled.", mapped below), so bob is not tried here.
    const temp = await v.verify('carol@example.com', 'Carol-Temp-123!');
    assert.equal(temp.ok, true, 'NEW_PASSWORD_REQUIRED means the password was right');
    await v.close();
  });

  it('Cognito down is `unavailable`, not a wrong password', async () => {
    const port = await freePort();
    const v = cognitoLegacyVerifier({ clientId, region: 'us-east-1', endpoint: `http://127.0.0.1:${port}`, credentials: CREDS });
    const r = await v.verify('alice@example.com', 'Alice-Pw-123!');
    assert.deepEqual([r.ok, !r.ok && r.reason], [false, 'unavailable']);
    await v.close();
  });

  it('lookup finds a user by Username through AdminGetUser', async () => {
    const v = verifier();
    const found = await v.lookup!(alice);
    assert.equal(found?.sourceId, alice);
    assert.equal(await v.lookup!('00000000-0000-0000-0000-000000000000'), undefined);
    await v.close();
  });

  it('maps the errors real Cognito answers (AWS API reference) to verdicts', () => {
    const err = (name: string, message = '', status = 400) => Object.assign(new Error(message), { name, $metadata: { httpStatusCode: status } });
    const reason = (e: Error) => {
      const v = cognitoVerdictOf(e);
      return v.ok ? 'ok' : v.reason;
    };
    assert.equal(reason(err('NotAuthorizedException', 'Incorrect username or password.')), 'invalid_credentials');
    assert.equal(reason(err('NotAuthorizedException', 'User is disabled.')), 'disabled');
    assert.equal(reason(err('NotAuthorizedException', 'Password attempts exceeded')), 'invalid_credentials');
    assert.equal(reason(err('UserNotFoundException', 'User does not exist.')), 'unknown_user');
    assert.equal(reason(err('PasswordResetRequiredException', 'Password reset required for the user')), 'no_password');
    assert.equal(reason(err('UserNotConfirmedException', 'User is not confirmed.')), 'disabled');
    assert.equal(reason(err('TooManyRequestsException', 'Rate exceeded', 429)), 'unavailable');
    assert.equal(reason(err('InternalErrorException', '', 500)), 'unavailable');
    assert.equal(reason(err('InvalidParameterException', 'USER_PASSWORD_AUTH flow not enabled for this client')), 'unavailable');
    const v = cognitoVerdictOf(err('NotAuthorizedException', 'Incorrect username or password.'));
    assert.doesNotMatch(JSON.stringify(v), /Incorrect username/, 'the detail is the error name, not free text');
  });

  it('through the gateway: a Cognito user moves into Better Auth at its first login and then signs in there directly', async () => {
    const target = await openBetterAuth(path.join(tmp.dir, 'target.db'));
    const gw = await startGateway({ state: path.join(tmp.dir, 'state.db'), legacy: verifier(), target });
    try {
      const wrong = await gw.post('/v1/login', { identifier: 'dave@example.com', password: 'wrong' });
      assert.equal(wrong.status, 401);
      assert.equal(await countTargetUsers(target), 0);
      const r = await gw.post('/v1/login', { identifier: 'dave@example.com', password: 'Dave-Pw-123!' });
      assert.equal(r.status, 200, JSON.stringify(r.body));
      assert.equal(r.body.migration, 'jit');
      assert.equal((await target.login('dave@example.com', 'Dave-Pw-123!')).ok, true);
      const again = await gw.post('/v1/login', { identifier: 'dave@example.com', password: 'Dave-Pw-123!' });
      assert.equal(again.body.route, 'target');
    } finally {
      await gw.close();
    }
  });
});
