import { openExportFile, readWholeText } from '../../lib/io/export-file.js';
import type { Membership } from '../../model/user.js';
import { FlaglessError } from '../../protocol/errors.js';
import type { SourceItem } from '../../protocol/source.js';
import { mapMembership, mapOrganization } from './map.js';
import type { Auth0ApiDump, Auth0User } from './types.js';

const WHAT = 'API dump';

export interface LoadedApiDump {
  users: Auth0User[];
  memberships: Map<string, Membership[]>;
}

/** Line (1-based) of a character offset, for JSON.parse errors that give a position. */
function lineAt(text: string, position: number): number {
  let line = 1;
  for (let i = 0; i < position && i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

/**
 * Reads `--api-dump` (`{"users":[...],"organizations":[...],"memberships":[...]}` saved from the
 * Management API, gzipped or not). It is one JSON document, so it is read whole: it carries organizations and
 * memberships, which are far fewer than users. Yields the organizations and any problems;
 * returns the users and the memberships keyed by user_id for the join.
 */
export async function* loadApiDump(path: string): AsyncGenerator<SourceItem, LoadedApiDump> {
  const text = await readWholeText(await openExportFile(path, WHAT));
  if (text.trim() === '') throw new FlaglessError('E_INPUT_EMPTY', `the ${WHAT} ${path} is empty.`);
  let dump: Auth0ApiDump;
  try {
    dump = JSON.parse(text) as Auth0ApiDump;
  } catch (e) {
    // JSON.parse messages can quote the text around the error, and the text may hold metadata:
    // report the line only.
    const position = /position (\d+)/.exec(e instanceof Error ? e.message : '');
    const line = position ? lineAt(text, Number(position[1])) : undefined;
    throw new FlaglessError('E_SOURCE_PARSE', `the ${WHAT} ${path} is not valid JSON${line ? ` (error near line ${line})` : ''}.`);
  }
  if (dump === null || typeof dump !== 'object' || Array.isArray(dump)) {
    throw new FlaglessError('E_SOURCE_FIELD', `the ${WHAT} ${path} must be a JSON object with "users", "organizations" and "memberships" arrays.`);
  }
  for (const key of ['users', 'organizations', 'memberships'] as const) {
    if (dump[key] !== undefined && !Array.isArray(dump[key])) {
      throw new FlaglessError('E_SOURCE_FIELD', `"${key}" in the ${WHAT} ${path} must be an array.`);
    }
  }
  const orgIds = new Set<string>();
  for (const [i, raw] of (dump.organizations ?? []).entries()) {
    const org = raw && typeof raw === 'object' ? mapOrganization(raw) : undefined;
    if (!org) {
      yield { type: 'problem', problem: { code: 'E_SOURCE_FIELD', severity: 'error', file: path, message: `organizations[${i}] has no id: it is skipped.` } };
      continue;
    }
    orgIds.add(org.sourceId);
    yield { type: 'organization', organization: org, file: path };
  }
  const memberships = new Map<string, Membership[]>();
  for (const [i, raw] of (dump.memberships ?? []).entries()) {
    const userId = typeof raw?.user_id === 'string' ? raw.user_id : undefined;
    const membership = raw && typeof raw === 'object' ? mapMembership(raw) : undefined;
    if (!userId || !membership) {
      yield { type: 'problem', problem: { code: 'E_SOURCE_FIELD', severity: 'error', file: path, message: `memberships[${i}] lacks organization_id or user_id: it is skipped.` } };
      continue;
    }
    if (!orgIds.has(membership.organizationId)) {
      yield {
        type: 'problem',
        problem: {
          code: 'E_MEMBERSHIP_ORPHAN',
          severity: 'error',
          file: path,
          sourceId: userId,
          message: `${userId} is a member of organization ${membership.organizationId}, which is not in the dump's organizations: the membership is skipped.`,
        },
      };
      continue;
    }
    const list = memberships.get(userId);
    if (list) list.push(membership);
    else memberships.set(userId, [membership]);
  }
  const users = (dump.users ?? []).filter((u): u is Auth0User => u !== null && typeof u === 'object' && !Array.isArray(u));
  return { users, memberships };
}
