import type { Generator } from '../../protocol/generate.js';
import type { Source, SourceConnector, SourceItem, SourceOptions } from '../../protocol/source.js';
import { sniffAuth0 } from './map.js';
import { partitionAuth0, readAuth0Batches, readAuth0Files } from './read-file.js';
import { auth0LegacyLogin } from './legacy-login.js';

/**
 * Auth0 as a source: the users-export job's NDJSON (gzipped or not), joined with the password
 * hashes Auth0 support delivers and with organizations/roles from a Management API dump; or the
 * live Management API through the `auth0` SDK.
 */
export const source = {
  vendor: 'auth0',
  displayName: 'Auth0',
  formats:
    "users-export job NDJSON (--file, .json or .json.gz) + support password-hash NDJSON (--passwords, joined on auth0|<_id.$oid>) + Management API dump (--api-dump: organizations, members, roles); or the live Management API (--api: AUTH0_DOMAIN with AUTH0_CLIENT_ID/AUTH0_CLIENT_SECRET or AUTH0_MGMT_TOKEN)",
  sniff: sniffAuth0,
  open(options: SourceOptions): Source {
    return {
      vendor: 'auth0',
      read(): AsyncIterable<SourceItem> {
        if (options.api) return readLive(options);
        return readAuth0Files(options);
      },
      partition: (maxParts, minPartBytes, firstExtraBytes) => partitionAuth0(options, maxParts, minPartBytes, firstExtraBytes),
      readPart: (part) => readAuth0Batches(options, part),
    };
  },
  legacy: auth0LegacyLogin,
  // The writer loads only when an export is asked for.
  exportApi: async (options) => (await import('./export-api.js')).exportAuth0Api(options),
  // Event Streams and Log Streams on POST /v1/sync/auth0; the Management API for single users.
  sync: {
    webhooks: async (options) => (await import('./webhook.js')).auth0Webhooks(options),
    records: async (options) => (await import('./records.js')).auth0Records(options),
  },
} satisfies SourceConnector;

async function* readLive(options: SourceOptions): AsyncGenerator<SourceItem> {
  const { readAuth0Api } = await import('./read-api.js');
  yield* readAuth0Api(options);
}

export const generate: Generator = async (options) => {
  const { generateAuth0Export } = await import('./generate.js');
  return generateAuth0Export(options);
};
export { auth0LegacyVerifier, auth0LegacyLogin } from './legacy-login.js';
