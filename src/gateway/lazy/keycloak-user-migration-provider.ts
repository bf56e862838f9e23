import { toKeycloakUser as toKeycloakRepresentation } from '../../connectors/keycloak/map.js';
import type { CanonicalUser, Organization } from '../../model/user.js';

/**
 * The contract of Keycloak's user-migration provider (daniel-frak/keycloak-user-migration): the
 * user as the provider's REST client reads it from the gateway's lazy-migration endpoint. A pure
 * function of the canonical record.
 *
 * Keycloak, daniel-frak/keycloak-user-migration (`LegacyUser`, read with a default Jackson
 * ObjectMapper, which refuses unknown fields): id, username, email, firstName, lastName, enabled,
 * emailVerified, attributes {name: [values]}, roles, groups, requiredActions, totps (plugin 5.1.0
 * and later), organizations (6.x). The Keycloak fields come from the bulk Keycloak mapper
 * (connectors/keycloak/map.ts), so a user pulled lazily is stored exactly as `flagless migrate`
 * would store it:
 *  - username lower-cased with Keycloak's username rules (an invalid one falls back to the email,
 *    then to `user-<source id>`): Keycloak lower-cases usernames and the plugin then compares the
 *    stored one with ours exactly ("Local and remote users differ");
 *  - first and last names only when Keycloak's user profile accepts them (a name it forbids is
 *    saved by the plugin anyway and then blocks every sign-in: "Account is not fully set up");
 *  - attributes as the bulk import writes them: `flagless_source_id`, `external_id`, `picture`,
 *    `metadata.<key>`;
 *  - no `id`: Keycloak's user id is the primary key of the whole server, so the source id would
 *    collide as soon as a second realm (staging beside production) pulls the same users; Keycloak
 *    generates one per user, and the source id stays in `flagless_source_id`;
 *  - `totps` carries base32 TOTP secrets (a secret that is not base32 becomes the CONFIGURE_TOTP
 *    required action); it is sent only for users who have one, so older plugin releases, which do
 *    not know the field, keep working for everyone else.
 * Organizations go as group names (the plugin's GROUP_MAP / MIGRATE_UNMAPPED_GROUPS decides what
 * they become); membership roles as roles.
 */
export interface KeycloakTotp {
  name: string;
  secret: string;
  digits: number;
  period: number;
  algorithm: string;
  encoding: 'BASE32';
}

export interface KeycloakUserMigrationLegacyUser {
  id?: string;
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
  totps?: KeycloakTotp[];
}

export function toKeycloakUserMigrationLegacyUser(user: CanonicalUser, organization: (id: string) => Organization | undefined = () => undefined): KeycloakUserMigrationLegacyUser {
  const plan = toKeycloakRepresentation(user, { includePasswordHash: false, missingPassword: 'jit' }, { email: false, firstName: false, lastName: false }, true);
  const rep = plan.rep;
  const groups = [...new Set(user.memberships.map((m) => organization(m.organizationId)?.name ?? m.organizationId))];
  const roles = [...new Set(user.memberships.flatMap((m) => m.roles))];
  const totps: KeycloakTotp[] = [];
  for (const c of plan.credentials) {
    if (c.type !== 'otp' || !c.secretData) continue;
    const data = JSON.parse(c.credentialData) as { digits: number; period: number; algorithm: string };
    const secret = (JSON.parse(c.secretData) as { value: string }).value;
    totps.push({ name: c.userLabel ?? 'Authenticator', secret, digits: data.digits, period: data.period, algorithm: data.algorithm, encoding: 'BASE32' });
  }
  return {
    username: rep.username!,
    // Keycloak stores emails lower-cased too; the plugin's email lookup compares case-insensitively.
    ...(rep.email ? { email: rep.email.toLowerCase() } : {}),
    ...(rep.firstName ? { firstName: rep.firstName } : {}),
    ...(rep.lastName ? { lastName: rep.lastName } : {}),
    enabled: rep.enabled !== false,
    emailVerified: rep.emailVerified === true,
    attributes: (rep.attributes ?? {}) as Record<string, string[]>,
    roles,
    groups,
    requiredActions: rep.requiredActions ?? [],
    ...(totps.length ? { totps } : {}),
  };
}
