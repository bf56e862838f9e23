/**
 * Canonical user/organization <-> Better Auth rows (user, account, organization, member).
 * Pure functions: no database, no Better Auth import. The target (index.ts) writes what these
 * return through Better Auth's own adapter.
 *
 * Choices (documented in the verifier module too, because an application sees their effect):
 * - The Better Auth user id IS the source id (`user_2x...`, `auth0|...`), and the organization id
 *   IS the source organization id. That makes `findUser({externalId})` a primary-key lookup that
 *   survives whatever the application later does to its own config (no extra column needed), and
 *   the ID map flagless exports is the identity. It needs text ids: an application that switched
 *   Better Auth to `generateId: 'uuid'` on PostgreSQL uuid columns cannot take them.
 * - Metadata goes into two JSON string columns, `publicMetadata` (returned to the client like any
 *   user field) and `privateMetadata` (`returned: false`: never leaves the server), declared by
 *   the `flaglessImport()` plugin.
 * - Roles: Better Auth stores a member's roles as one comma-separated string; a Clerk-style
 *   `org:` prefix is dropped (`org:admin` -> `admin`) so the organization plugin's default roles
 *   (owner, admin, member) match; other role names are kept as they are and need an access-control
 *   entry in the application to grant anything. No role -> `member` (the plugin's default).
 */
import { normalizeEmail } from '../../model/email.js';
import type { CanonicalUser, LinkedIdentity, LossyNote } from '../../model/user.js';
import { primaryEmail } from '../../model/user.js';

/** The user row as Better Auth's adapter takes it (field names are Better Auth's model fields). */
export interface BetterAuthUserRow {
  id: string;
  name: string;
  email: string;
  emailVerified: boolean;
  image: string | null;
  createdAt: Date;
  updatedAt: Date;
  publicMetadata: string | null;
  privateMetadata: string | null;
}

export interface BetterAuthAccountRow {
  providerId: string;
  accountId: string;
}

/** The provider id of Better Auth's email-and-password account. */
export const CREDENTIAL_PROVIDER = 'credential';

/** The organization plugin's default role for a plain member. */
export const DEFAULT_MEMBER_ROLE = 'member';

/** The one name Better Auth holds: the display name, else first + last, else the username. */
export function nameOf(user: CanonicalUser): string {
  const display = user.displayName?.trim();
  if (display) return display;
  const full = [user.firstName?.trim(), user.lastName?.trim()].filter((s) => s).join(' ');
  if (full) return full;
  return user.username?.trim() ?? '';
}

/** Better Auth looks emails up lowercased; flagless also trims and NFC-normalises. */
export function emailForBetterAuth(address: string): string {
  return normalizeEmail(address);
}

function jsonOrNull(bag: Record<string, unknown>): string | null {
  return Object.keys(bag).length === 0 ? null : JSON.stringify(bag);
}

function toDate(iso: string | undefined, fallback: Date): Date {
  if (iso === undefined) return fallback;
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? fallback : d;
}

/** The user row for a canonical user, or undefined when it has no email (Better Auth requires one). */
export function toUserRow(user: CanonicalUser, now: Date = new Date()): BetterAuthUserRow | undefined {
  const email = primaryEmail(user);
  if (!email) return undefined;
  const createdAt = toDate(user.createdAt, now);
  return {
    id: user.sourceId,
    name: nameOf(user),
    email: emailForBetterAuth(email.address),
    emailVerified: email.verified,
    image: user.imageUrl ?? null,
    createdAt,
    updatedAt: toDate(user.updatedAt, createdAt),
    publicMetadata: jsonOrNull(user.metadata.public),
    privateMetadata: jsonOrNull(user.metadata.private),
  };
}

/**
 * Social and enterprise logins as Better Auth accounts: providerId is the provider Better Auth's
 * social plugin uses (`google`, `github`, ...); for an enterprise connection it is the source's
 * connection name, which the application's SSO provider must be registered under.
 */
export function toIdentityAccount(identity: LinkedIdentity): BetterAuthAccountRow {
  const providerId = identity.kind === 'enterprise' ? (identity.connection ?? identity.provider) : identity.provider;
  return { providerId, accountId: identity.providerUserId };
}

/** One source role as a Better Auth role name: `org:admin` -> `admin`. */
export function toRoleName(role: string): string {
  const trimmed = role.trim();
  return trimmed.startsWith('org:') ? trimmed.slice('org:'.length) : trimmed;
}

/** Roles as Better Auth's comma-separated `member.role`, de-duplicated, `member` when none. */
export function toRoleString(roles: readonly string[]): string {
  const names = roleList(roles.map(toRoleName).join(','));
  return names.length === 0 ? DEFAULT_MEMBER_ROLE : names.join(',');
}

/** Splits a stored `member.role` as the organization plugin does (comma-separated, trimmed). */
export function roleList(stored: string): string[] {
  return [...new Set(stored.split(',').map((r) => r.trim()).filter((r) => r))];
}

export function sameRoles(a: string, b: string): boolean {
  const x = roleList(a).sort();
  const y = roleList(b).sort();
  return x.length === y.length && x.every((r, i) => r === y[i]);
}

/** A URL-safe slug from an organization name (ASCII, lowercase, dashes), never empty. */
export function slugify(name: string): string {
  const slug = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 48)
    .replace(/-+$/g, '');
  return slug || 'org';
}

/** Slugs to try in order when the first is taken: `acme`, `acme-2`, `acme-3`, ... */
export function slugCandidate(base: string, attempt: number): string {
  return attempt === 0 ? base : `${base}-${attempt + 1}`;
}

export function parseJsonObject(value: unknown): Record<string, unknown> {
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as Record<string, unknown>;
  if (typeof value !== 'string' || value === '') return {};
  try {
    const parsed: unknown = JSON.parse(value);
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/**
 * What Better Auth (core + organization plugin + flaglessImport) cannot hold for this user.
 * Passwords are not here: every algorithm the model verifies signs in through the verifier.
 */
export function lossyNotes(user: CanonicalUser): LossyNote[] {
  const notes: LossyNote[] = [];
  if (user.emails.length > 1) notes.push({ field: 'emails', reason: 'Better Auth holds one email per user; only the primary one moves' });
  if (user.phones.length > 0) notes.push({ field: 'phones', reason: 'phone numbers need the phone-number plugin; not moved' });
  if (user.username) notes.push({ field: 'username', reason: 'usernames need the username plugin; not moved (kept in name only when there is no other name)' });
  if (user.firstName || user.lastName)
    notes.push({ field: 'firstName/lastName', reason: 'Better Auth has one name field; first and last names are joined' });
  for (const f of user.mfa) notes.push({ field: `mfa.${f.kind}`, reason: 'MFA factors are not imported; the user re-enrols (two-factor plugin encrypts with the app secret)' });
  if (user.disabled) notes.push({ field: 'disabled', reason: 'Better Auth core has no disabled flag (the admin plugin bans); the user moves enabled' });
  if (user.externalId) notes.push({ field: 'externalId', reason: "the source's earlier external id has no column; the Better Auth id is the source id" });
  if (user.lastSignInAt) notes.push({ field: 'lastSignInAt', reason: 'Better Auth keeps sessions, not a last-sign-in time' });
  for (const m of user.memberships)
    for (const r of m.roles)
      if (toRoleName(r).includes(',')) notes.push({ field: 'memberships.roles', reason: 'a role name with a comma splits into several Better Auth roles' });
  return notes;
}
