import { openExportFile } from '../../lib/io/export-file.js';
import { readTextLineBatches } from '../../lib/io/text-lines.js';
import { FlaglessError } from '../../protocol/errors.js';
import type { SourceItem } from '../../protocol/source.js';
import { passwordKeyOfRecord, type HashReader } from './map.js';
import { PasswordIndex } from './password-index.js';
import type { Auth0PasswordRecord } from './types.js';

const WHAT = 'password file';

/** The model's hash reading, loaded when there is a password file (an export alone has no hashes). */
export async function loadHashReader(): Promise<HashReader> {
  return hashReader(await import('../../model/password/index.js'));
}

/** `detectHash` as a HashReader: its HashError (malformed, unsupported) becomes a reading that says why. */
export function hashReader(model: Pick<typeof import('../../model/password/index.js'), 'detectHash' | 'HashError'>): HashReader {
  return (text) => {
    try {
      return { ok: true, hash: model.detectHash(text) };
    } catch (e) {
      if (!(e instanceof model.HashError)) throw e;
      return { ok: false, code: e.code, message: e.message };
    }
  };
}

/**
 * Reads the password-hash NDJSON that Auth0 support delivers into a PasswordIndex, yielding a
 * problem for each line it cannot use (with file and line) and returning the index.
 */
export async function* loadPasswordFile(path: string): AsyncGenerator<SourceItem, PasswordIndex> {
  const index = new PasswordIndex();
  let firstRecord = true;
  for await (const batch of readTextLineBatches(await openExportFile(path, WHAT))) for (let i = 0; i < batch.texts.length; i++) {
    const line = batch.lines[i]!;
    const text = batch.texts[i]!;
    let record: Auth0PasswordRecord;
    try {
      record = JSON.parse(text) as Auth0PasswordRecord;
    } catch {
      yield { type: 'problem', problem: { code: 'E_SOURCE_PARSE', severity: 'error', file: path, line, message: 'the line of the password file is not valid JSON: it is skipped.' } };
      continue;
    }
    if (record === null || typeof record !== 'object' || Array.isArray(record)) {
      yield { type: 'problem', problem: { code: 'E_SOURCE_PARSE', severity: 'error', file: path, line, message: 'the line of the password file is not a JSON object: it is skipped.' } };
      continue;
    }
    if (firstRecord && typeof record.user_id === 'string' && record.passwordHash === undefined) {
      throw new FlaglessError('E_USAGE', `${path} looks like the Auth0 user export, not the password-hash file: pass it with --file, and the file Auth0 support sent with --passwords.`);
    }
    firstRecord = false;
    const key = passwordKeyOfRecord(record);
    if (key === undefined) {
      yield { type: 'problem', problem: { code: 'E_SOURCE_FIELD', severity: 'error', file: path, line, message: 'the password record has neither _id.$oid nor alt_id, so no user can be matched to it: it is skipped.' } };
      continue;
    }
    const hash = typeof record.passwordHash === 'string' ? record.passwordHash : undefined;
    const earlier = index.add(key, hash, line);
    if (earlier !== undefined) {
      yield {
        type: 'problem',
        problem: { code: 'E_DUPLICATE_ID', severity: 'error', file: path, line, sourceId: `auth0|${key}`, message: `a second password record for auth0|${key} (first on line ${earlier}): the first one is used.` },
      };
    }
  }
  return index;
}
