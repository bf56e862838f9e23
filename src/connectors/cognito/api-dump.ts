/**
 * The `--api-dump` JSON for Cognito: groups and who is in them, which ListUsers does not return.
 *
 *   {"groups": [{"GroupName", "Description", "Precedence", "RoleArn"}],   (ListGroups' GroupType)
 *    "memberships": [{"GroupName", "Username"}],                          (from ListUsersInGroup)
 *    "users": [UserType, ...]}                                            (optional: ListUsers)
 *
 * It is joined to the users by Username, so it is read whole (groups and memberships are the
 * join; `users` is read only when there is no --file).
 */
import { readFile } from 'node:fs/promises';
import type { Organization } from '../../model/user.js';
import { FlaglessError } from '../../protocol/errors.js';
import type { Problem } from '../../protocol/problem.js';
import { GroupMembers, groupToOrganization, type CognitoGroup } from './groups.js';

export interface CognitoDump {
  organizations: Organization[];
  members: GroupMembers;
  users: unknown[];
  problems: Problem[];
}

function list(o: Record<string, unknown>, ...keys: string[]): unknown[] {
  for (const k of keys) if (Array.isArray(o[k])) return o[k] as unknown[];
  return [];
}

export function parseCognitoDump(text: string, file: string): CognitoDump {
  const dump: CognitoDump = { organizations: [], members: new GroupMembers(), users: [], problems: [] };
  let root: unknown;
  try {
    root = JSON.parse(text);
  } catch {
    dump.problems.push({ code: 'E_SOURCE_PARSE', severity: 'error', file, line: 1, message: 'the API dump is not valid JSON: groups and memberships are not read' });
    return dump;
  }
  if (!root || typeof root !== 'object' || Array.isArray(root)) {
    dump.problems.push({ code: 'E_SOURCE_PARSE', severity: 'error', file, line: 1, message: 'the API dump is not a JSON object {"groups": [...], "memberships": [...]}' });
    return dump;
  }
  const r = root as Record<string, unknown>;
  const names = new Set<string>();
  for (const g of list(r, 'groups', 'Groups')) {
    const org = g && typeof g === 'object' ? groupToOrganization(g as CognitoGroup) : undefined;
    if (!org) {
      dump.problems.push({ code: 'E_SOURCE_FIELD', severity: 'warning', file, message: 'a group without GroupName is skipped' });
      continue;
    }
    if (names.has(org.sourceId)) continue;
    names.add(org.sourceId);
    dump.organizations.push(org);
  }
  const unknownGroups = new Set<string>();
  for (const m of list(r, 'memberships', 'Memberships')) {
    const mm = (m && typeof m === 'object' ? m : {}) as Record<string, unknown>;
    const group = typeof mm.GroupName === 'string' ? mm.GroupName : undefined;
    const username = typeof mm.Username === 'string' ? mm.Username : undefined;
    if (!group || !username) {
      dump.problems.push({ code: 'E_SOURCE_FIELD', severity: 'warning', file, message: 'a membership without GroupName or Username is skipped' });
      continue;
    }
    if (!names.has(group)) {
      if (!unknownGroups.has(group)) {
        unknownGroups.add(group);
        dump.problems.push({ code: 'E_MEMBERSHIP_ORPHAN', severity: 'warning', file, message: `memberships name the group ${JSON.stringify(group)}, which is not in "groups": they are skipped` });
      }
      continue;
    }
    dump.members.add(username, group);
  }
  dump.users = list(r, 'users', 'Users');
  return dump;
}

export async function loadCognitoDump(path: string): Promise<CognitoDump> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? 'read error';
    throw new FlaglessError('E_INPUT_UNREADABLE', `cannot read the API dump ${path}: ${code === 'ENOENT' ? 'it does not exist' : code}.`, { cause: e });
  }
  if (text.trim() === '') throw new FlaglessError('E_INPUT_EMPTY', `the API dump ${path} is empty.`);
  return parseCognitoDump(text, path);
}
