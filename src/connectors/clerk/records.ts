import { FlaglessError } from '../../protocol/errors.js';
import type { SourceRecords, SyncFactoryOptions } from '../../protocol/sync.js';
import { membershipFromJson, organizationFromJson, userFromApiJson } from './map.js';
import { call, type Page } from './read-api.js';
import type { ClerkMembershipJson, ClerkOrganizationJson, ClerkUserJson } from './types.js';

/**
 * Single records from Clerk's Backend API through `@clerk/backend` (CLERK_SECRET_KEY): a user
 * (GET /v1/users/{id}) with its memberships (GET /v1/users/{id}/organization_memberships, paged,
 * limit ≤ 500) and an organization (GET /v1/organizations/{id}). A 404 means the record is gone.
 */
export async function clerkRecords(options: SyncFactoryOptions): Promise<SourceRecords> {
  const secretKey = options.env.CLERK_SECRET_KEY;
  if (!secretKey) throw new FlaglessError('E_USAGE', 'set CLERK_SECRET_KEY to read users from the Clerk Backend API.');
  const { createClerkClient } = await import('@clerk/backend');
  const clerk = createClerkClient({ secretKey, ...(options.apiUrl ? { apiUrl: options.apiUrl } : {}) });
  const opts = { maxRateLimited: 20, maxAttempts: 5 };
  const orNone = async <T>(fn: () => Promise<T>): Promise<T | undefined> => {
    try {
      return await fn();
    } catch (e) {
      if ((e as { status?: number }).status === 404) return undefined;
      throw e;
    }
  };
  return {
    async user(sourceId) {
      const got = await call(`GET /v1/users/${sourceId}`, () => orNone(() => clerk.users.getUser(sourceId) as unknown as Promise<{ raw: ClerkUserJson | null }>), opts);
      const json = got?.raw;
      if (!json) return undefined;
      const { user } = userFromApiJson(json);
      user.memberships = [];
      for (let offset = 0; ; offset += 500) {
        const page = await call(
          `GET /v1/users/${sourceId}/organization_memberships`,
          () => clerk.users.getOrganizationMembershipList({ userId: sourceId, limit: 500, offset }) as unknown as Promise<Page<ClerkMembershipJson>>,
          opts,
        );
        for (const r of page.data) {
          const m = r.raw ? membershipFromJson(r.raw) : undefined;
          if (m) user.memberships.push(m.membership);
        }
        if (page.data.length < 500) break;
      }
      return { user, ...(typeof json.updated_at === 'number' ? { updatedAtMs: json.updated_at } : {}) };
    },
    async organization(sourceId) {
      const got = await call(`GET /v1/organizations/${sourceId}`, () => orNone(() => clerk.organizations.getOrganization({ organizationId: sourceId }) as unknown as Promise<{ raw: ClerkOrganizationJson | null }>), opts);
      return got?.raw ? organizationFromJson(got.raw) : undefined;
    },
  };
}
