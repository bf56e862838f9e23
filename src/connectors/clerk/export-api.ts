import { createHash } from 'node:crypto';
import { ResumableJsonDump } from '../../lib/io/resumable-json-dump.js';
import { FlaglessError } from '../../protocol/errors.js';
import type { ExportApiCounts, ExportApiOptions, ExportApiResult } from '../../protocol/source.js';
import { CLERK_PAGE_LIMIT, call, type Page } from './read-api.js';
import type { ClerkMembershipJson, ClerkOrganizationJson, ClerkUserJson } from './types.js';

/**
 * `flagless export --from clerk --api`: saves the Backend API to the dump `--api-dump` reads
 * (`{organizations, memberships, users}`, each record as the API returns it, see dump.ts), through
 * `@clerk/backend`, page by page (limit/offset, oldest first), waiting out 429s as the reader does
 * (Retry-After). After each page the checkpoint holds the list and offset reached, so a stopped
 * run continues there. Oldest first: users who sign up during the export land on later pages
 * instead of shifting the pages already saved. The ids of the last saved page travel in the
 * checkpoint so a page that moved by a few records on resume is not saved twice.
 */
const SECTIONS = ['organizations', 'memberships', 'users'] as const;
type Section = (typeof SECTIONS)[number];

interface ClerkCursor {
  offset: number;
  /** Ids of the last saved page of the open section (users, organizations; membership ids). */
  lastIds: string[];
}

export async function exportClerkApi(options: ExportApiOptions): Promise<ExportApiResult> {
  const env = options.env ?? process.env;
  const secretKey = env.CLERK_SECRET_KEY;
  if (!secretKey) throw new FlaglessError('E_USAGE', 'set CLERK_SECRET_KEY to export users from the Clerk Backend API.');
  const pageSize = Math.max(1, Math.min(CLERK_PAGE_LIMIT, options.pageSize ?? CLERK_PAGE_LIMIT));
  const opts = { maxRateLimited: 20, maxAttempts: 5 };
  const { createClerkClient } = await import('@clerk/backend');
  const clerk = createClerkClient({ secretKey, ...(options.apiUrl ? { apiUrl: options.apiUrl } : {}) });
  // Every instance is behind one URL: a fingerprint of the key tells them apart on resume (a
  // 48-bit slice of a SHA-256 of a random key says nothing about the key).
  const origin = `${options.apiUrl ?? 'https://api.clerk.com'} (key ${createHash('sha256').update(secretKey).digest('hex').slice(0, 12)})`;

  // One cheap call first: a refused key fails before anything is written (exit 2, not 3).
  await call('GET /v1/users/count', () => clerk.users.getCount(), opts);

  const dump = await ResumableJsonDump.open<ClerkCursor>(options.out, { vendor: 'clerk', origin, sections: [...SECTIONS] }, { offset: 0, lastIds: [] });
  try {
    const fetchers: Record<Section, (limit: number, offset: number) => Promise<Page<{ id: string }>>> = {
      organizations: (limit, offset) => clerk.organizations.getOrganizationList({ limit, offset, orderBy: '+created_at' }) as unknown as Promise<Page<ClerkOrganizationJson>>,
      memberships: (limit, offset) =>
        clerk.organizations.getInstanceOrganizationMembershipList({ limit, offset, orderBy: '+created_at' }) as unknown as Promise<Page<ClerkMembershipJson & { id: string }>>,
      users: (limit, offset) => clerk.users.getUserList({ limit, offset, orderBy: '+created_at' }) as unknown as Promise<Page<ClerkUserJson>>,
    };
    for (const section of SECTIONS.slice(SECTIONS.indexOf(dump.section as Section))) {
      let { offset, lastIds } = section === dump.section ? dump.cursor : { offset: 0, lastIds: [] as string[] };
      for (;;) {
        if (options.signal?.aborted) throw interrupted(options.out);
        const page = await call(`GET ${section} (offset ${offset})`, () => fetchers[section](pageSize, offset), opts);
        const raw = page.data.map((r) => r.raw).filter((r): r is { id: string } => r !== null && r !== undefined);
        const previous = new Set(lastIds);
        const fresh = raw.filter((r) => !previous.has(r.id));
        const done = page.data.length < pageSize || offset + page.data.length >= page.totalCount;
        offset += page.data.length;
        lastIds = raw.map((r) => r.id);
        // The last page closes its list: the checkpoint then points at the next one.
        const nextSection = done ? SECTIONS[SECTIONS.indexOf(section) + 1] : section;
        await dump.writePage(section, fresh, done ? { offset: 0, lastIds: [] } : { offset, lastIds });
        if (done && nextSection) await dump.writePage(nextSection, [], { offset: 0, lastIds: [] });
        options.onProgress?.({ section, counts: countsOf(dump.counts) });
        if (done) break;
      }
    }
    const counts = countsOf(dump.counts);
    await dump.finish();
    return { out: options.out, counts, resumed: dump.resumed };
  } catch (e) {
    await dump.close();
    throw e;
  }
}

function countsOf(c: Record<string, number>): ExportApiCounts {
  return { users: c.users ?? 0, organizations: c.organizations ?? 0, memberships: c.memberships ?? 0 };
}

function interrupted(out: string): FlaglessError {
  return new FlaglessError('E_INTERRUPTED', `the export was stopped; run the same command again to continue from ${out}.partial.json.`);
}
