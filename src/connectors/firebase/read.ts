/**
 * Streams a `firebase auth:export` JSON file: every element of its `users` array becomes a
 * canonical user, in file order, with the line it starts on. Memory stays flat in the number of
 * users (one element at a time, plus an 8-byte fingerprint per id for duplicate detection).
 */
import { openExportFile, openWithHead, readTextChunks, readWholeText, requireText } from '../../lib/io/export-file.js';
import { headShape } from '../../lib/io/head-shape.js';
import { scanJsonElements, type ScanStats } from '../../lib/io/json-element-scanner.js';
import { SeenIds } from '../../lib/io/seen-ids.js';
import { FlaglessError } from '../../protocol/errors.js';
import type { Problem } from '../../protocol/problem.js';
import type { SourceItem, SourceOptions } from '../../protocol/source.js';
import { parseHashConfig, type FirebaseHashConfig } from './hash-config.js';
import { mapFirebaseUser } from './map.js';
import { looksLikeFirebase, notFirebase } from './sniff.js';

const WHAT = 'Firebase export';

async function loadHashConfig(path: string): Promise<FirebaseHashConfig> {
  const file = await openExportFile(path, 'hash config');
  const text = await readWholeText(file);
  requireText(file, text);
  const parsed = parseHashConfig(text);
  if (!parsed.ok) throw new FlaglessError(parsed.code, `${path}: ${parsed.message}.`);
  return parsed.config;
}

export async function* readFirebaseExport(options: SourceOptions): AsyncGenerator<SourceItem> {
  if (options.api) throw new FlaglessError('E_USAGE', 'Firebase is read from a `firebase auth:export users.json --format=json` file: pass --file, not --api.');
  if (!options.file) throw new FlaglessError('E_USAGE', 'Firebase: pass the `firebase auth:export` JSON with --file (and the project hash config with --hash-config).');
  const path = options.file;
  const { file, head } = await openWithHead(path, WHAT);
  if (!looksLikeFirebase(head)) {
    const shape = headShape(head);
    const why = notFirebase(head, shape);
    if (why) throw new FlaglessError('E_WRONG_VENDOR', `${path} is not a Firebase auth:export file (${why}); run \`flagless assess\` with the right --from.`);
    if (shape.kind !== 'json-object' && shape.kind !== 'json-array') {
      yield { type: 'problem', problem: { code: 'E_SOURCE_PARSE', severity: 'error', file: path, line: 1, message: 'the file is not JSON: expected the output of `firebase auth:export users.json --format=json` ({"users": [...]})' } };
      return;
    }
  }
  const hashConfig = options.hashConfig ? await loadHashConfig(options.hashConfig) : undefined;

  const seen = new SeenIds();
  let reportedMissingConfig = false;
  let stats: ScanStats | undefined;
  const problem = (p: Omit<Problem, 'file'>): SourceItem => ({ type: 'problem', problem: { ...p, file: path } });

  const events = scanJsonElements(readTextChunks(file), { match: (p) => p === '.users[]' }, (s) => (stats = s));
  for await (const ev of events) {
    if (ev.kind === 'malformed') {
      yield problem({ code: 'E_SOURCE_PARSE', severity: 'error', line: ev.line, message: ev.element ? `${ev.message}; the user is skipped, the rest is read` : ev.message });
      continue;
    }
    const result = mapFirebaseUser(ev.value, hashConfig ? { hashConfig } : {});
    for (const p of result.problems) yield problem({ ...p, line: ev.line });
    const user = result.user;
    if (!user) continue;
    if (!seen.add(user.sourceId)) {
      yield problem({ code: 'E_DUPLICATE_ID', severity: 'error', line: ev.line, sourceId: user.sourceId, message: 'another user earlier in the file has the same localId: this one is skipped' });
      continue;
    }
    if (result.hashWithoutConfig && !reportedMissingConfig) {
      reportedMissingConfig = true;
      yield problem({
        code: 'E_HASH_CONFIG_MISSING',
        severity: 'error',
        line: ev.line,
        message:
          'users have Firebase scrypt password hashes but no hash config was given: pass --hash-config with the hash_config the Firebase console shows (Authentication > Users > ⋮ > Password hash parameters). Until then these users are marked for a just-in-time move or reset.',
      });
    }
    yield { type: 'user', user, file: path, line: ev.line };
  }
  if (stats && !stats.arrays.has('.users') && stats.elements === 0) {
    yield problem({ code: 'E_SOURCE_PARSE', severity: 'error', line: 1, message: 'the JSON has no "users" array: expected the output of `firebase auth:export users.json --format=json`' });
  }
}
