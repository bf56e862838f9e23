/**
 * Reads Cognito users saved from ListUsers. Accepted, streamed in constant memory:
 * - one ListUsers response `{"Users": [...], "PaginationToken": ...}` (what `aws cognito-idp
 *   list-users` prints: the CLI follows the pages itself and prints them as one `Users` list);
 * - several responses: a JSON array of them, or one per line (NDJSON);
 * - the users themselves: NDJSON of UserType, or a JSON array of UserType (`jq '.Users[]'`).
 * Which one is decided from the first key of the file. `--api-dump` adds groups (see groups.ts).
 */
import { openWithHead, readTextChunks } from '../../lib/io/export-file.js';
import { headShape } from '../../lib/io/head-shape.js';
import { scanJsonElements, type ScanStats } from '../../lib/io/json-element-scanner.js';
import { FlaglessError } from '../../protocol/errors.js';
import type { SourceItem, SourceOptions } from '../../protocol/source.js';
import { dumpUsers, loadCognitoDump, type CognitoDump } from './api-dump.js';
import { looksLikeCognito, notCognito, USER_KEYS } from './sniff.js';
import { CognitoUserStream } from './users.js';

const WHAT = 'Cognito export';

/** The element paths that hold users, from how the file starts. */
export function userPaths(head: string): Set<string> {
  const m = /^\s*(\[)?\s*\{\s*"((?:[^"\\]|\\.)*)"/.exec(head);
  const isArray = head.trimStart().startsWith('[');
  const firstKey = m?.[2];
  const holdsUsers = firstKey !== undefined && USER_KEYS.has(firstKey);
  if (isArray) return new Set(holdsUsers ? ['[]'] : ['[].Users[]']);
  return new Set(holdsUsers ? [''] : ['.Users[]']);
}

export async function* readCognitoFile(options: SourceOptions): AsyncGenerator<SourceItem> {
  const path = options.file;
  let dump: CognitoDump | undefined;
  if (!path) {
    if (!options.apiDump) throw new FlaglessError('E_USAGE', 'Cognito: pass saved ListUsers JSON with --file (and groups with --api-dump), or --api to read the user pool live.');
    const apiDump = options.apiDump;
    dump = await loadCognitoDump(apiDump);
    yield* dumpPrologue(dump);
    const stream = new CognitoUserStream(dump.members, apiDump);
    for await (const ev of dumpUsers(dump)) {
      if (ev.kind === 'malformed') yield { type: 'problem', problem: { code: 'E_SOURCE_PARSE', severity: 'error', file: apiDump, line: ev.line, message: ev.message } };
      else yield* stream.user(ev.value, ev.line);
    }
    yield* stream.finish(apiDump);
    return;
  }

  const { file, head } = await openWithHead(path, WHAT);
  if (!looksLikeCognito(head)) {
    const shape = headShape(head);
    const why = notCognito(head, shape);
    if (why) throw new FlaglessError('E_WRONG_VENDOR', `${path} is not saved Cognito ListUsers output (${why}); run \`flagless assess\` with the right --from.`);
    if (shape.kind !== 'json-object' && shape.kind !== 'json-array') {
      yield { type: 'problem', problem: { code: 'E_SOURCE_PARSE', severity: 'error', file: path, line: 1, message: 'the file is not JSON: expected saved ListUsers output ({"Users": [...]}), or NDJSON of Cognito users' } };
      return;
    }
  }
  if (options.apiDump) {
    dump = await loadCognitoDump(options.apiDump);
    yield* dumpPrologue(dump);
  }

  const paths = userPaths(head);
  const stream = new CognitoUserStream(dump?.members, path);
  let stats: ScanStats | undefined;
  for await (const ev of scanJsonElements(readTextChunks(file), { match: (p) => paths.has(p) }, (s) => (stats = s))) {
    if (ev.kind === 'malformed') {
      yield { type: 'problem', problem: { code: 'E_SOURCE_PARSE', severity: 'error', file: path, line: ev.line, message: ev.element ? `${ev.message}; the user is skipped, the rest is read` : ev.message } };
      continue;
    }
    yield* stream.user(ev.value, ev.line);
  }
  if (stats && stats.elements === 0 && ![...paths].some((p) => stats!.arrays.has(p.slice(0, -2)))) {
    yield { type: 'problem', problem: { code: 'E_SOURCE_PARSE', severity: 'error', file: path, line: 1, message: 'no users found: expected saved ListUsers output ({"Users": [...]}), an array of such pages, or NDJSON of Cognito users' } };
  }
  yield* stream.finish(options.apiDump);
}

function* dumpPrologue(dump: CognitoDump): Generator<SourceItem> {
  for (const p of dump.problems) yield { type: 'problem', problem: p };
  for (const organization of dump.organizations) yield { type: 'organization', organization };
}
