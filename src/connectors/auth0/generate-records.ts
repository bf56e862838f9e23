/**
 * One generated Auth0 user at a time, in the shapes Auth0 writes them: the users-export job's
 * JSON line, the support password file's line, and Management API memberships. Seeded, so the
 * same seed gives the same export.
 */
import { fakeIsoDate, fakeOrganizationName, fakePerson, fakePhone } from '../../lib/fake/people.js';
import type { Prng } from '../../lib/fake/prng.js';
import type { Auth0DumpMembership, Auth0Organization, Auth0PasswordRecord, Auth0Role, Auth0User } from './types.js';

export const DATABASE_CONNECTION = 'Username-Password-Authentication';
export const TENANT = 'flagless-demo';
const SAML_CONNECTIONS = ['acme-saml', 'globex-saml', 'initech-okta-saml'];
const ALNUM = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

/** Auth0's default avatar is named after the initials, ASCII only. */
function initials(first: string, last: string): string {
  const fold = (s: string) => s.normalize('NFD').replace(/[^A-Za-z]/g, '').charAt(0).toLowerCase();
  return `${fold(first)}${fold(last)}`;
}

export type UserKind = 'database' | 'database+google' | 'google' | 'github' | 'samlp' | 'passwordless';

/** ~70% database (5 of them with a linked Google login), ~15% social, ~5% SAML, ~5% passwordless. */
export function pickKind(rng: Prng): UserKind {
  const r = rng.next();
  if (r < 0.65) return 'database';
  if (r < 0.7) return 'database+google';
  if (r < 0.8) return 'google';
  if (r < 0.85) return 'github';
  if (r < 0.9) return 'samlp';
  return 'passwordless';
}

export function isDatabaseKind(kind: UserKind): boolean {
  return kind === 'database' || kind === 'database+google';
}

/** A MongoDB ObjectId as Auth0 stores database users: 4-byte time, then the index (unique). */
export function objectId(rng: Prng, index: number): string {
  return rng.hex(4) + index.toString(16).padStart(16, '0');
}

export const ROLES: Required<Auth0Role>[] = [
  { id: 'rol_0MemberAAAAAAAAA', name: 'member', description: 'Organization member' },
  { id: 'rol_0AdminAAAAAAAAAA', name: 'admin', description: 'Organization administrator' },
  { id: 'rol_0BillingAAAAAAAA', name: 'billing', description: 'Sees invoices' },
];

export function makeOrganization(rng: Prng, index: number): Auth0Organization {
  const displayName = fakeOrganizationName(rng, index + 1);
  return {
    id: `org_${rng.id(16, ALNUM)}`,
    name: displayName.toLowerCase().replace(/[^a-z0-9]+/g, '-'),
    display_name: displayName,
    metadata: rng.chance(0.5) ? { tier: rng.pick(['startup', 'business', 'enterprise']) } : {},
  };
}

export interface GeneratedUser {
  kind: UserKind;
  record: Auth0User;
  /** For database users: the key of its password record (alt_id or ObjectId) and whether it is an alt_id. */
  passwordKey?: string;
  altId?: boolean;
}

export function makeUser(rng: Prng, index: number, email?: string): GeneratedUser {
  const kind = pickKind(rng);
  const person = fakePerson(rng, index);
  const address = email ?? person.email;
  const created = fakeIsoDate(rng, 2019, 2024);
  const updated = new Date(Date.parse(created) + rng.int(0, 400) * 86_400_000).toISOString();
  const record: Auth0User = { user_id: '', email: address, email_verified: true };
  const out: GeneratedUser = { kind, record };
  const named = kind !== 'database' || rng.chance(0.6);
  if (named) {
    record.given_name = person.firstName;
    record.family_name = person.lastName;
    record.name = `${person.firstName} ${person.lastName}`;
  } else {
    record.name = address; // Auth0's default for database users that never gave a name
  }
  record.nickname = address.split('@')[0];
  record.picture = `https://s.gravatar.com/avatar/${rng.hex(16)}?s=480&r=pg&d=https%3A%2F%2Fcdn.auth0.com%2Favatars%2F${initials(person.firstName, person.lastName)}.png`;

  if (isDatabaseKind(kind)) {
    // A few database users carry their own id (created through the API or a custom database):
    // their password record has an alt_id and their user_id is auth0|<alt_id>.
    const altId = rng.chance(0.002);
    const key = altId ? `legacy-${index}` : objectId(rng, index);
    out.passwordKey = key;
    out.altId = altId;
    record.user_id = `auth0|${key}`;
    record.email_verified = rng.chance(0.85);
    if (rng.chance(0.2)) record.username = person.username;
    if (rng.chance(0.1)) {
      record.phone_number = fakePhone(rng);
      record.phone_verified = rng.chance(0.7);
    }
    record.identities = [{ connection: DATABASE_CONNECTION, provider: 'auth0', user_id: key, isSocial: false }];
    if (kind === 'database+google') {
      const googleId = `1${rng.id(12, '0123456789')}${String(index).padStart(8, '0')}`;
      record.identities.push({ connection: 'google-oauth2', provider: 'google-oauth2', user_id: googleId, isSocial: true, profileData: { email: address, email_verified: true } });
    }
    if (rng.chance(0.05)) record.multifactor = [rng.pick(['guardian', 'google-authenticator'])];
  } else if (kind === 'google') {
    const googleId = `1${rng.id(12, '0123456789')}${String(index).padStart(8, '0')}`; // 21 digits like Google's, unique
    record.user_id = `google-oauth2|${googleId}`;
    record.identities = [{ connection: 'google-oauth2', provider: 'google-oauth2', user_id: googleId, isSocial: true }];
  } else if (kind === 'github') {
    const githubId = 1000 + index * 64 + rng.int(0, 64); // unique per index, still looks random
    record.user_id = `github|${githubId}`;
    // GitHub identities carry a numeric user_id.
    record.identities = [{ connection: 'github', provider: 'github', user_id: githubId, isSocial: true }];
    record.email_verified = rng.chance(0.9);
  } else if (kind === 'samlp') {
    const connection = rng.pick(SAML_CONNECTIONS);
    record.user_id = `samlp|${connection}|${address}`;
    record.identities = [{ connection, provider: 'samlp', user_id: `${connection}|${address}`, isSocial: false }];
  } else {
    const id = objectId(rng, index);
    record.user_id = `email|${id}`;
    record.identities = [{ connection: 'email', provider: 'email', user_id: id, isSocial: false }];
  }
  if (rng.chance(0.3)) record.user_metadata = { locale: rng.pick(['en', 'fr', 'de', 'ja']), theme: rng.pick(['light', 'dark']) };
  if (rng.chance(0.2)) record.app_metadata = { plan: rng.pick(['free', 'pro', 'team']), ...(rng.chance(0.3) ? { legacy_id: rng.int(1, 1_000_000) } : {}) };
  if (rng.chance(0.01)) record.blocked = true;
  record.created_at = created;
  record.updated_at = updated;
  if (rng.chance(0.8)) {
    record.last_login = new Date(Date.parse(updated) - rng.int(0, 86_400_000)).toISOString();
    record.logins_count = rng.int(1, 500);
  }
  return out;
}

/** The support password file's line for a database user (the key order of Auth0's sample). */
export function makePasswordRecord(rng: Prng, user: GeneratedUser, index: number, passwordHash: string): Auth0PasswordRecord {
  const record: Auth0PasswordRecord = {
    _id: { $oid: user.altId ? objectId(rng, index) : user.passwordKey! },
    email_verified: user.record.email_verified ?? false,
    email: user.record.email!,
    passwordHash,
    password_set_date: { $date: user.record.created_at! },
    tenant: TENANT,
    connection: DATABASE_CONNECTION,
    _tmp_is_unique: true,
  };
  if (user.altId) record.alt_id = user.passwordKey!;
  return record;
}

/** 0, 1 or 2 memberships with roles, in the dump's `{organization_id, user_id, roles}` shape. */
export function makeMemberships(rng: Prng, userId: string, organizations: Auth0Organization[]): Auth0DumpMembership[] {
  if (organizations.length === 0 || !rng.chance(0.5)) return [];
  const count = rng.chance(0.1) && organizations.length > 1 ? 2 : 1;
  const first = rng.int(0, organizations.length);
  const out: Auth0DumpMembership[] = [];
  for (let i = 0; i < count; i++) {
    const org = organizations[(first + i) % organizations.length]!;
    const roles: Auth0Role[] = [{ id: ROLES[0]!.id, name: ROLES[0]!.name }];
    if (rng.chance(0.1)) roles.push({ id: ROLES[1]!.id, name: ROLES[1]!.name });
    if (rng.chance(0.05)) roles.push({ id: ROLES[2]!.id, name: ROLES[2]!.name });
    out.push({ organization_id: org.id!, user_id: userId, roles });
  }
  return out;
}

/** The same address with different case: what a duplicate-email trap looks like in real tenants. */
export function caseVariant(email: string): string {
  const [local = '', domain = ''] = email.split('@');
  return `${local.charAt(0).toUpperCase()}${local.slice(1)}@${domain.toUpperCase()}`;
}
