/**
 * The `--api-dump` JSON for Cognito: groups and who is in them, which ListUsers does not return.
 *
 *   {"groups": [{"GroupName", "Description", "Precedence", "RoleArn"}],   (ListGroups' GroupType)
 *    "memberships": [{"GroupName", "Username"}],                          (from ListUsersInGroup)
 *    "users": [UserType, ...]}                                            (optional: ListUsers)
 *
 * Streamed like the export (a large pool has hundreds of thousands of memberships): groups and
 * memberships are kept, being the join by Username; `users` is read in a second pass, and only
 * when there is no --file.
 */
import type { Organization } from '../../model/user.js';
import type { Problem } from '../../protocol/problem.js';
import { openExportFile, readTextChunks, type ExportFile } from '../../lib/io/export-file.js';
import { scanJsonElements, type ScanEvent } from '../../lib/io/json-element-scanner.js';
import { GroupMembers, groupToOrganization, type CognitoGroup } from './groups.js';

const WHAT = 'API dump';
const GROUP_PATHS = new Set(['.groups[]', '.Groups[]']);
const MEMBERSHIP_PATHS = new Set(['.memberships[]', '.Memberships[]']);
const USER_PATHS = new Set(['.users[]', '.Users[]']);

export interface CognitoDump {
  file: ExportFile;
  organizations: Organization[];
  members: GroupMembers;
  problems: Problem[];
}

function malformed(path: string, ev: Extract<ScanEvent, { kind: 'malformed' }>): Problem {
  return { code: 'E_SOURCE_PARSE', severity: 'error', file: path, line: ev.line, message: ev.element ? `${ev.message}; that entry of the API dump is skipped` : ev.message };
}

/** Groups and memberships. Fails with E_INPUT_UNREADABLE / E_INPUT_EMPTY before reading. */
export async function loadCognitoDump(path: string): Promise<CognitoDump> {
  const file = await openExportFile(path, WHAT);
  const dump: CognitoDump = { file, organizations: [], members: new GroupMembers(), problems: [] };
  const defined = new Set<string>();
  const match = (p: string): boolean => GROUP_PATHS.has(p) || MEMBERSHIP_PATHS.has(p);
  let sawAny = false;
  for await (const ev of scanJsonElements(readTextChunks(file), { match })) {
    if (ev.kind === 'malformed') {
      dump.problems.push(malformed(path, ev));
      continue;
    }
    sawAny = true;
    const v = (ev.value && typeof ev.value === 'object' ? ev.value : {}) as Record<string, unknown>;
    if (GROUP_PATHS.has(ev.path)) {
      const org = groupToOrganization(v as CognitoGroup);
      if (!org) dump.problems.push({ code: 'E_SOURCE_FIELD', severity: 'warning', file: path, line: ev.line, message: 'a group without GroupName is skipped' });
      else if (!defined.has(org.sourceId)) {
        defined.add(org.sourceId);
        dump.organizations.push(org);
      }
      continue;
    }
    if (typeof v.GroupName !== 'string' || typeof v.Username !== 'string' || !v.GroupName || !v.Username) {
      dump.problems.push({ code: 'E_SOURCE_FIELD', severity: 'warning', file: path, line: ev.line, message: 'a membership without GroupName or Username is skipped' });
      continue;
    }
    dump.members.add(v.Username, v.GroupName);
  }
  // Memberships may come before the groups in the file: check them once everything is read.
  for (const group of dump.members.groupNames()) {
    if (defined.has(group)) continue;
    const n = dump.members.dropGroup(group);
    dump.problems.push({ code: 'E_MEMBERSHIP_ORPHAN', severity: 'warning', file: path, message: `${n} membership(s) name the group ${JSON.stringify(group)}, which is not in "groups": they are skipped` });
  }
  if (!sawAny && dump.problems.length === 0) {
    dump.problems.push({ code: 'E_SOURCE_FIELD', severity: 'warning', file: path, line: 1, message: 'the API dump has no "groups" or "memberships": no organizations are read' });
  }
  return dump;
}

/** The dump's own `users` list (ListUsers' UserType), streamed. */
export async function* dumpUsers(dump: CognitoDump): AsyncGenerator<ScanEvent> {
  yield* scanJsonElements(readTextChunks(dump.file), { match: (p) => USER_PATHS.has(p) });
}
