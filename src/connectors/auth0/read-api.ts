/**
 * The live Auth0 Management API as a source, through the official `auth0` SDK (v7, imported
 * lazily): organizations, their members with roles, then every user, joined like the file export.
 *
 * Paging users: `GET /api/v2/users` returns at most 1000 users for one query (per_page ≤ 100,
 * pages 0-9; page 10 answers 400 "You can only page through the first 1000 records"). A tenant
 * with fewer than 1000 users is paged plainly. A larger one is read in `created_at` windows
 * (`q=created_at:[A TO B]`, search engine v3), halving any window that reports 1000 or more users
 * until each fits under the limit. Only more than 1000 users created in the same millisecond
 * could still be cut short, and that is reported as a problem, never dropped silently.
 *
 * Rate limits: the SDK retries 429 responses itself, waiting for `Retry-After` or
 * `X-RateLimit-Reset` (epoch seconds), with exponential backoff otherwise, up to `maxRetries`
 * times; after that the read fails with E_SOURCE_API (retriable, with the wait the server asked).
 *
 * Test hook: the SDK's ManagementClient always calls `https://<domain>` (it builds the base URL
 * itself and drops a custom `fetcher`), but it passes its `fetch` option to both the API calls
 * and the token request; `apiUrl` installs a fetch that sends `https://<domain>/...` there instead.
 */
import type { ManagementClient } from 'auth0';
import type { Membership } from '../../model/user.js';
import { FlaglessError } from '../../protocol/errors.js';
import { httpStatusError, parseRetryAfter } from '../../protocol/http-status.js';
import type { SourceItem, SourceOptions } from '../../protocol/source.js';
import { UserJoiner, type JoinContext } from './join.js';
import { mapMembership, mapOrganization } from './map.js';
import { loadHashReader, loadPasswordFile } from './passwords.js';
import type { Auth0Organization, Auth0User } from './types.js';

/** Users one query can page through. */
export const USER_QUERY_LIMIT = 1000;
export const PER_PAGE = 100;
export const TAKE = 50;
export const DAY_MS = 86_400_000;

export interface Auth0ApiTuning {
  /** Retries of a 429/5xx before giving up (the SDK's own retry loop). Default 5. */
  maxRetries?: number;
  /** Upper bound of the first created_at window (ms since epoch). Default: tomorrow. */
  until?: number;
}

function cleanDomain(domain: string): string {
  return domain.trim().replace(/^https?:\/\//, '').replace(/\/+$/, '');
}

/** A fetch that sends requests for `https://<domain>` to `apiUrl` (a local simulator, a proxy). */
export function redirectingFetch(domain: string, apiUrl: string): typeof fetch {
  const target = new URL(apiUrl);
  const prefix = `${target.origin}${target.pathname.replace(/\/+$/, '')}`;
  const from = `https://${domain}`;
  return (input, init) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    const sent = url.startsWith(from) ? prefix + url.slice(from.length) : url;
    if (typeof input === 'object' && !(input instanceof URL)) return fetch(new Request(sent, input), init);
    return fetch(sent, init);
  };
}

export async function createAuth0Client(options: SourceOptions, tuning: Auth0ApiTuning = {}): Promise<ManagementClient> {
  const env = options.env ?? process.env;
  const domainSetting = env.AUTH0_DOMAIN ?? (options.apiUrl ? new URL(options.apiUrl).host : undefined);
  if (!domainSetting) {
    throw new FlaglessError('E_USAGE', 'Auth0 API: set AUTH0_DOMAIN (your-tenant.eu.auth0.com) and either AUTH0_CLIENT_ID + AUTH0_CLIENT_SECRET or AUTH0_MGMT_TOKEN.');
  }
  const domain = cleanDomain(domainSetting);
  const token = env.AUTH0_MGMT_TOKEN;
  const clientId = env.AUTH0_CLIENT_ID;
  const clientSecret = env.AUTH0_CLIENT_SECRET;
  if (!token && !(clientId && clientSecret)) {
    throw new FlaglessError('E_USAGE', 'Auth0 API: set AUTH0_CLIENT_ID and AUTH0_CLIENT_SECRET (a machine-to-machine application with read:users, read:organizations, read:organization_members, read:organization_member_roles), or AUTH0_MGMT_TOKEN.');
  }
  const { ManagementClient: Client } = await import('auth0');
  const base = {
    domain,
    maxRetries: tuning.maxRetries ?? 5,
    ...(options.apiUrl ? { fetch: redirectingFetch(domain, options.apiUrl) } : {}),
  };
  return token ? new Client({ ...base, token }) : new Client({ ...base, clientId: clientId!, clientSecret: clientSecret! });
}

/** The SDK's errors as flagless errors; messages name the fix and never carry a credential. */
export function toFlaglessError(e: unknown, what: string): FlaglessError {
  if (e instanceof FlaglessError) return e;
  const err = e as { statusCode?: number; body?: unknown; rawResponse?: { headers?: Headers }; message?: string } | undefined;
  const status = err?.statusCode;
  const detail = apiMessage(err?.body);
  // Code and class from the protocol's status mapping; the messages say what to do.
  const fail = (message: string, retryAfter?: number) => httpStatusError(status!, message, { side: 'source', retryAfter, cause: e });
  if (status === 429) {
    const retryAfterSeconds = retryAfterOf(err?.rawResponse?.headers);
    return fail(`Auth0 kept rate limiting ${what} (429) after the retries: run again later${retryAfterSeconds ? ` (the API asked for ${retryAfterSeconds} s)` : ''}.`, retryAfterSeconds);
  }
  if (status === 401) return fail(`Auth0 rejected the credentials while ${what} (401)${detail}: check AUTH0_CLIENT_ID/AUTH0_CLIENT_SECRET or AUTH0_MGMT_TOKEN.`);
  if (status === 403) return fail(`Auth0 refused ${what} (403)${detail}: grant the application the read:users, read:organizations, read:organization_members and read:organization_member_roles scopes.`);
  if (status !== undefined) return fail(`Auth0 answered ${status} while ${what}${detail}.`);
  return new FlaglessError('E_SOURCE_API', `cannot reach the Auth0 Management API while ${what}: ${err?.message ?? String(e)}.`, { errorClass: 'retriable', cause: e });
}

function apiMessage(body: unknown): string {
  const b = body as { message?: unknown; error_description?: unknown } | undefined;
  const m = typeof b?.message === 'string' ? b.message : typeof b?.error_description === 'string' ? b.error_description : undefined;
  return m ? ` ("${m.slice(0, 200)}")` : '';
}

function retryAfterOf(headers: Headers | undefined): number | undefined {
  const after = parseRetryAfter(headers?.get('retry-after'));
  if (after !== undefined && after > 0) return after;
  const reset = Number(headers?.get('x-ratelimit-reset'));
  if (Number.isFinite(reset) && reset > 0) return Math.max(1, Math.ceil(reset - Date.now() / 1000));
  return undefined;
}

export async function call<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    throw toFlaglessError(e, what);
  }
}

/** A first page and the ones after it (the SDK's checkpoint `Page`). */
export async function* pagesFrom<P extends { hasNextPage(): boolean; getNextPage(): Promise<P> }>(first: P, what: string): AsyncGenerator<P> {
  let page = first;
  for (;;) {
    yield page;
    if (!page.hasNextPage()) return;
    const current = page;
    page = await call(what, () => current.getNextPage());
  }
}

/** Organizations (yielded) and every member's roles (collected into `memberships`). */
async function* readOrganizations(client: ManagementClient, memberships: Map<string, Membership[]>): AsyncGenerator<SourceItem> {
  let first;
  try {
    first = await client.organizations.list({ take: TAKE });
  } catch (e) {
    const status = (e as { statusCode?: number }).statusCode;
    if (status !== 403 && status !== 404) throw toFlaglessError(e, 'listing organizations');
    // Organizations are a plan feature and a scope: without them the users still move.
    yield { type: 'problem', problem: { code: 'E_SOURCE_API', severity: 'warning', message: `organizations were not read (${toFlaglessError(e, 'listing organizations').message}); users are read without memberships.` } };
    return;
  }
  for await (const page of pagesFrom(first, 'listing organizations')) {
    for (const raw of page.data as Auth0Organization[]) {
      const org = mapOrganization(raw);
      if (!org) continue;
      yield { type: 'organization', organization: org };
      const what = `listing the members of ${org.sourceId}`;
      // `fields=roles` adds each member's directly assigned roles to the member list: one call per
      // page of members instead of one `.../members/{user_id}/roles` call per member.
      const firstMembers = await call(what, () => client.organizations.members.list(org.sourceId, { take: TAKE, fields: 'user_id,roles', include_fields: true }));
      for await (const members of pagesFrom(firstMembers, what)) {
        for (const m of members.data) {
          if (typeof m.user_id !== 'string') continue;
          const membership = mapMembership({ organization_id: org.sourceId, user_id: m.user_id, roles: m.roles ?? [] });
          if (!membership) continue;
          const list = memberships.get(m.user_id);
          if (list) list.push(membership);
          else memberships.set(m.user_id, [membership]);
        }
      }
    }
  }
}

export interface UserPage {
  users: Auth0User[];
  total: number;
}

export async function listUsersPage(client: ManagementClient, pageNo: number, q?: string): Promise<UserPage> {
  const request = {
    page: pageNo,
    per_page: PER_PAGE,
    include_totals: true,
    ...(q ? { q, search_engine: 'v3' as const, sort: 'created_at:1' } : {}),
  };
  const page = await call('listing users', () => client.users.list(request));
  const response = page.response as { total?: number; users?: Auth0User[] };
  return { users: (response.users ?? (page.data as Auth0User[])) as Auth0User[], total: response.total ?? page.data.length };
}

export function windowQuery(from: number, to: number): string {
  return `created_at:[${new Date(from).toISOString()} TO ${new Date(to).toISOString()}]`;
}

/** Reads the pages of one query, knowing its total from the first page. */
async function* readQuery(client: ManagementClient, first: UserPage, q: string | undefined): AsyncGenerator<Auth0User> {
  const pages = Math.ceil(Math.min(first.total, USER_QUERY_LIMIT) / PER_PAGE);
  yield* first.users;
  for (let p = 1; p < pages; p++) {
    const next = await listUsersPage(client, p, q);
    yield* next.users;
    if (next.users.length < PER_PAGE) break;
  }
}

/** Every user of the tenant, past the 1000-per-query limit (see the file comment). */
export async function* listAllUsers(client: ManagementClient, tuning: Auth0ApiTuning = {}): AsyncGenerator<Auth0User | SourceItem> {
  const first = await listUsersPage(client, 0);
  if (first.total < USER_QUERY_LIMIT) {
    yield* readQuery(client, first, undefined);
    return;
  }
  const windows: [number, number][] = [[0, tuning.until ?? Date.now() + DAY_MS]];
  while (windows.length > 0) {
    const [from, to] = windows.pop()!;
    const q = windowQuery(from, to);
    const head = await listUsersPage(client, 0, q);
    if (head.total >= USER_QUERY_LIMIT && to > from) {
      const mid = Math.floor((from + to) / 2);
      windows.push([mid + 1, to], [from, mid]); // earlier half first: users come in creation order
      continue;
    }
    if (head.total > USER_QUERY_LIMIT) {
      yield {
        type: 'problem',
        problem: {
          code: 'E_SOURCE_API',
          severity: 'error',
          message: `${head.total} users were created at ${new Date(from).toISOString()}, more than the ${USER_QUERY_LIMIT} one API query can return: only ${USER_QUERY_LIMIT} were read; use the users-export job (--file) for the rest.`,
        },
      };
    }
    yield* readQuery(client, head, q);
  }
}

function isProblem(x: Auth0User | SourceItem): x is SourceItem {
  return (x as SourceItem).type === 'problem' && 'problem' in x;
}

export async function* readAuth0Api(options: SourceOptions, tuning: Auth0ApiTuning = {}): AsyncGenerator<SourceItem> {
  const client = await createAuth0Client(options, tuning);
  // Memberships are keyed by user and must be complete before users stream past, so
  // organizations are read first; they hold one entry per membership, far fewer than users' data.
  const memberships = new Map<string, Membership[]>();
  yield* readOrganizations(client, memberships);
  const ctx: JoinContext = { memberships };
  if (options.passwords) {
    const index = yield* loadPasswordFile(options.passwords);
    ctx.passwords = { index, file: options.passwords, read: await loadHashReader() };
  }
  const joiner = new UserJoiner(ctx);
  for await (const x of listAllUsers(client, tuning)) {
    if (isProblem(x)) yield x;
    else yield* joiner.accept(x, undefined, undefined);
  }
  yield* joiner.finish();
}
