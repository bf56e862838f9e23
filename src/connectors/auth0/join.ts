/**
 * The one place Auth0 user records become SourceItems, whichever reader produced them (export
 * file, API dump, live API): the password join, the organization join, duplicate ids, and the
 * orphan password records reported once the users are read.
 *
 * Synchronous on purpose: the readers call `accept` for each record inside their own loop, so a
 * million users cost one async hop each, not one per pipeline stage.
 */
import type { Membership } from '../../model/user.js';
import type { Problem } from '../../protocol/problem.js';
import type { SourceItem } from '../../protocol/source.js';
import { SeenIndex } from '../../lib/io/seen-index.js';
import { completeFromApi, mapAuth0User, passwordKeyOfUser, type HashReader, type PasswordLookup } from './map.js';
import type { PasswordIndex } from './password-index.js';
import { DATABASE_PROVIDER, type Auth0User } from './types.js';

export interface JoinContext {
  passwords?: { index: PasswordIndex; file: string; read: HashReader };
  /** user_id → the user's organization memberships (from the API dump or the live API). */
  memberships?: Map<string, Membership[]>;
  /** user_id → the same user's API record, completing what the export job left out. */
  apiUsers?: Map<string, Auth0User>;
}

const NO_FILE: PasswordLookup = Object.freeze({ kind: 'no-file' });

/** A problem of this record, placed at its file and line unless it names its own. */
function addProblem(items: SourceItem[], p: Problem, file: string | undefined, line: number | undefined): void {
  if (file !== undefined && p.file === undefined) p.file = file;
  if (line !== undefined && p.line === undefined) p.line = line;
  items.push({ type: 'problem', problem: p });
}

export class UserJoiner {
  readonly #ctx: JoinContext;
  /** user_ids seen so far (for E_DUPLICATE_ID), except those the password index tracks; no labels, so it never touches the disk. */
  #seenIds: SeenIndex | undefined;
  /** The engine's check instead, when it reads the export in parts (see PartRead). */
  readonly #repeatedId: ((id: string, line: number) => number | undefined) | undefined;

  constructor(ctx: JoinContext, repeatedId?: (id: string, line: number) => number | undefined) {
    this.#ctx = ctx;
    this.#repeatedId = repeatedId;
  }

  /** The items for one record: its problems, then the user (unless it cannot be used). */
  accept(rawRecord: unknown, file: string | undefined, line: number | undefined): SourceItem[] {
    const items: SourceItem[] = [];
    if (rawRecord === null || typeof rawRecord !== 'object' || Array.isArray(rawRecord)) {
      addProblem(items, { code: 'E_SOURCE_PARSE', severity: 'error', message: 'the line is valid JSON but not a user object: it is skipped.' }, file, line);
      return items;
    }
    const fileUser = rawRecord as Auth0User;
    const userId = typeof fileUser.user_id === 'string' && fileUser.user_id !== '' ? fileUser.user_id : undefined;
    const raw = userId ? completeFromApi(fileUser, this.#ctx.apiUsers?.get(userId)) : fileUser;
    let lookup: PasswordLookup = NO_FILE;
    let firstLine: number | undefined;
    const passwords = this.#ctx.passwords;
    const key = passwords ? passwordKeyOfUser(raw) : undefined;
    if (passwords && key !== undefined) {
      const entry = passwords.index.take(key, line ?? 0);
      lookup = entry ? { kind: 'found', hash: entry.hash, line: entry.line, read: passwords.read } : { kind: 'missing' };
      // A database user whose record another user already took has that user's id: the
      // password index doubles as the duplicate check for them, so the id set below only holds
      // the users without a password record (a third of a typical tenant, not all of it).
      if (entry && userId === `${DATABASE_PROVIDER}|${key}`) firstLine = entry.takenAt;
      else if (userId) firstLine = this.#seen(userId, line);
    } else if (userId) {
      firstLine = this.#seen(userId, line);
    }
    if (userId && firstLine !== undefined) {
      const message = `user_id ${userId} appears again${firstLine ? ` (first on line ${firstLine})` : ''}: this record is skipped; keep one of them.`;
      addProblem(items, { code: 'E_DUPLICATE_ID', severity: 'error', sourceId: userId, message }, file, line);
      return items;
    }
    const memberships = userId ? this.#ctx.memberships?.get(userId) : undefined;
    const mapped = mapAuth0User(raw, memberships ? { password: lookup, memberships } : { password: lookup });
    for (const p of mapped.problems) {
      // A hash that cannot be used is fixed in the password file: point there.
      if (passwords && lookup.kind === 'found' && (p.code === 'E_HASH_MALFORMED' || p.code === 'E_HASH_UNSUPPORTED')) {
        addProblem(items, { ...p, file: passwords.file, line: lookup.line }, file, line);
      } else {
        addProblem(items, { ...p }, file, line);
      }
    }
    if (mapped.user) {
      const item: SourceItem = { type: 'user', user: mapped.user };
      if (file !== undefined) item.file = file;
      if (line !== undefined) item.line = line;
      items.push(item);
    }
    return items;
  }

  /** Records a user_id; returns the line of its first holder when it was seen before (0 = no line). */
  #seen(userId: string, line: number | undefined): number | undefined {
    if (this.#repeatedId) return this.#repeatedId(userId, line ?? 0);
    this.#seenIds ??= new SeenIndex();
    return this.#seenIds.add(userId, line ?? 0)?.line;
  }

  /** After the last user: the password records no user took. */
  *finish(): Generator<SourceItem> {
    const passwords = this.#ctx.passwords;
    if (!passwords) return;
    for (const orphan of passwords.index.unmatched()) {
      const id = `${DATABASE_PROVIDER}|${orphan.key}`;
      yield {
        type: 'problem',
        problem: {
          code: 'E_PASSWORD_ORPHAN',
          severity: 'warning',
          file: passwords.file,
          line: orphan.line,
          sourceId: id,
          message: `the password record for ${id} matches no user in the export (deleted since, or exported from another connection): it is not used.`,
        },
      };
    }
  }
}
