import { ResumableJsonDump } from '../../lib/io/resumable-json-dump.js';
import { FlaglessError } from '../../protocol/errors.js';
import type { ExportApiCounts, ExportApiOptions, ExportApiResult } from '../../protocol/source.js';
import { DAY_MS, PER_PAGE, TAKE, USER_QUERY_LIMIT, call, createAuth0Client, listUsersPage, pagesFrom, toFlaglessError, windowQuery } from './read-api.js';
import type { Auth0DumpMembership, Auth0Organization, Auth0User } from './types.js';

/**
 * `flagless export --from auth0 --api`: saves the Management API to the dump `--api-dump` reads
 * (`{organizations, memberships, users}`, see api-dump.ts), through the `auth0` SDK, which waits
 * out 429s itself (Retry-After / X-RateLimit-Reset). Resumable at these points (the checkpoint's
 * cursor): the organization list (saved in one step: organizations are few), each organization's
 * members (one step per organization), each page of users. Users are paged as the reader pages
 * them (read-api.ts): plainly under 1000, otherwise in `created_at` windows halved until each
 * fits; the windows still to read and the page reached in the current one are the cursor.
 */
const SECTIONS = ['organizations', 'memberships', 'users'] as const;

interface UsersCursor {
  /** Windows [from, to] (ms) not yet read, the next one last. */
  pending: [number, number][];
  /** The query being paged (null: all users, a tenant under 1000). */
  q: string | null;
  next: number;
  pages: number;
  lastIds: string[];
}

interface Auth0Cursor {
  orgIds?: string[];
  orgIndex?: number;
  users?: UsersCursor;
}

export async function exportAuth0Api(options: ExportApiOptions): Promise<ExportApiResult> {
  const client = await createAuth0Client({ api: true, ...(options.env ? { env: options.env } : {}), ...(options.apiUrl ? { apiUrl: options.apiUrl } : {}) });
  const env = options.env ?? process.env;
  const origin = `${env.AUTH0_DOMAIN ?? ''}${options.apiUrl ? ` via ${options.apiUrl}` : ''}`;
  // User pages keep the reader's size (its 1000-per-query arithmetic depends on it): no pageSize.
  // One cheap call before anything is written: refused credentials fail here (exit 2, not 3).
  await call('reading the first user', () => client.users.list({ page: 0, per_page: 1 }));

  let orgWarning: string | undefined;
  const listOrganizations = async (): Promise<Auth0Organization[]> => {
    const all: Auth0Organization[] = [];
    let first;
    try {
      first = await client.organizations.list({ take: TAKE });
    } catch (e) {
      const status = (e as { statusCode?: number }).statusCode;
      if (status !== 403 && status !== 404) throw toFlaglessError(e, 'listing organizations');
      orgWarning = `organizations were not read (${toFlaglessError(e, 'listing organizations').message}); users are saved without memberships.`;
      return all;
    }
    for await (const page of pagesFrom(first, 'listing organizations')) all.push(...(page.data as Auth0Organization[]));
    return all;
  };

  const dump = await ResumableJsonDump.open<Auth0Cursor>(options.out, { vendor: 'auth0', origin, sections: [...SECTIONS] }, {});
  const warnings: string[] = [];
  try {
    if (dump.section === 'organizations') {
      const organizations = await listOrganizations();
      if (orgWarning) warnings.push(orgWarning);
      const orgIds = organizations.map((o) => o.id).filter((id): id is string => typeof id === 'string');
      await dump.writePage('organizations', organizations, { orgIds, orgIndex: 0 });
      await dump.writePage('memberships', [], { orgIds, orgIndex: 0 });
      progress(options, dump, 'organizations');
    }
    if (dump.section === 'memberships') {
      const orgIds = dump.cursor.orgIds ?? [];
      for (let i = dump.cursor.orgIndex ?? 0; i < orgIds.length; i++) {
        stopIfAborted(options);
        const orgId = orgIds[i]!;
        const what = `listing the members of ${orgId}`;
        const members: Auth0DumpMembership[] = [];
        const first = await call(what, () => client.organizations.members.list(orgId, { take: TAKE, fields: 'user_id,roles', include_fields: true }));
        for await (const page of pagesFrom(first, what)) {
          for (const m of page.data) if (typeof m.user_id === 'string') members.push({ organization_id: orgId, user_id: m.user_id, roles: (m.roles ?? []) as Auth0DumpMembership['roles'] });
        }
        await dump.writePage('memberships', members, { orgIds, orgIndex: i + 1 });
        progress(options, dump, 'memberships');
      }
      await dump.writePage('users', [], {});
    }
    let cursor: UsersCursor | undefined = dump.cursor.users;
    if (!cursor) {
      stopIfAborted(options);
      const first = await listUsersPage(client, 0);
      if (first.total < USER_QUERY_LIMIT) {
        cursor = { pending: [], q: null, next: 1, pages: Math.ceil(first.total / PER_PAGE), lastIds: ids(first.users) };
        await dump.writePage('users', first.users, { users: cursor });
        progress(options, dump, 'users');
      } else {
        cursor = { pending: [[0, Date.now() + DAY_MS]], q: null, next: 0, pages: 0, lastIds: [] };
      }
    }
    for (;;) {
      stopIfAborted(options);
      if (cursor.next < cursor.pages) {
        const page = await listUsersPage(client, cursor.next, cursor.q ?? undefined);
        const previous = new Set(cursor.lastIds);
        const fresh = page.users.filter((u) => !previous.has(u.user_id ?? ''));
        cursor = { ...cursor, next: page.users.length < PER_PAGE ? cursor.pages : cursor.next + 1, lastIds: ids(page.users) };
        await dump.writePage('users', fresh, { users: cursor });
        progress(options, dump, 'users');
        continue;
      }
      const window: [number, number] | undefined = cursor.pending.at(-1);
      if (!window) break;
      const pending = cursor.pending.slice(0, -1);
      const [from, to]: [number, number] = window;
      const q = windowQuery(from, to);
      const head = await listUsersPage(client, 0, q);
      if (head.total >= USER_QUERY_LIMIT && to > from) {
        const mid = Math.floor((from + to) / 2);
        cursor = { ...cursor, pending: [...pending, [mid + 1, to], [from, mid]] }; // earlier half first
        continue;
      }
      if (head.total > USER_QUERY_LIMIT) {
        warnings.push(`${head.total} users were created at ${new Date(from).toISOString()}, more than the ${USER_QUERY_LIMIT} one API query can return: only ${USER_QUERY_LIMIT} were saved; use the users-export job (--file) for the rest.`);
      }
      cursor = { pending, q, next: 1, pages: Math.ceil(Math.min(head.total, USER_QUERY_LIMIT) / PER_PAGE), lastIds: ids(head.users) };
      await dump.writePage('users', head.users, { users: cursor });
      progress(options, dump, 'users');
    }
    const counts = countsOf(dump.counts);
    await dump.finish();
    return { out: options.out, counts, resumed: dump.resumed, ...(warnings.length ? { warnings } : {}) };
  } catch (e) {
    await dump.close();
    throw e;
  }
}

const ids = (users: Auth0User[]): string[] => users.map((u) => u.user_id ?? '');

function progress(options: ExportApiOptions, dump: ResumableJsonDump<Auth0Cursor>, section: string): void {
  options.onProgress?.({ section, counts: countsOf(dump.counts) });
}

function stopIfAborted(options: ExportApiOptions): void {
  if (options.signal?.aborted) {
    throw new FlaglessError('E_INTERRUPTED', `the export was stopped; run the same command again to continue from ${options.out}.partial.json.`);
  }
}

function countsOf(c: Record<string, number>): ExportApiCounts {
  return { users: c.users ?? 0, organizations: c.organizations ?? 0, memberships: c.memberships ?? 0 };
}
