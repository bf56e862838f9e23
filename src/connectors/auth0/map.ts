/**
 * Auth0 records ⇄ flagless's canonical user: pure functions, no I/O. The readers (file, API dump,
 * live API) find the password record and the memberships; this file decides what they mean.
 */
import { emailAddress, jsonKind, MAX_METADATA_DEPTH, nestsDeeperThan, nonBlank as str, tooDeepMessage } from '../../model/build.js';
import { looksLikeEmail } from '../../model/email.js';
import type { HashErrorCode } from '../../model/password/index.js';
import type { PasswordHash } from '../../model/password/types.js';
import { emptyUser, type CanonicalUser, type LinkedIdentity, type MfaFactor, type Membership, type Organization } from '../../model/user.js';
import type { Problem } from '../../protocol/problem.js';
import { DATABASE_PROVIDER, type Auth0DumpMembership, type Auth0Identity, type Auth0Organization, type Auth0PasswordRecord, type Auth0User } from './types.js';

/** A problem before the reader adds where it is (file, line). */
export type ProblemDraft = Omit<Problem, 'file' | 'line'>;

/** Auth0 `provider` (connection strategy) → flagless's normalised provider name. */
const SOCIAL_PROVIDERS: Record<string, string> = {
  'google-oauth2': 'google',
  github: 'github',
  facebook: 'facebook',
  apple: 'apple',
  windowslive: 'microsoft',
  linkedin: 'linkedin',
  twitter: 'twitter',
  amazon: 'amazon',
  bitbucket: 'bitbucket',
  dropbox: 'dropbox',
  line: 'line',
  salesforce: 'salesforce',
  shopify: 'shopify',
  yahoo: 'yahoo',
  oauth2: 'oauth2',
};

/** Enterprise strategies (SSO connections owned by a customer's IdP). */
const ENTERPRISE_PROVIDERS: Record<string, string> = {
  samlp: 'saml',
  oidc: 'oidc',
  'auth0-oidc': 'oidc',
  waad: 'azure-ad',
  adfs: 'adfs',
  okta: 'okta',
  'google-apps': 'google-workspace',
  pingfederate: 'pingfederate',
  ad: 'ad-ldap',
  ip: 'ip',
  office365: 'office365',
  sharepoint: 'sharepoint',
};

/** Passwordless connections: the user has neither a password nor a linked IdP. */
const PASSWORDLESS_PROVIDERS = new Set(['email', 'sms']);

/**
 * Is this the head of an Auth0 user export (NDJSON, one user per line)? True when a line carries
 * an Auth0 `user_id` (`"user_id":"<strategy>|...`) or an `identities` array, which the
 * password-hash file has not. One JSON document holding a users list (`{"users": [`) is not
 * NDJSON, whatever its records say.
 */
export function sniffAuth0(head: string): boolean {
  if (/^\s*\{\s*"(users|Users)"\s*:/.test(head)) return false;
  return /"user_id"\s*:\s*"[a-z0-9-]+\|/i.test(head) || /"identities"\s*:\s*\[/.test(head);
}

/** The password-hash file (support export): `_id.$oid` and `passwordHash`, no `user_id`. */
export function looksLikePasswordFile(head: string): boolean {
  return /"_id"\s*:\s*\{\s*"\$oid"/.test(head) && /"passwordHash"/.test(head) && !/"user_id"\s*:/.test(head);
}

/** Whether `nickname` is the part of `email` before its first `@` (Auth0's default nickname). */
function isLocalPartOf(nickname: string, email: string): boolean {
  const at = email.indexOf('@');
  return at === -1 ? nickname === email : at === nickname.length && email.startsWith(nickname);
}

/** The strategy part of a `user_id` (`auth0`, `google-oauth2`, `samlp`...), or undefined. */
export function strategyOf(userId: string): string | undefined {
  const bar = userId.indexOf('|');
  return bar > 0 ? userId.slice(0, bar) : undefined;
}

/**
 * The key a user's password record carries, or undefined for users without a database identity:
 * `auth0|<key>` → `<key>`; for a social primary user with a linked database identity, that
 * identity's `user_id`.
 */
export function passwordKeyOfUser(raw: Auth0User): string | undefined {
  const userId = str(raw.user_id);
  if (userId?.startsWith(`${DATABASE_PROVIDER}|`)) return userId.slice(DATABASE_PROVIDER.length + 1);
  if (!Array.isArray(raw.identities)) return undefined;
  for (const identity of raw.identities) {
    if (identity?.provider !== DATABASE_PROVIDER) continue;
    const id = identity.user_id;
    if (typeof id === 'number') return String(id);
    if (typeof id === 'string' && id !== '') return id;
  }
  return undefined;
}

/** The key of a password record: `alt_id` when present, else `_id.$oid`. */
export function passwordKeyOfRecord(record: Auth0PasswordRecord): string | undefined {
  if (typeof record.alt_id === 'string' && record.alt_id !== '') return record.alt_id;
  const id = record._id;
  if (typeof id === 'string' && id !== '') return id;
  if (id && typeof id === 'object' && typeof id.$oid === 'string' && id.$oid !== '') return id.$oid;
  return undefined;
}

/** What the reader found about a user's password. */
export type PasswordLookup =
  /** No password file was given: nothing to say per user beyond a lossy note. */
  | { kind: 'no-file' }
  /** A password file was given but holds no record for this user. */
  | { kind: 'missing' }
  | { kind: 'found'; hash: string | undefined; line: number; read: HashReader };

/** A hash string read as the model reads it, or why it cannot be used. */
export type HashReading = { ok: true; hash: PasswordHash } | { ok: false; code: HashErrorCode; message: string };

/**
 * Reads a hash string (the model's detectHash, see passwords.ts). Given by the reader that holds
 * hashes, so that reading an export without any does not load the password-hash code.
 */
export type HashReader = (text: string) => HashReading;

export interface MapContext {
  password: PasswordLookup;
  memberships?: Membership[];
}

export interface MappedUser {
  /** Absent when the record cannot become a user (no user_id); `problems` says why. */
  user?: CanonicalUser;
  problems: ProblemDraft[];
}

function obj(v: unknown): Record<string, unknown> | undefined {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}

const USER_PREFIX = 'user_metadata.';
const APP_PREFIX = 'app_metadata.';

/**
 * Public (`user_metadata`) and private (`app_metadata`) metadata: the whole objects plus any dotted
 * columns the export job was asked for one by one (`{"name":"user_metadata.country"}` lands as a
 * `user_metadata.country` key). One pass over the record's keys finds both kinds.
 */
function metadataOf(raw: Auth0User): { public: Record<string, unknown>; private: Record<string, unknown> } {
  const userWhole = obj(raw.user_metadata);
  const appWhole = obj(raw.app_metadata);
  const out = { public: userWhole ? { ...userWhole } : {}, private: appWhole ? { ...appWhole } : {} };
  for (const key in raw) {
    // Most records have no dotted column: the first character rules nearly every key out.
    const c = key.charCodeAt(0);
    if (c === 117 /* u */ ? !key.startsWith(USER_PREFIX) : c !== 97 /* a */ || !key.startsWith(APP_PREFIX)) continue;
    const value = raw[key];
    if (value === undefined) continue;
    if (c === 117) out.public[key.slice(USER_PREFIX.length)] = value;
    else out.private[key.slice(APP_PREFIX.length)] = value;
  }
  return out;
}

/** A linked identity, or undefined for database and passwordless identities (they are not IdP links). */
export function mapIdentity(identity: Auth0Identity, fallbackEmail?: string): LinkedIdentity | undefined {
  const provider = str(identity.provider);
  if (!provider || provider === DATABASE_PROVIDER || PASSWORDLESS_PROVIDERS.has(provider)) return undefined;
  const id = identity.user_id;
  const providerUserId = typeof id === 'number' ? String(id) : str(id);
  if (!providerUserId) return undefined;
  const enterprise = identity.isSocial === false || (identity.isSocial === undefined && provider in ENTERPRISE_PROVIDERS);
  const out: LinkedIdentity = {
    provider: (enterprise ? ENTERPRISE_PROVIDERS[provider] : SOCIAL_PROVIDERS[provider]) ?? provider,
    providerUserId,
    kind: enterprise ? 'enterprise' : 'social',
  };
  const connection = str(identity.connection);
  if (connection) out.connection = connection;
  const email = str(identity.profileData?.email) ?? fallbackEmail;
  if (email) out.email = email;
  return out;
}

/**
 * The identities of a record, or, when the export left `identities` out, the one its `user_id`
 * implies (`google-oauth2|123` → google 123; `samlp|acme|jdoe` → saml `acme|jdoe` on `acme`).
 */
function identitiesOf(raw: Auth0User, userId: string): Auth0Identity[] {
  const listed = raw.identities;
  if (Array.isArray(listed) && listed.length > 0) {
    // Nearly always a list of objects, kept as it is; anything else in it is dropped.
    for (const i of listed) if (obj(i) === undefined) return listed.filter((j) => obj(j) !== undefined);
    return listed;
  }
  const strategy = strategyOf(userId);
  if (!strategy) return [];
  const rest = userId.slice(strategy.length + 1);
  const connection = str(raw.provider) ?? (strategy in ENTERPRISE_PROVIDERS ? rest.split('|')[0] : undefined);
  return [{ provider: strategy, user_id: rest, ...(connection ? { connection } : {}) }];
}

const MFA_KINDS: Record<string, MfaFactor['kind']> = {
  'google-authenticator': 'totp',
  guardian: 'other',
  duo: 'other',
};

function passwordFromLookup(lookup: PasswordLookup, sourceId: string, problems: ProblemDraft[], lossy: CanonicalUser['lossy']): PasswordHash | undefined {
  if (lookup.kind === 'no-file') {
    lossy.push({ field: 'password', reason: 'no password file given (Auth0 exports hashes only through a support request): the user moves by JIT login or reset' });
    return undefined;
  }
  if (lookup.kind === 'missing') {
    problems.push({
      code: 'E_PASSWORD_MISSING',
      severity: 'warning',
      sourceId,
      message: `database user ${sourceId} has no record in the password file: it moves without a password (JIT login or reset).`,
    });
    return undefined;
  }
  if (!lookup.hash) {
    problems.push({
      code: 'E_HASH_MALFORMED',
      severity: 'error',
      sourceId,
      message: `the password record of ${sourceId} (password file line ${lookup.line}) has no passwordHash: the user moves without a password (JIT login or reset).`,
    });
    return undefined;
  }
  const read = lookup.read(lookup.hash);
  if (read.ok) return read.hash;
  // HashError messages name the algorithm and the broken part, never bytes of the hash.
  problems.push({
    code: read.code,
    severity: 'error',
    sourceId,
    message: `the password hash of ${sourceId} (password file line ${lookup.line}) cannot be used: ${read.message}. The user moves without a password (JIT login or reset).`,
  });
  return undefined;
}

/** Maps one Auth0 user record (export line, API object) with what the readers found for it. */
export function mapAuth0User(raw: Auth0User, ctx: MapContext): MappedUser {
  const problems: ProblemDraft[] = [];
  const userId = str(raw.user_id);
  if (!userId) {
    problems.push({
      code: 'E_SOURCE_FIELD',
      severity: 'error',
      message:
        raw.user_id === undefined
          ? 'the record has no user_id (was the field left out of the export job, or renamed with export_as?): it is skipped.'
          : `user_id is ${jsonKind(raw.user_id)}, not a non-empty string: the record is skipped.`,
    });
    return { problems };
  }
  // The record is one level; its metadata may nest MAX_METADATA_DEPTH more.
  if (nestsDeeperThan(raw, MAX_METADATA_DEPTH + 1)) {
    problems.push({ code: 'E_SOURCE_FIELD', severity: 'error', sourceId: userId, message: tooDeepMessage(`the record of ${userId}`) });
    return { problems };
  }
  const user = emptyUser(userId);
  const email = str(raw.email)?.trim();
  if (email) {
    user.emails.push(emailAddress(email, raw.email_verified === true, true));
    if (!looksLikeEmail(email)) {
      problems.push({ code: 'E_SOURCE_FIELD', severity: 'warning', sourceId: userId, message: `user ${userId} has an email that does not look like an address.` });
    }
  } else {
    problems.push({ code: 'E_NO_EMAIL', severity: 'warning', sourceId: userId, message: `user ${userId} has no email address: it can only be matched by id or username.` });
  }
  const phone = str(raw.phone_number);
  if (phone) user.phones.push({ number: phone.trim(), verified: raw.phone_verified === true, primary: true });
  const username = str(raw.username);
  const name = str(raw.name);
  // Field by field rather than assignDefined: this runs once per user of exports of millions.
  if (username !== undefined) user.username = username;
  const firstName = str(raw.given_name);
  if (firstName !== undefined) user.firstName = firstName;
  const lastName = str(raw.family_name);
  if (lastName !== undefined) user.lastName = lastName;
  // Auth0 fills `name` with the email for database users that never set one: carrying it would
  // show an address where the target expects a display name.
  if (name !== undefined && name !== email) user.displayName = name;
  const picture = str(raw.picture);
  if (picture !== undefined) user.imageUrl = picture;
  user.metadata = metadataOf(raw);
  if (raw.blocked === true) {
    user.disabled = true;
    user.sourceStatus = 'blocked';
  }
  const createdAt = str(raw.created_at);
  if (createdAt !== undefined) user.createdAt = createdAt;
  const updatedAt = str(raw.updated_at);
  if (updatedAt !== undefined) user.updatedAt = updatedAt;
  const lastSignInAt = str(raw.last_login);
  if (lastSignInAt !== undefined) user.lastSignInAt = lastSignInAt;
  const nickname = str(raw.nickname);
  if (nickname && nickname !== username && !(email !== undefined && isLocalPartOf(nickname, email))) {
    user.lossy.push({ field: 'nickname', reason: 'Auth0 nickname has no canonical field' });
  }

  const identities = identitiesOf(raw, userId);
  let database = false;
  let passwordless = false;
  for (let i = 0; i < identities.length; i++) {
    const identity = identities[i]!;
    const p = str(identity.provider);
    if (p === DATABASE_PROVIDER) database = true;
    else if (p !== undefined && PASSWORDLESS_PROVIDERS.has(p)) passwordless = true;
    const linked = mapIdentity(identity, i === 0 ? email : undefined);
    if (linked) user.identities.push(linked);
  }
  const isDatabaseUser = database || passwordKeyOfUser(raw) !== undefined;
  if (isDatabaseUser) {
    const password = passwordFromLookup(ctx.password, userId, problems, user.lossy);
    if (password) {
      user.password = password;
      user.passwordPlan = 'import';
    } else {
      user.passwordPlan = 'jit';
    }
  } else {
    user.passwordPlan = 'none';
    if (passwordless) {
      user.lossy.push({ field: 'identities', reason: 'Auth0 passwordless (email/SMS code) login: the target must offer a code or magic-link login' });
    }
  }

  if (Array.isArray(raw.multifactor) && raw.multifactor.length > 0) {
    for (const provider of raw.multifactor) {
      if (typeof provider !== 'string') continue;
      user.mfa.push({ kind: MFA_KINDS[provider] ?? 'other', label: provider });
    }
    user.lossy.push({ field: 'mfa', reason: 'Auth0 exports no MFA secrets: users re-enrol' });
  }
  if (ctx.memberships) user.memberships = ctx.memberships;
  return { user, problems };
}

export function mapOrganization(raw: Auth0Organization): Organization | undefined {
  const id = str(raw.id);
  if (!id) return undefined;
  const org: Organization = {
    sourceId: id,
    name: str(raw.display_name) ?? str(raw.name) ?? id,
    metadata: { ...(obj(raw.metadata) ?? {}) },
  };
  const slug = str(raw.name);
  if (slug) org.slug = slug;
  return org;
}

export function mapMembership(raw: Auth0DumpMembership): Membership | undefined {
  const organizationId = str(raw.organization_id);
  if (!organizationId) return undefined;
  const roles = (Array.isArray(raw.roles) ? raw.roles : []).map((r) => str(r?.name) ?? str(r?.id)).filter((r): r is string => r !== undefined);
  return { organizationId, roles };
}

/**
 * A file-export record completed by the same user's API record: fields the export job left out
 * (identities, metadata, MFA...) come from the API; what the export has wins.
 */
export function completeFromApi(fileUser: Auth0User, apiUser: Auth0User | undefined): Auth0User {
  if (!apiUser) return fileUser;
  const out: Auth0User = { ...apiUser };
  for (const [k, v] of Object.entries(fileUser)) if (v !== undefined && v !== null) out[k] = v;
  return out;
}
