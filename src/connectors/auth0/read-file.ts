import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { FlaglessError } from '../../protocol/errors.js';
import type { SourceItem, SourceOptions } from '../../protocol/source.js';
import { loadApiDump } from './api-dump.js';
import { UserJoiner, type JoinContext } from './join.js';
import { looksLikePasswordFile, sniffAuth0 } from './map.js';
import { checkInputFile, readNdjsonLines } from './ndjson-lines.js';
import { loadPasswordFile } from './passwords.js';
import type { Auth0User } from './types.js';

const WHAT = 'user export';

/** The first bytes of a (possibly gzipped) file, as text. */
async function readHead(path: string, gzipped: boolean, bytes = 8192): Promise<string> {
  const file = createReadStream(path, gzipped ? {} : { start: 0, end: bytes - 1 });
  const input: Readable = gzipped ? file.pipe(createGunzip()) : file;
  let head = '';
  try {
    for await (const chunk of input) {
      head += (chunk as Buffer).toString('utf8');
      if (head.length >= bytes) break;
    }
  } catch {
    // A corrupt gzip stream is reported by the full read, with its line.
  } finally {
    file.destroy();
    input.destroy();
  }
  return head;
}

/**
 * Names the vendor of a file that is not an Auth0 export, from the marks each format leaves in
 * its first bytes. Kept here rather than asking the other connectors so that a connector never
 * loads another; the CLI's cross-vendor sniff covers the general case.
 */
export function otherVendorOf(head: string): string | undefined {
  const firstLine = head.split(/\r?\n/, 1)[0] ?? '';
  if (/^\uFEFF?"?id"?,/.test(firstLine) && /primary_email_address/.test(firstLine)) return 'Clerk (CSV export; use --from clerk)';
  if (/"localId"\s*:/.test(head) || /^\s*\{\s*"users"\s*:\s*\[/.test(head)) return 'Firebase (auth:export JSON; use --from firebase)';
  if (/^\s*\{\s*"Users"\s*:\s*\[/.test(head) || (/"UserStatus"\s*:/.test(head) && /"Username"\s*:/.test(head))) return 'Cognito (ListUsers JSON; use --from cognito)';
  return undefined;
}

async function checkUserFileHead(path: string): Promise<void> {
  const { gzipped } = await checkInputFile(path, WHAT);
  const head = await readHead(path, gzipped);
  if (head.trim() === '') return; // readNdjsonLines reports the empty file
  if (sniffAuth0(head)) return;
  if (looksLikePasswordFile(head)) {
    throw new FlaglessError('E_USAGE', `${path} is the password-hash file Auth0 support sends, not the user export: pass it with --passwords, and the users-export job's NDJSON with --file.`);
  }
  const other = otherVendorOf(head);
  if (other) throw new FlaglessError('E_WRONG_VENDOR', `${path} is not an Auth0 user export: it looks like a ${other}.`);
}

/**
 * Reads an Auth0 export: the users-export NDJSON (`file`), joined with the support password file
 * (`passwords`) and the Management API dump (`apiDump`). With only `apiDump`, its users are read.
 */
export async function* readAuth0Files(options: SourceOptions): AsyncGenerator<SourceItem> {
  if (!options.file && !options.apiDump) {
    throw new FlaglessError('E_USAGE', 'Auth0: give the users-export NDJSON with --file (or --api-dump, or --api for the live Management API).');
  }
  // Check the user file before the slower loads, so a wrong path fails at once.
  if (options.file) await checkUserFileHead(options.file);

  const ctx: JoinContext = {};
  let dumpUsers: Auth0User[] = [];
  if (options.apiDump) {
    const dump = yield* loadApiDump(options.apiDump);
    ctx.memberships = dump.memberships;
    dumpUsers = dump.users;
  }
  if (options.passwords) {
    const index = yield* loadPasswordFile(options.passwords);
    ctx.passwords = { index, file: options.passwords };
  }

  if (!options.file) {
    const joiner = new UserJoiner(ctx);
    for (const raw of dumpUsers) yield* joiner.accept(raw, options.apiDump, undefined);
    yield* joiner.finish();
    return;
  }
  if (dumpUsers.length > 0) {
    ctx.apiUsers = new Map();
    for (const u of dumpUsers) if (typeof u.user_id === 'string') ctx.apiUsers.set(u.user_id, u);
  }
  const file = options.file;
  const joiner = new UserJoiner(ctx);
  for await (const { line, text } of readNdjsonLines(file, WHAT)) {
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch {
      // The message stays generic: the line may hold personal data.
      yield { type: 'problem', problem: { code: 'E_SOURCE_PARSE', severity: 'error', file, line, message: 'the line is not valid JSON: it is skipped, the rest is read.' } };
      continue;
    }
    const items = joiner.accept(raw, file, line);
    for (let i = 0; i < items.length; i++) yield items[i]!;
  }
  yield* joiner.finish();
}
