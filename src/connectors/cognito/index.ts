/**
 * Amazon Cognito user pools as a source: saved ListUsers JSON (streamed) or the live API, plus
 * groups (from --api-dump or the API). Cognito exports no password hashes: users with a password
 * are planned for a just-in-time move or a reset.
 */
import type { SourceConnector } from '../../protocol/source.js';
import { readCognitoApi } from './read-api.js';
import { readCognitoFile } from './read.js';
import { looksLikeCognito } from './sniff.js';
import { cognitoLegacyLogin } from './legacy-login.js';

export const source = {
  vendor: 'cognito',
  displayName: 'Amazon Cognito',
  formats:
    'Saved ListUsers JSON (`aws cognito-idp list-users --user-pool-id ID > users.json`: {"Users": [...]}; also an array of pages, or NDJSON of users), with --api-dump {"groups": [...], "memberships": [{GroupName, Username}]}; or --api (COGNITO_USER_POOL_ID, AWS_REGION, AWS credentials).',
  sniff: looksLikeCognito,
  open(options) {
    return { vendor: 'cognito', read: () => (options.api ? readCognitoApi(options) : readCognitoFile(options)) };
  },
  legacy: cognitoLegacyLogin,
  // The writer loads only when an export is asked for.
  exportApi: async (options) => (await import('./export-api.js')).exportCognitoApi(options),
} satisfies SourceConnector;

export { generateCognito as generate } from './generate.js';
export { cognitoLegacyVerifier, cognitoLegacyLogin } from './legacy-login.js';
