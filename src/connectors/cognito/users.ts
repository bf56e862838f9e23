/**
 * What file and API reads share: raw UserType records in, SourceItems out, with duplicate
 * Usernames reported, group memberships joined, and memberships of users that never appeared
 * reported at the end.
 */
import type { Problem } from '../../protocol/problem.js';
import type { SourceItem } from '../../protocol/source.js';
import { SeenIds } from '../../lib/io/seen-ids.js';
import type { GroupMembers } from './groups.js';
import { mapCognitoUser } from './map.js';

/** At most this many "membership names a user not in the export" problems, then a summary. */
const MAX_ORPHAN_REPORTS = 20;

export class CognitoUserStream {
  readonly #seen = new SeenIds();
  readonly #members: GroupMembers | undefined;
  readonly #file: string | undefined;

  constructor(members: GroupMembers | undefined, file: string | undefined) {
    this.#members = members;
    this.#file = file;
  }

  #problem(p: Omit<Problem, 'file'>): SourceItem {
    return { type: 'problem', problem: this.#file === undefined ? p : { ...p, file: this.#file } };
  }

  *user(record: unknown, line: number | undefined): Generator<SourceItem> {
    const at = line === undefined ? {} : { line };
    const username = record && typeof record === 'object' ? (record as Record<string, unknown>).Username : undefined;
    // Take the groups before mapping so a duplicate does not leave them behind as orphans.
    const groups = typeof username === 'string' ? this.#members?.take(username) : undefined;
    const result = mapCognitoUser(record, groups ? { groups } : {});
    for (const p of result.problems) yield this.#problem({ ...p, ...at });
    const user = result.user;
    if (!user) return;
    if (!this.#seen.add(user.sourceId)) {
      yield this.#problem({ code: 'E_DUPLICATE_ID', severity: 'error', ...at, sourceId: user.sourceId, message: 'another user earlier in the export has the same Username: this one is skipped' });
      return;
    }
    yield { type: 'user', user, ...(this.#file === undefined ? {} : { file: this.#file }), ...at };
  }

  /** Memberships whose user was never read. */
  *finish(dumpFile: string | undefined): Generator<SourceItem> {
    if (!this.#members) return;
    let n = 0;
    for (const [username, groups] of this.#members.leftover()) {
      n++;
      if (n <= MAX_ORPHAN_REPORTS) {
        yield {
          type: 'problem',
          problem: {
            code: 'E_MEMBERSHIP_ORPHAN',
            severity: 'warning',
            ...(dumpFile ? { file: dumpFile } : {}),
            sourceId: username,
            message: `group membership (${groups.join(', ')}) of a Username that is not among the users read: it is not carried`,
          },
        };
      }
    }
    if (n > MAX_ORPHAN_REPORTS) {
      yield {
        type: 'problem',
        problem: { code: 'E_MEMBERSHIP_ORPHAN', severity: 'warning', ...(dumpFile ? { file: dumpFile } : {}), message: `${n - MAX_ORPHAN_REPORTS} more users in group memberships are not among the users read` },
      };
    }
  }
}
