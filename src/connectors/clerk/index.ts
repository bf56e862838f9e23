import { stat } from 'node:fs/promises';
import { FlaglessError } from '../../protocol/errors.js';
import type { Generator } from '../../protocol/generate.js';
import type { PartRead, Source, SourceConnector, SourceItem, SourceOptions } from '../../protocol/source.js';
import { readClerkApi } from './read-api.js';
import { readClerkFile } from './read.js';
import { sniffClerk } from './sniff.js';
import { clerkLegacyLogin } from './legacy-login.js';

// No wrapping generator: each layer of `yield*` costs an async step per item.
function read(options: SourceOptions, part?: PartRead): AsyncIterable<SourceItem> {
  if (options.api) return readClerkApi(options);
  const file = options.file ?? options.apiDump;
  if (!file) return failing(new FlaglessError('E_USAGE', 'clerk: give --file <users.csv> (the dashboard export), --api-dump <dump.json>, or --api.'));
  return readClerkFile({ ...options, file }, part);
}

async function* oneByOne(items: AsyncIterable<SourceItem>): AsyncGenerator<SourceItem[]> {
  for await (const item of items) yield [item];
}

/** Errors surface on the first read, as the protocol says, not when the source is opened. */
async function* failing(error: Error): AsyncGenerator<SourceItem> {
  throw error;
}

export const source = {
  vendor: 'clerk',
  displayName: 'Clerk',
  formats:
    'the dashboard "Export users" CSV (password digests, TOTP secrets), optionally joined by user id with --api-dump ' +
    '(Backend API JSON {users, organizations, memberships}: social links, metadata, bans, organizations and roles); ' +
    'a Backend API dump alone; or the live Backend API with --api (CLERK_SECRET_KEY).',
  sniff: sniffClerk,
  open(options: SourceOptions): Source {
    // Nothing is checked here: bad input surfaces on the first read, as the protocol says.
    return {
      vendor: 'clerk',
      ...(options.file && !options.apiDump && !options.api ? { absent: CSV_ABSENT } : {}),
      read: () => read(options),
      // A file can be read again (the engine then checks repeated ids on disk), but only whole.
      partition: async () => {
        const file = options.api ? undefined : (options.file ?? options.apiDump);
        if (!file) return undefined;
        try {
          return (await stat(file)).isFile() ? [{ start: 0 }] : undefined;
        } catch {
          return undefined; // the read reports it
        }
      },
      readPart: (part) => oneByOne(read(options, part)),
    };
  },
  legacy: clerkLegacyLogin,
  // The writer (and its SDK) loads only when an export is asked for.
  exportApi: async (options) => (await import('./export-api.js')).exportClerkApi(options),
  // svix and the SDK load only when `serve` receives webhooks or sync reads the API.
  sync: {
    webhooks: async (options) => (await import('./webhook.js')).clerkWebhooks(options),
    records: async (options) => (await import('./records.js')).clerkRecords(options),
  },
} satisfies SourceConnector;

/** What Clerk's CSV export (dashboard or support) does not carry, and where it comes from. */
const CSV_ABSENT = {
  fields: ['organizations', 'memberships', 'social links', 'metadata'],
  how: "Clerk's CSV export has none of these: add --api-dump <file> with the users, organizations and memberships saved from Clerk's Backend API (`flagless export --from clerk --api --out <file>` writes it), or read Clerk through its API with --api (CLERK_SECRET_KEY)",
} as const;

/** The generator (and csv-stringify, the hash pools) loads only when asked for: reading never needs it. */
export const generate: Generator = async (options) => (await import('./generate.js')).generateClerk(options);
export { clerkLegacyVerifier, clerkLegacyLogin } from './legacy-login.js';
