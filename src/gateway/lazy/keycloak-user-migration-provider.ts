import { primaryEmail, type CanonicalUser, type Organization } from '../../model/user.js';

/**
 * The contract of Keycloak's user-migration provider (daniel-frak/keycloak-user-migration): the
 * user as the provider's REST client reads it from the gateway's lazy-migration endpoint. A pure
 * function of the canonical record.
 *
 * Keycloak, daniel-frak/keycloak-user-migration (`LegacyUser`, JSON via Jackson): id, username,
 * email, firstName, lastName, enabled, emailVerified, attributes {name: [values]}, roles, groups,
 * requiredActions. Only this core set is sent: it is what every plugin release since 2.x reads,
 * and a field an older release does not know could fail its JSON mapping. Organizations go as
 * group names (the plugin's GROUP_MAP / MIGRATE_UNMAPPED_GROUPS decides what they become);
 * public metadata with scalar values goes to attributes. TOTP secrets are never sent.
 */
export interface KeycloakUserMigrationLegacyUser {
  id: string;
  username: string;
  email?: string;
  firstName?: string;
  lastName?: string;
  enabled: boolean;
  emailVerified: boolean;
  attributes: Record<string, string[]>;
  roles: string[];
  groups: string[];
  requiredActions: string[];
}

function scalarAttributes(bag: Record<string, unknown>): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [k, v] of Object.entries(bag)) {
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') out[k] = [String(v)];
    else if (Array.isArray(v) && v.every((x) => typeof x === 'string' || typeof x === 'number' || typeof x === 'boolean')) out[k] = v.map(String);
  }
  return out;
}

export function toKeycloakUserMigrationLegacyUser(user: CanonicalUser, organization: (id: string) => Organization | undefined = () => undefined): KeycloakUserMigrationLegacyUser {
  const email = primaryEmail(user);
  const groups = [...new Set(user.memberships.map((m) => organization(m.organizationId)?.name ?? m.organizationId))];
  const roles = [...new Set(user.memberships.flatMap((m) => m.roles))];
  return {
    id: user.sourceId,
    username: user.username ?? email?.address ?? user.sourceId,
    ...(email ? { email: email.address } : {}),
    ...(user.firstName ? { firstName: user.firstName } : {}),
    ...(user.lastName ? { lastName: user.lastName } : {}),
    enabled: !user.disabled,
    emailVerified: email?.verified ?? false,
    attributes: { ...scalarAttributes(user.metadata.public), flagless_source_id: [user.sourceId] },
    roles,
    groups,
    requiredActions: [],
  };
}
