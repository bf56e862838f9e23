import { SeenIds } from '../../lib/io/seen-ids.js';
import { backoffMs, sleep } from '../../lib/backoff.js';
import type { Membership } from '../../model/user.js';
import { FlaglessError } from '../../protocol/errors.js';
import { classifyHttpStatus } from '../../protocol/http-status.js';
import type { SourceItem, SourceOptions } from '../../protocol/source.js';
import { identifierProblem, membershipFromJson, organizationFromJson, userFromApiJson } from './map.js';
import type { ClerkMembershipJson, ClerkOrganizationJson, ClerkUserJson } from './types.js';

/**
 * Reading users, organizations and memberships live through Clerk's official SDK
 * (`@clerk/backend`, loaded on first use). Lists are paged with limit/offset: `limit` is 1..500
 * (Clerk docs, getUserList / getOrganizationList / getInstanceOrganizationMembershipList).
 * A 429 carries `Retry-After` in seconds (Clerk docs, "Rate limits"); the SDK exposes it as
 * `ClerkAPIResponseError.retryAfter`. Backend API limits: 1000 requests / 10 s on production
 * instances, 100 / 10 s on development ones.
 */
export const CLERK_PAGE_LIMIT = 500;

export interface ClerkApiReadOptions {
  /** Page size (tests use small pages to exercise paging). */
  pageSize?: number;
  /** 429 answers tolerated per request before giving up. */
  maxRateLimited?: number;
  /** Attempts per request on 5xx and network failures. */
  maxAttempts?: number;
}

interface ClerkResource<T> {
  raw: T | null;
}
export interface Page<T> {
  data: ClerkResource<T>[];
  totalCount: number;
}

interface ClerkApiError {
  status?: number;
  retryAfter?: number;
  errors?: { code?: string }[];
}

/** Runs one SDK call, waiting out 429s (Retry-After) and retrying transient failures, bounded. */
export async function call<T>(what: string, fn: () => Promise<T>, opts: Required<Omit<ClerkApiReadOptions, 'pageSize'>>): Promise<T> {
  let rateLimited = 0;
  let attempts = 0;
  for (;;) {
    try {
      return await fn();
    } catch (e) {
      const err = e as ClerkApiError;
      const status = typeof err?.status === 'number' ? err.status : undefined;
      if (status === 429) {
        rateLimited++;
        if (rateLimited > opts.maxRateLimited) {
          throw new FlaglessError('E_RATE_LIMITED', `Clerk kept answering 429 to ${what}; try again later.`, {
            errorClass: 'retriable',
            ...(err.retryAfter !== undefined ? { retryAfterSeconds: err.retryAfter } : {}),
          });
        }
        const waitMs = err.retryAfter !== undefined && err.retryAfter >= 0 ? Math.min(err.retryAfter, 120) * 1000 : backoffMs(rateLimited);
        await sleep(waitMs);
        continue;
      }
      if (status === 401 || status === 403) {
        throw new FlaglessError('E_SOURCE_API', `Clerk rejected the secret key (HTTP ${status}) for ${what}: check CLERK_SECRET_KEY.`, { errorClass: 'fatal' });
      }
      attempts++;
      // No status: no answer (network). Otherwise the protocol's status mapping says whether a retry can help.
      const transient = status === undefined || classifyHttpStatus(status, 'source').errorClass === 'retriable';
      if (!transient || attempts >= opts.maxAttempts) {
        const code = err?.errors?.[0]?.code;
        const detail = status !== undefined ? `HTTP ${status}${code && /^[a-z_]{1,60}$/.test(code) ? ` ${code}` : ''}` : 'no answer';
        throw new FlaglessError('E_SOURCE_API', `Clerk Backend API failed for ${what} (${detail}).`, { errorClass: transient ? 'retriable' : 'fatal' });
      }
      await sleep(backoffMs(attempts));
    }
  }
}

async function* pages<T>(
  what: string,
  fetchPage: (limit: number, offset: number) => Promise<Page<T>>,
  pageSize: number,
  opts: Required<Omit<ClerkApiReadOptions, 'pageSize'>>,
): AsyncGenerator<T[]> {
  for (let offset = 0; ; offset += pageSize) {
    const page = await call(`${what} (offset ${offset})`, () => fetchPage(pageSize, offset), opts);
    const items = page.data.map((r) => r.raw).filter((r): r is T => r !== null && r !== undefined);
    if (items.length > 0) yield items;
    if (page.data.length < pageSize || offset + page.data.length >= page.totalCount) return;
  }
}

/**
 * Organizations first, then every membership (one instance-wide list, so memberships cost a
 * few requests instead of one per user), then users page by page. Memory: the memberships
 * index (one small entry per membership); users are never all held.
 */
export async function* readClerkApi(options: SourceOptions, apiOptions: ClerkApiReadOptions = {}): AsyncGenerator<SourceItem> {
  const env = options.env ?? process.env;
  const secretKey = env.CLERK_SECRET_KEY;
  if (!secretKey) throw new FlaglessError('E_USAGE', 'set CLERK_SECRET_KEY to read users from the Clerk Backend API.');
  const pageSize = Math.max(1, Math.min(CLERK_PAGE_LIMIT, apiOptions.pageSize ?? CLERK_PAGE_LIMIT));
  const opts = { maxRateLimited: apiOptions.maxRateLimited ?? 20, maxAttempts: apiOptions.maxAttempts ?? 5 };
  const { createClerkClient } = await import('@clerk/backend');
  const clerk = createClerkClient({ secretKey, ...(options.apiUrl ? { apiUrl: options.apiUrl } : {}) });
  const source = options.apiUrl ?? 'https://api.clerk.com';

  const orgIds = new Set<string>();
  for await (const batch of pages<ClerkOrganizationJson>(
    'GET /v1/organizations',
    (limit, offset) => clerk.organizations.getOrganizationList({ limit, offset, orderBy: '+created_at' }) as unknown as Promise<Page<ClerkOrganizationJson>>,
    pageSize,
    opts,
  )) {
    for (const o of batch) {
      if (orgIds.has(o.id)) continue;
      orgIds.add(o.id);
      yield { type: 'organization', organization: organizationFromJson(o), file: source };
    }
  }

  const membershipsByUser = new Map<string, Membership[]>();
  for await (const batch of pages<ClerkMembershipJson>(
    'GET /v1/organization_memberships',
    (limit, offset) =>
      clerk.organizations.getInstanceOrganizationMembershipList({ limit, offset, orderBy: '+created_at' }) as unknown as Promise<Page<ClerkMembershipJson>>,
    pageSize,
    opts,
  )) {
    for (const m of batch) {
      const mapped = membershipFromJson(m);
      if (!mapped) continue;
      if (!orgIds.has(mapped.membership.organizationId)) {
        yield {
          type: 'problem',
          problem: {
            code: 'E_MEMBERSHIP_ORPHAN',
            severity: 'error',
            file: source,
            sourceId: mapped.userId,
            message: `the membership of ${mapped.userId} names organization ${mapped.membership.organizationId}, which the organization list did not return; it was left out`,
          },
        };
        continue;
      }
      const list = membershipsByUser.get(mapped.userId);
      if (list) list.push(mapped.membership);
      else membershipsByUser.set(mapped.userId, [mapped.membership]);
    }
  }

  // Oldest first, so users who sign up while we read land on later pages instead of shifting earlier ones.
  const seen = new SeenIds();
  for await (const batch of pages<ClerkUserJson>(
    'GET /v1/users',
    (limit, offset) => clerk.users.getUserList({ limit, offset, orderBy: '+created_at' }) as unknown as Promise<Page<ClerkUserJson>>,
    pageSize,
    opts,
  )) {
    for (const json of batch) {
      // Offset paging can repeat a user when the list shifts under it: each one is yielded once.
      if (!seen.add(json.id)) continue;
      const { user, problems } = userFromApiJson(json);
      const memberships = membershipsByUser.get(user.sourceId);
      if (memberships) user.memberships = memberships;
      for (const p of problems) yield { type: 'problem', problem: { ...p, file: source } };
      const noId = identifierProblem(user);
      if (noId) yield { type: 'problem', problem: { ...noId, file: source } };
      yield { type: 'user', user, file: source };
    }
  }
}
