/**
 * Reads a user pool live through @aws-sdk/client-cognito-identity-provider (imported lazily):
 * ListGroups and ListUsersInGroup first (the join: groups become organizations, see groups.ts),
 * then ListUsers page by page (60 users a page, the API's maximum), streamed.
 *
 * Environment: COGNITO_USER_POOL_ID; AWS_REGION (or AWS_DEFAULT_REGION; else the region prefix
 * of the pool id, `us-east-1_AbC`); credentials from AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY
 * (/AWS_SESSION_TOKEN) when present in the given environment, otherwise the SDK's default chain
 * (profiles, SSO, instance roles). `apiUrl` becomes the client's `endpoint` (cognito-local).
 * Throttling (TooManyRequestsException) is retried by the SDK's adaptive retry mode.
 */
import type { CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import { FlaglessError } from '../../protocol/errors.js';
import { classifyHttpStatus } from '../../protocol/http-status.js';
import type { SourceItem, SourceOptions } from '../../protocol/source.js';
import { GroupMembers, groupToOrganization } from './groups.js';
import { CognitoUserStream } from './users.js';

export const PAGE_SIZE = 60;
const FATAL = new Set(['NotAuthorizedException', 'ResourceNotFoundException', 'AccessDeniedException', 'UnrecognizedClientException', 'InvalidParameterException', 'InvalidSignatureException', 'ExpiredTokenException', 'CredentialsProviderError']);

export function apiError(operation: string, e: unknown): FlaglessError {
  const err = e as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
  const name = err?.name ?? 'Error';
  const status = err?.$metadata?.httpStatusCode;
  // No status: the request never got an answer (network, throttled inside the SDK's retries).
  const retriable = !FATAL.has(name) && (status === undefined || classifyHttpStatus(status, 'source').errorClass === 'retriable');
  // The SDK's messages name the operation and the cause, never the credentials.
  return new FlaglessError('E_SOURCE_API', `Cognito ${operation} failed: ${name}${status ? ` (HTTP ${status})` : ''}: ${err?.message ?? String(e)}`, {
    errorClass: retriable ? 'retriable' : 'fatal',
    cause: e,
  });
}

export async function makeClient(options: SourceOptions, env: Record<string, string | undefined>, poolId: string): Promise<{ client: CognitoIdentityProviderClient; sdk: typeof import('@aws-sdk/client-cognito-identity-provider') }> {
  const sdk = await import('@aws-sdk/client-cognito-identity-provider');
  const region = env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? (/^[a-z]{2}(-[a-z]+)+-\d+_/.test(poolId) ? poolId.split('_')[0] : undefined);
  if (!region) throw new FlaglessError('E_USAGE', 'Cognito: set AWS_REGION (the user pool id does not say its region).');
  const credentials =
    env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY
      ? { accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY, ...(env.AWS_SESSION_TOKEN ? { sessionToken: env.AWS_SESSION_TOKEN } : {}) }
      : undefined;
  const client = new sdk.CognitoIdentityProviderClient({
    region,
    ...(options.apiUrl ? { endpoint: options.apiUrl } : {}),
    ...(credentials ? { credentials } : {}),
    retryMode: 'adaptive',
    maxAttempts: 8,
  });
  return { client, sdk };
}

export async function* readCognitoApi(options: SourceOptions): AsyncGenerator<SourceItem> {
  const env = options.env ?? process.env;
  const poolId = env.COGNITO_USER_POOL_ID;
  if (!poolId) throw new FlaglessError('E_USAGE', 'Cognito --api: set COGNITO_USER_POOL_ID (and AWS_REGION and AWS credentials).');
  const { client, sdk } = await makeClient(options, env, poolId);
  try {
    const members = new GroupMembers();
    const groupNames: string[] = [];
    let op = 'ListGroups';
    try {
      for await (const page of sdk.paginateListGroups({ client, pageSize: PAGE_SIZE }, { UserPoolId: poolId })) {
        for (const g of page.Groups ?? []) {
          const organization = groupToOrganization(g);
          if (!organization) continue;
          groupNames.push(organization.sourceId);
          yield { type: 'organization', organization };
        }
      }
      op = 'ListUsersInGroup';
      for (const GroupName of groupNames) {
        for await (const page of sdk.paginateListUsersInGroup({ client, pageSize: PAGE_SIZE }, { UserPoolId: poolId, GroupName })) {
          for (const u of page.Users ?? []) if (u.Username) members.add(u.Username, GroupName);
        }
      }
    } catch (e) {
      throw apiError(op, e);
    }

    const stream = new CognitoUserStream(members, undefined);
    const pages = sdk.paginateListUsers({ client, pageSize: PAGE_SIZE }, { UserPoolId: poolId });
    while (true) {
      let next: IteratorResult<import('@aws-sdk/client-cognito-identity-provider').ListUsersCommandOutput>;
      try {
        next = await pages.next();
      } catch (e) {
        throw apiError('ListUsers', e);
      }
      if (next.done) break;
      for (const u of next.value.Users ?? []) yield* stream.user(u, undefined);
    }
    yield* stream.finish(undefined);
  } finally {
    client.destroy();
  }
}
