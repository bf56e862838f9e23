import { exportIds, type IdsFormat, type SyncedId } from '../engine/ids.js';
import { openStateStore } from '../state/ledger/open.js';
import { SyncStore } from '../state/sync/store.js';
import { DEFAULT_STATE_PATH, stateMayExist } from '../state/location.js';
import { FlaglessError } from '../protocol/errors.js';
import { str } from './open-target.js';
import { EXIT_OK, type CommandIo, type ParsedCommand } from './spec.js';

/** `flagless ids export`: the id map on stdout (CSV or JSON), read from the ledger without changing it. */
export async function run(args: ParsedCommand, io: CommandIo): Promise<number> {
  const format = (str(args.flags.format) ?? (io.json ? 'json' : 'csv')) as IdsFormat;
  const state = str(args.flags.state);
  if (!stateMayExist(state)) {
    throw new FlaglessError('E_INPUT_UNREADABLE', `no ledger at ${state ?? DEFAULT_STATE_PATH}: run \`flagless migrate\` first, or pass --state`);
  }
  const store = await openStateStore(state, { readonly: true });
  // `flagless ids export | head`: a reader that goes away is not an error. The listener stays for
  // the life of the process: the EPIPE of a buffered write can arrive after the export finished.
  let closed = false;
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') closed = true;
    else throw e;
  });
  try {
    // What sync did since (deleted, disabled, created), to users and organizations: read only,
    // nothing when sync never ran here.
    const reader = SyncStore.reader(store.driver);
    const synced: SyncedId[] = [];
    for await (const m of reader.idMap()) synced.push({ kind: 'user', ...m });
    for await (const o of reader.organizationIdMap()) synced.push({ kind: 'organization', ...o });
    const n = await exportIds(store, format, (chunk) => closed || io.out(chunk), str(args.flags.run), synced);
    if (!io.quiet && !closed) io.err(`flagless: ${n} ids exported from ${store.location}`);
    return EXIT_OK;
  } finally {
    await store.close();
  }
}
