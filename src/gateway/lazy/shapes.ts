import { toKeycloakUser as toKeycloakRepresentation } from '../../connectors/keycloak/map.js';
import { primaryEmail, type CanonicalUser, type Organization } from '../../model/user.js';

/**
 * The user as each lazy-migration caller wants it. Pure functions of the canonical record.
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

export interface KeycloakLegacyUser {
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

export function toKeycloakUser(user: CanonicalUser, organization: (id: string) => Organization | undefined = () => undefined): KeycloakLegacyUser {
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

/**
 * Auth0 custom-database scripts return a profile (Auth0 "Normalized User Profile"): user_id
 * (Auth0 stores it as `auth0|<user_id>`), email, email_verified, username, given_name,
 * family_name, name, picture, user_metadata and app_metadata.
 */
export function toAuth0Profile(user: CanonicalUser): Record<string, unknown> {
  const email = primaryEmail(user);
  const name = user.displayName ?? ([user.firstName, user.lastName].filter(Boolean).join(' ') || undefined);
  return {
    user_id: user.sourceId,
    ...(email ? { email: email.address, email_verified: email.verified } : {}),
    ...(user.username ? { username: user.username } : {}),
    ...(user.firstName ? { given_name: user.firstName } : {}),
    ...(user.lastName ? { family_name: user.lastName } : {}),
    ...(name ? { name } : {}),
    ...(user.imageUrl ? { picture: user.imageUrl } : {}),
    user_metadata: user.metadata.public,
    app_metadata: user.metadata.private,
  };
}
