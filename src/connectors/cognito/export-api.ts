import { ResumableJsonDump } from '../../lib/io/resumable-json-dump.js';
import { FlaglessError } from '../../protocol/errors.js';
import type { ExportApiCounts, ExportApiOptions, ExportApiResult } from '../../protocol/source.js';
import { PAGE_SIZE, apiError, makeClient } from './read-api.js';

/**
 * `flagless export --from cognito --api`: saves a user pool to the dump `--api-dump` reads
 * (`{groups, memberships, users}`, see api-dump.ts: ListGroups' GroupType, `{GroupName, Username}`
 * from ListUsersInGroup, ListUsers' UserType), through the AWS SDK, whose adaptive retry mode
 * paces requests after throttling. Resumable at: the group list (saved in one step: a pool has at
 * most 10,000 groups), each group's members (one step per group), each ListUsers page (its
 * PaginationToken is the cursor).
 */
const SECTIONS = ['groups', 'memberships', 'users'] as const;

interface CognitoCursor {
  groupNames?: string[];
  groupIndex?: number;
  /** ListUsers' PaginationToken for the next page; null once the first page is still to read. */
  usersToken?: string | null;
}

export async function exportCognitoApi(options: ExportApiOptions): Promise<ExportApiResult> {
  const env = options.env ?? process.env;
  const poolId = env.COGNITO_USER_POOL_ID;
  if (!poolId) throw new FlaglessError('E_USAGE', 'Cognito export: set COGNITO_USER_POOL_ID (and AWS_REGION and AWS credentials).');
  const { client, sdk } = await makeClient({ api: true, ...(options.apiUrl ? { apiUrl: options.apiUrl } : {}) }, env, poolId);
  const limit = Math.max(1, Math.min(PAGE_SIZE, options.pageSize ?? PAGE_SIZE));
  const send = async <T>(op: string, fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (e) {
      throw apiError(op, e);
    }
  };
  try {
    // One cheap call before anything is written: an unknown pool or refused credentials fail here (exit 2).
    await send('ListGroups', () => client.send(new sdk.ListGroupsCommand({ UserPoolId: poolId, Limit: 1 })));
    const origin = `${poolId}${options.apiUrl ? ` via ${options.apiUrl}` : ''}`;
    const dump = await ResumableJsonDump.open<CognitoCursor>(options.out, { vendor: 'cognito', origin, sections: [...SECTIONS] }, {});
    try {
      if (dump.section === 'groups') {
        const groups: object[] = [];
        for await (const page of sdk.paginateListGroups({ client, pageSize: limit }, { UserPoolId: poolId })) {
          for (const g of page.Groups ?? []) if (g.GroupName) groups.push({ GroupName: g.GroupName, Description: g.Description, Precedence: g.Precedence, RoleArn: g.RoleArn });
        }
        const groupNames = groups.map((g) => (g as { GroupName: string }).GroupName);
        await dump.writePage('groups', groups, { groupNames, groupIndex: 0 });
        await dump.writePage('memberships', [], { groupNames, groupIndex: 0 });
        progress(options, dump, 'groups');
      }
      if (dump.section === 'memberships') {
        const groupNames = dump.cursor.groupNames ?? [];
        for (let i = dump.cursor.groupIndex ?? 0; i < groupNames.length; i++) {
          stopIfAborted(options);
          const GroupName = groupNames[i]!;
          const members: { GroupName: string; Username: string }[] = [];
          try {
            for await (const page of sdk.paginateListUsersInGroup({ client, pageSize: limit }, { UserPoolId: poolId, GroupName })) {
              for (const u of page.Users ?? []) if (u.Username) members.push({ GroupName, Username: u.Username });
            }
          } catch (e) {
            throw apiError('ListUsersInGroup', e);
          }
          await dump.writePage('memberships', members, { groupNames, groupIndex: i + 1 });
          progress(options, dump, 'memberships');
        }
        await dump.writePage('users', [], { usersToken: null });
      }
      let token = dump.cursor.usersToken ?? null;
      for (;;) {
        stopIfAborted(options);
        const page = await send('ListUsers', () => client.send(new sdk.ListUsersCommand({ UserPoolId: poolId, Limit: limit, ...(token ? { PaginationToken: token } : {}) })));
        token = page.PaginationToken ?? null;
        await dump.writePage('users', page.Users ?? [], { usersToken: token });
        progress(options, dump, 'users');
        if (!token) break;
      }
      const counts = countsOf(dump.counts);
      await dump.finish();
      return { out: options.out, counts, resumed: dump.resumed };
    } catch (e) {
      await dump.close();
      throw e;
    }
  } finally {
    client.destroy();
  }
}

function progress(options: ExportApiOptions, dump: ResumableJsonDump<CognitoCursor>, section: string): void {
  options.onProgress?.({ section, counts: countsOf(dump.counts) });
}

function stopIfAborted(options: ExportApiOptions): void {
  if (options.signal?.aborted) {
    throw new FlaglessError('E_INTERRUPTED', `the export was stopped; run the same command again to continue from ${options.out}.partial.json.`);
  }
}

/** Groups are what flagless moves as organizations. */
function countsOf(c: Record<string, number>): ExportApiCounts {
  return { users: c.users ?? 0, organizations: c.groups ?? 0, memberships: c.memberships ?? 0 };
}
