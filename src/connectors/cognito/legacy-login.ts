/**
 * Cognito as the legacy side of the gateway: `InitiateAuth` with `USER_PASSWORD_AUTH` through
 * the official SDK (`@aws-sdk/client-cognito-identity-provider`, loaded on first use). The app
 * client needs ALLOW_USER_PASSWORD_AUTH; a client with a secret gets SECRET_HASH =
 * Base64(HMAC-SHA256(client secret, username + client id)) (AWS docs, "Computing secret hash
 * values").
 *
 * Verdicts (InitiateAuth errors, AWS API reference):
 *  - AuthenticationResult → ok; the id token's `cognito:username` is the source id (the Username
 *    the source reader uses), and GetUser with the access token gives the attributes;
 *  - a challenge (NEW_PASSWORD_REQUIRED, SMS_MFA, SOFTWARE_TOKEN_MFA, EMAIL_OTP, SELECT_MFA_TYPE,
 *    MFA_SETUP) → ok as well: Cognito checks the password before it asks for anything else, and
 *    USER_ID_FOR_SRP names the user. The gateway proves the password only; an application that
 *    requires a second factor must still ask the target for it;
 *  - NotAuthorizedException → invalid_credentials ("User is disabled." → disabled);
 *  - UserNotFoundException → unknown_user (only when the pool does not prevent existence errors);
 *  - PasswordResetRequiredException → no_password; UserNotConfirmedException → disabled;
 *  - cognito-local answers a wrong password with InvalidPasswordException → invalid_credentials;
 *  - TooManyRequestsException, InternalErrorException, a network failure, a misconfiguration
 *    (ResourceNotFound, InvalidParameter, InvalidUserPoolConfiguration) → unavailable.
 */
import { createHmac } from 'node:crypto';
import type { CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import type { CanonicalUser } from '../../model/user.js';
import { invalidCredentials, legacyUnavailable, type LegacyVerdict, type LegacyVerifier, type LegacyLoginFactory } from '../../protocol/legacy.js';
import { mapCognitoUser } from './map.js';

export interface CognitoLegacyOptions {
  clientId: string;
  /** The app client's secret, when it has one (SECRET_HASH is then required). */
  clientSecret?: string;
  region: string;
  /** For `lookup` (AdminGetUser, needs AWS credentials allowed to call it). */
  userPoolId?: string;
  /** A Cognito stand-in (cognito-local) or a VPC endpoint. */
  endpoint?: string;
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
}

export function secretHash(username: string, clientId: string, clientSecret: string): string {
  return createHmac('sha256', clientSecret).update(username + clientId).digest('base64');
}

function jwtClaims(token: string | undefined): Record<string, unknown> {
  const part = token?.split('.')[1];
  if (!part) return {};
  try {
    return JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as Record<string, unknown>;
  } catch {
    return {};
  }
}

interface AwsError {
  name?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
  $retryable?: unknown;
}

/** An InitiateAuth error (as the SDK throws it) → verdict. Exported for tests. */
export function cognitoVerdictOf(e: unknown): LegacyVerdict {
  const err = e as AwsError;
  const name = err.name ?? 'Error';
  switch (name) {
    case 'NotAuthorizedException':
      if (/disabled/i.test(err.message ?? '')) return { ok: false, reason: 'disabled', detail: 'NotAuthorizedException: the user is disabled' };
      return invalidCredentials(`NotAuthorizedException${/attempts exceeded/i.test(err.message ?? '') ? ': password attempts exceeded' : ''}`);
    case 'InvalidPasswordException': // cognito-local's answer to a wrong password
      return invalidCredentials(name);
    case 'UserNotFoundException':
      return { ok: false, reason: 'unknown_user', detail: name };
    case 'PasswordResetRequiredException':
      return { ok: false, reason: 'no_password', detail: `${name}: the user must reset the password` };
    case 'UserNotConfirmedException':
      return { ok: false, reason: 'disabled', detail: `${name}: the user never confirmed the account` };
    default:
      // Throttling, internal errors, network failures and configuration errors: Cognito did not answer the question.
      return legacyUnavailable(`${name}${err.$metadata?.httpStatusCode ? ` (HTTP ${err.$metadata.httpStatusCode})` : ''}`);
  }
}

export function cognitoLegacyVerifier(options: CognitoLegacyOptions): LegacyVerifier {
  let client: Promise<{ sdk: typeof import('@aws-sdk/client-cognito-identity-provider'); c: CognitoIdentityProviderClient }> | undefined;
  const open = () =>
    (client ??= (async () => {
      const sdk = await import('@aws-sdk/client-cognito-identity-provider');
      const c = new sdk.CognitoIdentityProviderClient({
        region: options.region,
        ...(options.endpoint ? { endpoint: options.endpoint } : {}),
        ...(options.credentials ? { credentials: options.credentials } : {}),
        maxAttempts: 2,
      });
      return { sdk, c };
    })());

  const userFrom = async (username: string, accessToken: string | undefined, idClaims: Record<string, unknown>): Promise<CanonicalUser | undefined> => {
    const groups = Array.isArray(idClaims['cognito:groups']) ? (idClaims['cognito:groups'] as unknown[]).filter((g): g is string => typeof g === 'string') : [];
    if (!accessToken) return undefined;
    try {
      const { sdk, c } = await open();
      const got = await c.send(new sdk.GetUserCommand({ AccessToken: accessToken }));
      const mapped = mapCognitoUser(
        { Username: got.Username ?? username, Attributes: got.UserAttributes ?? [], Enabled: true, UserStatus: 'CONFIRMED', ...(got.UserMFASettingList ? { UserMFASettingList: got.UserMFASettingList } : {}) },
        { groups },
      );
      return mapped.user;
    } catch {
      return undefined; // the profile is a bonus: the password is proven either way
    }
  };

  return {
    name: 'cognito',
    async verify(identifier, password): Promise<LegacyVerdict> {
      const { sdk, c } = await open();
      const params: Record<string, string> = { USERNAME: identifier, PASSWORD: password };
      if (options.clientSecret) params.SECRET_HASH = secretHash(identifier, options.clientId, options.clientSecret);
      let out;
      try {
        out = await c.send(new sdk.InitiateAuthCommand({ AuthFlow: 'USER_PASSWORD_AUTH', ClientId: options.clientId, AuthParameters: params }));
      } catch (e) {
        return cognitoVerdictOf(e);
      }
      if (out.AuthenticationResult) {
        const claims = jwtClaims(out.AuthenticationResult.IdToken);
        const username = typeof claims['cognito:username'] === 'string' ? (claims['cognito:username'] as string) : identifier;
        const user = await userFrom(username, out.AuthenticationResult.AccessToken, claims);
        return { ok: true, sourceId: user?.sourceId ?? username, ...(user ? { user } : {}) };
      }
      if (out.ChallengeName) {
        const username = out.ChallengeParameters?.USER_ID_FOR_SRP ?? identifier;
        return { ok: true, sourceId: username };
      }
      return legacyUnavailable('InitiateAuth answered neither tokens nor a challenge');
    },
    async lookup(identifier) {
      if (!options.userPoolId) return undefined;
      const { sdk, c } = await open();
      try {
        const got = await c.send(new sdk.AdminGetUserCommand({ UserPoolId: options.userPoolId, Username: identifier }));
        const mapped = mapCognitoUser({ Username: got.Username, Attributes: got.UserAttributes ?? [], Enabled: got.Enabled, UserStatus: got.UserStatus, ...(got.UserMFASettingList ? { UserMFASettingList: got.UserMFASettingList } : {}) });
        return mapped.user ? { sourceId: mapped.user.sourceId, user: mapped.user } : undefined;
      } catch (e) {
        if ((e as AwsError).name === 'UserNotFoundException') return undefined;
        throw e;
      }
    },
    async close() {
      if (client) (await client).c.destroy();
    },
  };
}

/** `serve --legacy api|auto` for Cognito: InitiateAuth on the app client, configured from the environment. */
export const cognitoLegacyLogin: LegacyLoginFactory = {
  env: 'COGNITO_CLIENT_ID, AWS_REGION (COGNITO_CLIENT_SECRET, COGNITO_USER_POOL_ID optional)',
  async open({ env, apiUrl: url }) {
    const clientId = env.COGNITO_CLIENT_ID;
    const region = env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
    if (!clientId || !region) return { missing: 'COGNITO_CLIENT_ID and AWS_REGION' };
    return {
      verifier: cognitoLegacyVerifier({
        clientId,
        region,
        ...(env.COGNITO_CLIENT_SECRET ? { clientSecret: env.COGNITO_CLIENT_SECRET } : {}),
        ...(env.COGNITO_USER_POOL_ID ? { userPoolId: env.COGNITO_USER_POOL_ID } : {}),
        ...(url ? { endpoint: url } : {}),
      }),
    };
  },
};
