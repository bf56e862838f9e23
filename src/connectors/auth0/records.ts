import type { Membership } from '../../model/user.js';
import type { SourceRecords, SyncFactoryOptions } from '../../protocol/sync.js';
import { mapAuth0User, mapMembership, mapOrganization } from './map.js';
import { call, createAuth0Client, pagesFrom } from './read-api.js';
import type { Auth0Organization, Auth0User } from './types.js';

/**
 * Single records from the Auth0 Management API through the `auth0` SDK (same credentials as
 * `--api`): GET /api/v2/users/{id}, the user's organizations (GET /api/v2/users/{id}/organizations)
 * and its roles in each (GET /api/v2/organizations/{org}/members/{id}/roles). A 404 means gone.
 */
export async function auth0Records(options: SyncFactoryOptions): Promise<SourceRecords> {
  const client = await createAuth0Client({ env: options.env, api: true, ...(options.apiUrl ? { apiUrl: options.apiUrl } : {}) });
  const gone = (e: unknown) => (e as { statusCode?: number }).statusCode === 404;
  return {
    async user(sourceId) {
      let raw: Auth0User;
      try {
        raw = (await client.users.get(sourceId)) as unknown as Auth0User;
      } catch (e) {
        if (gone(e)) return undefined;
        throw await call(`reading user ${sourceId}`, () => Promise.reject(e)).catch((x: unknown) => x);
      }
      const memberships: Membership[] = [];
      const what = `listing the organizations of ${sourceId}`;
      const first = await call(what, () => client.users.organizations.list(sourceId, { per_page: 50 }));
      for await (const page of pagesFrom(first, what)) {
        for (const org of page.data as Auth0Organization[]) {
          const roles = await call(`listing the roles of ${sourceId} in ${org.id}`, () => client.organizations.members.roles.list(String(org.id), sourceId, { per_page: 50 }));
          const m = mapMembership({ organization_id: String(org.id), user_id: sourceId, roles: roles.data.map((r) => ({ id: r.id ?? '', name: r.name ?? '' })) });
          if (m) memberships.push(m);
        }
      }
      const { user } = mapAuth0User(raw, { password: { kind: 'no-file' }, memberships });
      if (!user) return undefined;
      const updatedAtMs = Date.parse(raw.updated_at ?? '');
      return { user, ...(Number.isFinite(updatedAtMs) ? { updatedAtMs } : {}) };
    },
    async organization(sourceId) {
      try {
        return mapOrganization((await client.organizations.get(sourceId)) as unknown as Auth0Organization);
      } catch (e) {
        if (gone(e)) return undefined;
        throw await call(`reading organization ${sourceId}`, () => Promise.reject(e)).catch((x: unknown) => x);
      }
    },
  };
}
