import { openWithHead } from '../../lib/io/export-file.js';
import { SeenIds } from '../../lib/io/seen-ids.js';
import { jsonTextNestsDeeperThan, MAX_METADATA_DEPTH, tooDeepMessage } from '../../model/build.js';
import type { CanonicalUser } from '../../model/user.js';
import { FlaglessError } from '../../protocol/errors.js';
import type { Problem } from '../../protocol/problem.js';
import type { PartRead, SourceItem, SourceOptions } from '../../protocol/source.js';
import { readCsvRecords } from '../../lib/io/csv-records.js';
import { loadClerkDump, type ClerkDumpIndex } from './dump.js';
import { enrichCsvUser, identifierProblem, lossyOrphanMembership, userFromApiJson, userFromCsvRow, type MapProblem } from './map.js';
import { headerCells, looksLikeClerkJson, looksLikeJson } from './sniff.js';
import { CLERK_REQUIRED_COLUMNS, type ClerkCsvRow, type ClerkUserJson } from './types.js';

/** Clerk user ids: `user_` and base62. A continuation line starting like this is a new row. */
const RECORD_START = /^user_[A-Za-z0-9]+,/;

function problemItem(p: MapProblem, file?: string, line?: number): SourceItem {
  const problem: Problem = { ...p, ...(file ? { file } : {}), ...(line ? { line } : {}) };
  return { type: 'problem', problem };
}

/** Reads a Clerk export file: the dashboard CSV (with an optional API dump) or an API dump alone. */
export async function* readClerkFile(options: SourceOptions & { file: string }, part?: PartRead): AsyncGenerator<SourceItem> {
  if (part && (part.range.start !== 0 || part.range.end !== undefined)) throw new Error('clerk: the CSV is read whole (a quoted cell may hold a line break)');
  const file = options.file;
  const { file: input, head } = await openWithHead(file, 'Clerk export', 8192);

  if (looksLikeJson(head)) {
    if (!looksLikeClerkJson(head)) {
      throw new FlaglessError(
        'E_WRONG_VENDOR',
        `${file} is JSON but not a Clerk export (no "id": "user_..." users): pass the dashboard CSV or a Backend API dump, or run \`flagless assess\` with the right --from.`,
      );
    }
    if (options.apiDump && options.apiDump !== file) {
      throw new FlaglessError('E_USAGE', `${file} is already a Clerk API dump: pass the dashboard CSV as --file and the dump as --api-dump, or the dump alone.`);
    }
    const dump = await loadClerkDump(file);
    yield* emitDumpStart(dump, file);
    yield* emitDumpOnlyUsers(dump, file, false);
    return;
  }

  const cells = headerCells(head);
  const missing = CLERK_REQUIRED_COLUMNS.filter((c) => !cells.includes(c));
  if (missing.length > 0) {
    throw new FlaglessError(
      'E_SOURCE_PARSE',
      `${file} line 1: the header lacks ${missing.join(' and ')}; a Clerk user export starts with id,first_name,last_name,username,primary_email_address,...,password_digest,password_hasher.`,
    );
  }
  const dump = options.apiDump ? await loadClerkDump(options.apiDump) : undefined;
  if (dump) yield* emitDumpStart(dump, options.apiDump);

  // The CSV rows, one chunk of events at a time, mapped here in the same generator: at a million
  // rows every extra async step per row shows.
  // One entry per user: ids are checked for duplicates across the file (by the engine, on disk, when it reads in parts).
  const seen = part ? undefined : new SeenIds(1 << 16);
  let columns: string[] = [];
  // Rows are copies of one template with every column already present, so they share one shape
  // (a row object built key by key from a header ends up a slow dictionary).
  let template: ClerkCsvRow = {};
  for await (const events of readCsvRecords(input, { looksLikeRecordStart: (l) => RECORD_START.test(l), commentsBeforeHeader: true })) {
    for (const ev of events) {
      if (ev.kind === 'error') {
        yield problemItem({ code: 'E_SOURCE_PARSE', severity: 'error', message: ev.message }, file, ev.line);
        continue;
      }
      if (ev.kind === 'header') {
        const missingCols = CLERK_REQUIRED_COLUMNS.filter((c) => !ev.columns.includes(c));
        if (missingCols.length > 0) throw new FlaglessError('E_SOURCE_PARSE', `${file} line ${ev.line}: the header lacks ${missingCols.join(' and ')}.`);
        columns = ev.columns;
        template = {};
        for (const c of columns) template[c] = undefined;
        continue;
      }
      const row: ClerkCsvRow = { ...template };
      for (let i = 0; i < columns.length; i++) row[columns[i]!] = ev.cells[i];
      const id = (row.id ?? '').trim();
      if (id === '') {
        yield problemItem({ code: 'E_SOURCE_FIELD', severity: 'error', message: 'the row has no id; it was skipped' }, file, ev.line);
        continue;
      }
      if (seen ? !seen.add(id) : part!.repeatedId(id, ev.line) !== undefined) {
        yield problemItem({ code: 'E_DUPLICATE_ID', severity: 'error', sourceId: id, message: `the id ${id} appears on an earlier row; this row was skipped` }, file, ev.line);
        continue;
      }
      const deep = (['public_metadata', 'private_metadata', 'unsafe_metadata'] as const).find((c) => {
        const text = row[c];
        return text !== undefined && jsonTextNestsDeeperThan(text, MAX_METADATA_DEPTH);
      });
      if (deep) {
        yield problemItem({ code: 'E_SOURCE_FIELD', severity: 'error', sourceId: id, message: tooDeepMessage(`${deep} of ${id}`) }, file, ev.line);
        continue;
      }
      const { user, problems } = userFromCsvRow(row);
      if (dump) {
        const text = dump.users.get(id);
        if (text !== undefined) {
          enrichCsvUser(user, JSON.parse(text) as ClerkUserJson);
          dump.users.delete(id);
        }
        attachFromDump(user, dump);
      }
      for (const p of problems) yield problemItem(p, file, ev.line);
      const noId = identifierProblem(user);
      if (noId) yield problemItem(noId, file, ev.line);
      yield { type: 'user', user, file, line: ev.line };
    }
  }
  if (dump) yield* emitDumpOnlyUsers(dump, options.apiDump, true);
}

/** Organizations first, so a consumer knows them before it meets their members. */
function* emitDumpStart(dump: ClerkDumpIndex, file: string | undefined): Generator<SourceItem> {
  for (const p of dump.problems) yield problemItem(p, file, p.line);
  for (const organization of dump.organizations) yield { type: 'organization', organization, ...(file ? { file } : {}) };
}

function attachFromDump(user: CanonicalUser, dump: ClerkDumpIndex): void {
  const memberships = dump.memberships.take(user.sourceId);
  if (memberships) user.memberships = memberships;
  for (const orgId of dump.orphansByUser.get(user.sourceId) ?? []) user.lossy.push(lossyOrphanMembership(orgId));
}

/** Users only the dump has: after the CSV, or all of them when the dump is the only input. */
function* emitDumpOnlyUsers(dump: ClerkDumpIndex, file: string | undefined, afterCsv: boolean): Generator<SourceItem> {
  for (const text of dump.users.values()) {
    const { user, problems } = userFromApiJson(JSON.parse(text) as ClerkUserJson);
    attachFromDump(user, dump);
    for (const p of problems) yield problemItem(p, file);
    if (afterCsv) {
      yield problemItem(
        {
          code: 'E_PASSWORD_MISSING',
          severity: 'warning',
          sourceId: user.sourceId,
          message: user.passwordPlan === 'jit' ? 'the user is in the API dump but not in the CSV export: no digest, the password moves at first login' : 'the user is in the API dump but not in the CSV export',
        },
        file,
      );
    }
    const noId = identifierProblem(user);
    if (noId) yield problemItem(noId, file);
    yield { type: 'user', user, ...(file ? { file } : {}) };
  }
  dump.users.clear();
  for (const [userId, count] of dump.memberships.leftovers()) {
    yield problemItem(
      { code: 'E_SOURCE_FIELD', severity: 'warning', sourceId: userId, message: `${count} membership(s) of ${userId}, who is in neither the CSV nor the dump's users, were left out` },
      file,
    );
  }
  dump.memberships.clear();
}
