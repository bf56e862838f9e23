// Canonical user / organization <-> Keycloak 26 representations. Pure: no I/O, no SDK.
//
// Limits and rules confirmed against Keycloak 26.7.3 (the server this project runs):
// - usernames are lower-cased by Keycloak, 3..255 characters, and must match the default user profile's
//   `username-prohibited-characters` pattern (no whitespace, quotes, `<>&$%!#?§,;:*~/\|^=[]{}()` or
//   controls): an email with an apostrophe is not a valid username;
// - first and last names: at most 255 characters, and `person-name-prohibited-characters` refuses
//   `<>&"$%!#?§;*~/\|^=[]{}()` and controls (POST /users answers 400 error-person-name-invalid-character);
// - unmanaged attributes: values at most 2048 characters (400 error-invalid-length, params [0, 2048]),
//   names at most 255 (the USER_ATTRIBUTE.NAME column: a longer name is a 500 from the database);
// - the admin search `q=name:"value"` matches exact values, spaces included, but finds no value that
//   contains `"` or `\`: such source ids are stored base64url-encoded behind a prefix.
// The realm partial import skips the user-profile validation, so this module applies these rules
// itself: the bulk and one-by-one paths then store the same thing.
import type UserRepresentation from '@keycloak/keycloak-admin-client/lib/defs/userRepresentation.js';
import type OrganizationRepresentation from '@keycloak/keycloak-admin-client/lib/defs/organizationRepresentation.js';
import { distinctRenamed } from '../../model/build.js';
import { HashError } from '../../model/password/index.js';
import { primaryEmail, type CanonicalUser, type LinkedIdentity, type LossyNote, type Organization } from '../../model/user.js';
import { FlaglessError } from '../../protocol/errors.js';
import type { CreateUserOptions, TargetUserView } from '../../protocol/target.js';
import { keycloakOtpCredential, keycloakPasswordCredential, type KeycloakCredential } from './credentials.js';

export const SOURCE_ID_ATTRIBUTE = 'flagless_source_id';
/** The id the source itself carried from an earlier system (Clerk `external_id`). */
export const EXTERNAL_ID_ATTRIBUTE = 'external_id';
export const PICTURE_ATTRIBUTE = 'picture';
/** Metadata keys become attributes `metadata.<key>` (strings as they are, other values as JSON text). */
export const METADATA_PREFIX = 'metadata.';
/** Organization groups flagless creates for a membership role carry the source role here. */
export const ROLE_ATTRIBUTE = 'flagless_role';

export const ATTRIBUTE_VALUE_MAX = 2048;
export const ATTRIBUTE_NAME_MAX = 255;
/** Organization (group) attribute values are a VARCHAR(255). */
export const ORG_ATTRIBUTE_VALUE_MAX = 255;
export const NAME_MAX = 255;

const ENCODED_PREFIX = 'flagless-b64:';
const USERNAME_PROHIBITED = /[<>&"'\s\u0085\u2028\u2029$%!#?§,;:*~/\\|^=[\]{}()`\p{Cc}]/u;
const NAME_PROHIBITED = /[<>&"\n\x0B\f\r\u0085\u2028\u2029$%!#?§;*~/\\|^=[\]{}()\p{Cc}]/u;
// Keycloak's EmailValidationUtil, conservatively: dot-atoms of the RFC 5322 atom characters (and
// any non-ASCII), a 64-character local part, host labels of letters, digits and inner hyphens.
const EMAIL_LOCAL = /^[a-z0-9!#$%&'*+/=?^_`{|}~\u0080-\uffff-]+(\.[a-z0-9!#$%&'*+/=?^_`{|}~\u0080-\uffff-]+)*$/i;
const EMAIL_LABEL = /^[a-z0-9\u0080-\uffff]([a-z0-9\u0080-\uffff-]*[a-z0-9\u0080-\uffff])?$/i;

export function isKeycloakUsername(s: string): boolean {
  const v = s.toLowerCase();
  return v.length >= 3 && v.length <= 255 && !USERNAME_PROHIBITED.test(v);
}

export function isKeycloakPersonName(s: string): boolean {
  return s.length > 0 && s.length <= NAME_MAX && !NAME_PROHIBITED.test(s);
}

/** True when Keycloak's email validator certainly accepts the address (false: let Keycloak decide). */
export function isPlainEmail(address: string): boolean {
  const at = address.lastIndexOf('@');
  if (at <= 0 || address.length > 255) return false;
  const local = address.slice(0, at);
  const host = address.slice(at + 1);
  return local.length <= 64 && EMAIL_LOCAL.test(local) && host.split('.').every((l) => EMAIL_LABEL.test(l)) && host.includes('.');
}

/** The stored form of a source id: as it is, unless the admin search could not find it back. */
export function encodeSourceId(id: string): string {
  return /["\\]/.test(id) || id.startsWith(ENCODED_PREFIX) ? ENCODED_PREFIX + Buffer.from(id, 'utf8').toString('base64url') : id;
}

export function decodeSourceId(stored: string): string {
  return stored.startsWith(ENCODED_PREFIX) ? Buffer.from(stored.slice(ENCODED_PREFIX.length), 'base64url').toString('utf8') : stored;
}

/** The admin search (`q`) for a source id, on users and organizations. */
export function sourceIdQuery(id: string): string {
  return `${SOURCE_ID_ATTRIBUTE}:"${encodeSourceId(id)}"`;
}

/** Lower-case letters, digits and hyphens: identity-provider and organization aliases. */
export function slugify(s: string, max = 100): string {
  return s
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9_-]+/g, '-')
    .replace(/^[-_]+|[-_]+$/g, '')
    .slice(0, max);
}

/** Keycloak's social identity providers (providerId = alias) for the canonical provider names. */
const SOCIAL_PROVIDER_IDS: Record<string, string> = {
  google: 'google',
  github: 'github',
  facebook: 'facebook',
  microsoft: 'microsoft',
  twitter: 'twitter',
  x: 'twitter',
  linkedin: 'linkedin-openid-connect',
  gitlab: 'gitlab',
  bitbucket: 'bitbucket',
  instagram: 'instagram',
  paypal: 'paypal',
  stackoverflow: 'stackoverflow',
};

export interface IdentityProviderSpec {
  alias: string;
  /** Keycloak provider type for a placeholder: a built-in social provider, else `saml` or `oidc`. */
  providerId: string;
}

/**
 * The realm identity provider a linked identity goes to. Social logins use the canonical provider
 * name as alias (`google`, `github`, `apple`...); enterprise connections `saml-<connection>` or
 * `oidc-<connection>` (one per source connection), which `identityProviderName` reads back.
 */
export function identityProviderFor(i: LinkedIdentity): IdentityProviderSpec | undefined {
  const provider = slugify(i.provider, 60);
  if (!provider) return undefined;
  if (i.kind === 'enterprise') {
    const type = provider === 'saml' ? 'saml' : 'oidc';
    const connection = i.connection ? slugify(i.connection, 60) : '';
    return { alias: connection ? `${type}-${connection}` : type, providerId: type };
  }
  return { alias: provider, providerId: SOCIAL_PROVIDER_IDS[provider] ?? 'oidc' };
}

/** The canonical provider name of a realm identity provider alias (inverse of identityProviderFor). */
export function identityProviderName(alias: string): string {
  const m = /^(saml|oidc)(-|$)/.exec(alias);
  return m ? m[1]! : alias;
}

/** The organization group a source membership role becomes (`org:admin` → `admin`). */
export function roleGroupName(role: string): string | undefined {
  const name = role.trim().replace(/^org:/i, '').replace(/\//g, '-').slice(0, NAME_MAX);
  return name === '' ? undefined : name;
}

export function roleGroupNames(roles: readonly string[]): string[] {
  return distinctRenamed(roles, roleGroupName);
}

function metadataValue(v: unknown): string {
  return typeof v === 'string' ? v : JSON.stringify(v);
}

/** Metadata as attributes, and the keys that do not fit Keycloak's limits (with why). */
export function metadataAttributes(
  metadata: CanonicalUser['metadata'],
  valueMax = ATTRIBUTE_VALUE_MAX,
): { attributes: Record<string, string[]>; dropped: { key: string; reason: string }[] } {
  const attributes: Record<string, string[]> = {};
  const dropped: { key: string; reason: string }[] = [];
  // One bag (capabilities.metadata = 'single'): on a shared key the private value wins.
  for (const [k, v] of Object.entries({ ...metadata.public, ...metadata.private })) {
    if (v === undefined) continue;
    const name = METADATA_PREFIX + k;
    const value = metadataValue(v);
    if (name.length > ATTRIBUTE_NAME_MAX) dropped.push({ key: k, reason: `the key is longer than ${ATTRIBUTE_NAME_MAX - METADATA_PREFIX.length} characters` });
    else if (value.length > valueMax) dropped.push({ key: k, reason: `the value is longer than ${valueMax} characters` });
    else attributes[name] = [value];
  }
  return { attributes, dropped };
}

/** Attributes `metadata.<key>` back to a bag (values as stored: text). */
export function metadataFromAttributes(attributes: Record<string, string[] | undefined> | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, values] of Object.entries(attributes ?? {})) {
    if (name.startsWith(METADATA_PREFIX) && values?.length) out[name.slice(METADATA_PREFIX.length)] = values[0];
  }
  return out;
}

/** What the realm's user profile requires of every user (a realm flagless creates requires none of these). */
export interface ProfileRequirements {
  email: boolean;
  firstName: boolean;
  lastName: boolean;
}

export interface KeycloakUserPlan {
  /** The user representation without credentials. */
  rep: UserRepresentation & { federatedIdentities?: { identityProvider: string; userId: string; userName: string }[] };
  /** Password and OTP credentials (secret: for the request body only). Empty when `withCredentials` is false. */
  credentials: KeycloakCredential[];
  identityProviders: IdentityProviderSpec[];
  lossy: LossyNote[];
}

function usernameFor(user: CanonicalUser, email: string | undefined, lossy: LossyNote[]): string {
  const own = user.username?.trim();
  if (own && isKeycloakUsername(own)) return own.toLowerCase();
  const fallback = email && isKeycloakUsername(email) ? email.toLowerCase() : `user-${slugify(user.sourceId, 200) || Buffer.from(user.sourceId).toString('hex').slice(0, 200)}`.padEnd(3, '0');
  if (own) lossy.push({ field: 'username', reason: `"${own}" is not a valid Keycloak username (3-255 characters, no spaces, quotes or ${'<>&$%!#?,;:*~/\\|^=[]{}()'}); the user signs in as ${fallback}` });
  return fallback;
}

function personNames(user: CanonicalUser, lossy: LossyNote[]): { firstName?: string; lastName?: string } {
  // Names go as the source has them (verify compares them exactly); blank ones count as absent.
  let first = user.firstName?.trim() ? user.firstName : undefined;
  let last = user.lastName?.trim() ? user.lastName : undefined;
  if (!first && !last) {
    // A display name alone is split at its last space (as for WorkOS).
    const display = user.displayName?.trim();
    if (display) {
      const cut = display.lastIndexOf(' ');
      first = cut < 0 ? display : display.slice(0, cut).trim();
      last = cut < 0 ? undefined : display.slice(cut + 1);
    }
  }
  const out: { firstName?: string; lastName?: string } = {};
  for (const [field, value] of [['firstName', first], ['lastName', last]] as const) {
    if (!value) continue;
    if (isKeycloakPersonName(value)) out[field] = value;
    else lossy.push({ field, reason: `Keycloak refuses names longer than ${NAME_MAX} characters or with any of <>&"$%!#?§;*~/\\|^=[]{}(); not moved` });
  }
  return out;
}

/**
 * The Keycloak user for a canonical user: one representation that POST /admin/realms/{realm}/users
 * or a partial import creates in one step, credentials included. With `withCredentials: false`
 * nothing secret is built (the plan's lossy notes need only the shape).
 */
export function toKeycloakUser(
  user: CanonicalUser,
  options: CreateUserOptions,
  profile: ProfileRequirements,
  withCredentials = true,
): KeycloakUserPlan {
  const lossy: LossyNote[] = [];
  const email = primaryEmail(user);
  const address = email?.address.trim();
  const attributes: Record<string, string[]> = { [SOURCE_ID_ATTRIBUTE]: [encodeSourceId(user.sourceId)] };
  if (user.externalId && user.externalId.length <= ATTRIBUTE_VALUE_MAX) attributes[EXTERNAL_ID_ATTRIBUTE] = [user.externalId];
  if (user.imageUrl && user.imageUrl.length <= ATTRIBUTE_VALUE_MAX) attributes[PICTURE_ATTRIBUTE] = [user.imageUrl];
  const md = metadataAttributes(user.metadata);
  Object.assign(attributes, md.attributes);
  for (const d of md.dropped) lossy.push({ field: `metadata.${d.key}`, reason: `Keycloak keeps attribute names up to ${ATTRIBUTE_NAME_MAX} and values up to ${ATTRIBUTE_VALUE_MAX} characters: ${d.reason}` });

  const others = user.emails.filter((e) => e !== email);
  if (others.length) lossy.push({ field: 'emails', reason: `Keycloak holds one email address per user; ${others.length} other address${others.length > 1 ? 'es' : ''} not moved` });

  const rep: KeycloakUserPlan['rep'] = {
    username: usernameFor(user, address, lossy),
    enabled: !user.disabled,
    ...(address ? { email: address, emailVerified: email!.verified } : {}),
    ...personNames(user, lossy),
    attributes,
  };
  const created = user.createdAt ? Date.parse(user.createdAt) : NaN;
  if (Number.isFinite(created)) rep.createdTimestamp = created;

  for (const [field, required] of [['email', profile.email], ['firstName', profile.firstName], ['lastName', profile.lastName]] as const) {
    if (required && !rep[field]) lossy.push({ field, reason: `this realm's user profile requires ${field}; Keycloak asks for it at the next sign-in (password grants are refused until then)` });
  }

  const requiredActions: string[] = [];
  const credentials: KeycloakCredential[] = [];
  if (user.password && options.includePasswordHash) {
    if (withCredentials) {
      try {
        credentials.push(keycloakPasswordCredential(user.password));
      } catch (e) {
        if (e instanceof HashError) throw new FlaglessError(e.code, `user ${user.sourceId}: ${e.message}`, { errorClass: 'skippable' });
        throw e;
      }
    }
  } else if (user.passwordPlan !== 'none' && options.missingPassword === 'reset') {
    requiredActions.push('UPDATE_PASSWORD');
  }

  let otp = 0;
  for (const f of user.mfa) {
    if (f.kind !== 'totp' || !f.secret) continue;
    const base32 = f.secret.reveal().replace(/[\s=-]/g, '').toUpperCase();
    if (!/^[A-Z2-7]+$/.test(base32)) {
      lossy.push({ field: 'mfa.totp', reason: 'the TOTP secret is not base32; Keycloak asks the user to set up an authenticator again (CONFIGURE_TOTP)' });
      if (!requiredActions.includes('CONFIGURE_TOTP')) requiredActions.push('CONFIGURE_TOTP');
      continue;
    }
    otp++;
    if (withCredentials) credentials.push(keycloakOtpCredential({ secret: f.secret, label: otp > 1 ? `${f.label ?? 'Authenticator'} ${otp}` : (f.label ?? 'Authenticator') }));
  }
  if (requiredActions.length) rep.requiredActions = requiredActions;

  const identityProviders: IdentityProviderSpec[] = [];
  const links: NonNullable<KeycloakUserPlan['rep']['federatedIdentities']> = [];
  for (const i of user.identities) {
    const idp = identityProviderFor(i);
    if (!idp) continue;
    if (links.some((l) => l.identityProvider === idp.alias)) {
      // Keycloak links a user to one account per identity provider.
      lossy.push({ field: 'identities', reason: `a second ${i.provider} account (${i.providerUserId}) cannot be linked: Keycloak links one account per identity provider` });
      continue;
    }
    if (!identityProviders.some((p) => p.alias === idp.alias)) identityProviders.push(idp);
    links.push({ identityProvider: idp.alias, userId: i.providerUserId, userName: i.email ?? address ?? i.providerUserId });
  }
  if (links.length) rep.federatedIdentities = links;
  return { rep, credentials, identityProviders, lossy };
}

/** A Keycloak user read back (GET /users), as `verify` compares it. Memberships and identities are the caller's. */
export function fromKeycloakUser(rep: UserRepresentation): Omit<TargetUserView, 'memberships' | 'identities'> {
  const stored = rep.attributes?.[SOURCE_ID_ATTRIBUTE]?.[0];
  return {
    id: rep.id ?? '',
    ...(stored ? { externalId: decodeSourceId(stored) } : {}),
    ...(rep.email ? { email: rep.email } : {}),
    ...(rep.email ? { emailVerified: rep.emailVerified === true } : {}),
    ...(rep.firstName ? { firstName: rep.firstName } : {}),
    ...(rep.lastName ? { lastName: rep.lastName } : {}),
    ...(rep.username ? { username: rep.username } : {}),
    disabled: rep.enabled === false,
    metadata: metadataFromAttributes(rep.attributes),
  };
}

/** The user's own attributes that flagless does not manage (kept on update). */
export function foreignAttributes(attributes: Record<string, string[]> | undefined): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [k, v] of Object.entries(attributes ?? {})) {
    if (k === SOURCE_ID_ATTRIBUTE || k === EXTERNAL_ID_ATTRIBUTE || k === PICTURE_ATTRIBUTE || k.startsWith(METADATA_PREFIX)) continue;
    out[k] = v;
  }
  return out;
}

/**
 * The organization for a canonical one. Keycloak wants a unique name and a unique URL-safe alias;
 * `disambiguate` (a second attempt after a clash with another organization) suffixes both with
 * the source id.
 */
export function toKeycloakOrganization(org: Organization, disambiguate = false): OrganizationRepresentation {
  const base = slugify(org.slug ?? '', 200) || slugify(org.name, 200) || 'org';
  const tag = slugify(org.sourceId, 40) || Buffer.from(org.sourceId).toString('hex').slice(0, 40);
  const name = (org.name.trim() || org.sourceId).slice(0, disambiguate ? NAME_MAX - tag.length - 3 : NAME_MAX);
  const attributes: Record<string, string[]> = { [SOURCE_ID_ATTRIBUTE]: [encodeSourceId(org.sourceId)] };
  for (const [k, v] of Object.entries(org.metadata ?? {})) {
    const n = METADATA_PREFIX + k;
    const value = metadataValue(v);
    if (v !== undefined && n.length <= ATTRIBUTE_NAME_MAX && value.length <= ORG_ATTRIBUTE_VALUE_MAX) attributes[n] = [value];
  }
  return {
    name: disambiguate ? `${name} (${tag})` : name,
    alias: disambiguate ? `${base.slice(0, 200)}-${tag}` : base,
    enabled: true,
    attributes,
  };
}

/** Every name Keycloak may hold the organization under: as written (trimmed, shortened), and disambiguated after a clash. */
export function keycloakOrganizationNames(org: Organization): string[] {
  return [false, true].map((disambiguate) => toKeycloakOrganization(org, disambiguate).name ?? org.name);
}

/** Attributes flagless does not own (set by hand or by the application): kept as they are on an update. */
export function withoutFlaglessAttributes(attributes: Record<string, string[]> | undefined): Record<string, string[]> {
  return Object.fromEntries(Object.entries(attributes ?? {}).filter(([k]) => k !== SOURCE_ID_ATTRIBUTE && !k.startsWith(METADATA_PREFIX)));
}

export function sameAttributes(a: Record<string, string[]> | undefined, b: Record<string, string[]>): boolean {
  const x = a ?? {};
  const keys = new Set([...Object.keys(x), ...Object.keys(b)]);
  for (const k of keys) if (JSON.stringify(x[k] ?? []) !== JSON.stringify(b[k] ?? [])) return false;
  return true;
}
