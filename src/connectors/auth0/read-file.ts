import { stat } from 'node:fs/promises';
import { openExportFile, readHead, type ExportFile } from '../../lib/io/export-file.js';
import { headShape } from '../../lib/io/head-shape.js';
import { lineRanges } from '../../lib/io/line-ranges.js';
import { readTextLineBatches } from '../../lib/io/text-lines.js';
import { FlaglessError } from '../../protocol/errors.js';
import type { ByteRange, PartRead, SourceItem, SourceOptions } from '../../protocol/source.js';
import { loadApiDump } from './api-dump.js';
import { UserJoiner, type JoinContext } from './join.js';
import { looksLikePasswordFile, sniffAuth0 } from './map.js';
import { loadHashReader, loadPasswordFile } from './passwords.js';
import type { Auth0User } from './types.js';

const WHAT = 'user export';

/**
 * Why a file without Auth0's marks is clearly not a users export (NDJSON: one user object per
 * line), or undefined when it may be a broken one (then every line is reported as it is read).
 * Only the layout is judged; which vendor it is, the CLI says from every connector's sniff.
 */
export function notAuth0Export(head: string): string | undefined {
  const shape = headShape(head);
  // The export job can also write CSV (format "csv"): its header names user_id. Read as NDJSON,
  // each of its lines is reported, as before this check existed.
  if (shape.kind === 'csv') return shape.columns.includes('user_id') ? undefined : 'it is a CSV table';
  if (shape.kind === 'json-array') return 'it is one JSON array, not one user object per line';
  if (shape.kind === 'json-object' && shape.firstValueIsList) return `it is one JSON document holding a "${shape.firstKey}" list, not one user object per line`;
  return undefined;
}

/** Opens the user export, refusing at once a file that is clearly not one. */
async function openUserFile(path: string): Promise<ExportFile> {
  const file = await openExportFile(path, WHAT);
  const head = await readHead(file, 8192);
  if (head.trim() === '') return file; // readTextLineBatches reports the empty file
  // Auth0 users in one JSON array (pretty-printed or not) look like Auth0 but are not NDJSON:
  // one clear message instead of one parse error per line.
  if (headShape(head).kind === 'json-array') {
    throw new FlaglessError(
      'E_SOURCE_PARSE',
      `${path}: this is a JSON array, not NDJSON (Auth0's export job writes one user object per line): convert it with \`jq -c '.[]' ${path} > users.ndjson\` and pass that file.`,
    );
  }
  if (sniffAuth0(head)) return file;
  if (looksLikePasswordFile(head)) {
    throw new FlaglessError('E_USAGE', `${path} is the password-hash file Auth0 support sends, not the user export: pass it with --passwords, and the users-export job's NDJSON with --file.`);
  }
  const why = notAuth0Export(head);
  if (why) throw new FlaglessError('E_WRONG_VENDOR', `${path} is not an Auth0 users-export NDJSON (${why}); run \`flagless assess\` with the right --from.`);
  return file;
}

/**
 * Reads an Auth0 export: the users-export NDJSON (`file`), joined with the support password file
 * (`passwords`) and the Management API dump (`apiDump`). With only `apiDump`, its users are read.
 */
export async function* readAuth0Files(options: SourceOptions): AsyncGenerator<SourceItem> {
  for await (const batch of readAuth0Batches(options)) for (let i = 0; i < batch.length; i++) yield batch[i]!;
}

/** The same items, a batch per chunk of the export (one async step per chunk, not per item); `part`: one range of it. */
export async function* readAuth0Batches(options: SourceOptions, part?: PartRead): AsyncGenerator<SourceItem[]> {
  if (!options.file && !options.apiDump) {
    throw new FlaglessError('E_USAGE', 'Auth0: give the users-export NDJSON with --file (or --api-dump, or --api for the live Management API).');
  }
  // Check the user file before the slower loads, so a wrong path fails at once.
  const userFile = options.file ? await openUserFile(options.file) : undefined;

  const ctx: JoinContext = {};
  let dumpUsers: Auth0User[] = [];
  if (options.apiDump) {
    const dump = yield* oneByOne(loadApiDump(options.apiDump));
    ctx.memberships = dump.memberships;
    dumpUsers = dump.users;
  }
  if (options.passwords) {
    const index = yield* oneByOne(loadPasswordFile(options.passwords));
    ctx.passwords = { index, file: options.passwords, read: await loadHashReader() };
  }

  if (!userFile) {
    const joiner = new UserJoiner(ctx);
    const items: SourceItem[] = [];
    for (const raw of dumpUsers) items.push(...joiner.accept(raw, options.apiDump, undefined));
    items.push(...joiner.finish());
    yield items;
    return;
  }
  if (dumpUsers.length > 0) {
    ctx.apiUsers = new Map();
    for (const u of dumpUsers) if (typeof u.user_id === 'string') ctx.apiUsers.set(u.user_id, u);
  }
  const file = userFile.path;
  const joiner = new UserJoiner(ctx, part?.repeatedId);
  const lineOptions = part ? { range: part.range, onEnd: part.linesRead } : {};
  for await (const batch of readTextLineBatches(userFile, lineOptions)) {
    const out: SourceItem[] = [];
    for (let b = 0; b < batch.texts.length; b++) {
      const line = batch.lines[b]!;
      let raw: unknown;
      try {
        raw = JSON.parse(batch.texts[b]!);
      } catch {
        // The message stays generic: the line may hold personal data.
        out.push({ type: 'problem', problem: { code: 'E_SOURCE_PARSE', severity: 'error', file, line, message: 'the line is not valid JSON: it is skipped, the rest is read.' } });
        continue;
      }
      const items = joiner.accept(raw, file, line);
      for (let i = 0; i < items.length; i++) out.push(items[i]!);
      // A chunk holds ~1,500 users: handing them on in smaller batches keeps fewer parsed at once.
      if (out.length >= BATCH_ITEMS) yield out.splice(0);
    }
    if (out.length > 0) yield out;
  }
  yield [...joiner.finish()];
}

const BATCH_ITEMS = 128;

/** A loader's problems as batches of one, passing its result on. */
async function* oneByOne<R>(loader: AsyncGenerator<SourceItem, R>): AsyncGenerator<SourceItem[], R> {
  for (;;) {
    const next = await loader.next();
    if (next.done) return next.value;
    yield [next.value];
  }
}

/** Below this a part is not worth a thread: start-up costs more than it saves. */
const MIN_PART_BYTES = 4 * 1024 * 1024;

/**
 * How the export can be read in parts: a plain NDJSON file alone splits at lines; with a password
 * file or an API dump (joins that need every user in one reader) or gzipped, it is read whole,
 * but can still be read again. An API or a pipe: once only (undefined).
 */
export async function partitionAuth0(options: SourceOptions, maxParts: number, minPartBytes = MIN_PART_BYTES, firstExtraBytes = 0): Promise<ByteRange[] | undefined> {
  if (options.api || !options.file) return undefined;
  let file: ExportFile;
  try {
    if (!(await stat(options.file)).isFile()) return undefined;
    file = await openExportFile(options.file, WHAT);
  } catch {
    return undefined; // the read reports it
  }
  if (file.gzipped || options.passwords || options.apiDump) return [{ start: 0 }];
  return lineRanges(options.file, maxParts, minPartBytes, firstExtraBytes);
}
