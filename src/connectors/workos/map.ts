import { distinctRenamed } from '../../model/build.js';
import type { CanonicalUser, LossyNote, Organization } from '../../model/user.js';
import { primaryEmail } from '../../model/user.js';
import type { CreateUserOptions } from '../../protocol/target.js';
import { isBase32Secret, normalizeBase32 } from '../../model/totp.js';
import { encodeForWorkos, type WorkosHashType } from './hash-types.js';

/**
 * Canonical records → WorkOS request bodies (the SDK's camelCase options). Pure.
 *
 * Decisions (documented in the connector README section of the report):
 * - email: the primary address exactly as the source had it; WorkOS holds one email per user, so
 *   other addresses go into metadata (`additional_emails`, a JSON array as text).
 * - username and phone numbers: metadata `username` and `phone_numbers` (a JSON array as text);
 *   only what does not fit WorkOS's metadata limits is a LossyNote.
 * - TOTP: enrolled as factors with the source's secret (target.ts), never in metadata.
 * - external_id: the source id (how re-runs find the user); over 64 characters it cannot be set
 *   (LossyNote) and the user is found by email instead.
 * - metadata: WorkOS keeps one flat map of up to 10 ASCII string pairs (key ≤ 40, value ≤ 600;
 *   workos.com/docs/authkit/metadata). Public and private metadata are merged into it, private
 *   winning on a clash (the engine reports that clash). This does not expose private metadata to
 *   users: WorkOS returns metadata only from backend API calls, never in authentication responses
 *   or access tokens unless someone adds it to a JWT template. A source-side external id goes
 *   first as `source_external_id` (it is usually the application's own user id). Strings are kept
 *   as is; other values, and strings with non-ASCII characters, are stored as JSON text (ASCII,
 *   \u-escaped). What does not fit is a LossyNote naming the key, never its value.
 * - password: bcrypt MCF as is, firebase-scrypt in the WorkOS `$firebase-scrypt$hash=…` form,
 *   ssha/scrypt/argon2 as hash-types.ts describes; anything else is not sent (LossyNote) and the
 *   user is created without a password (JIT or reset, as the engine planned).
 * - roles: Clerk's `org:` namespace is stripped (`org:admin` → `admin`, WorkOS's default roles are
 *   `admin` and `member`); slugs are lowercased, other characters become `-`.
 */

export const WORKOS_METADATA_MAX_KEYS = 10;
export const WORKOS_METADATA_MAX_KEY_LENGTH = 40;
export const WORKOS_METADATA_MAX_VALUE_LENGTH = 600;
export const WORKOS_EXTERNAL_ID_MAX_LENGTH = 64;

/** The metadata keys flagless writes for what a WorkOS user has no field for (documented in the README). */
export const WORKOS_METADATA_KEYS = {
  sourceExternalId: 'source_external_id',
  username: 'username',
  phoneNumbers: 'phone_numbers',
  additionalEmails: 'additional_emails',
} as const;

const ASCII = /^[\x00-\x7f]*$/;

export interface WorkosUserBody {
  email: string;
  emailVerified?: boolean;
  firstName?: string;
  lastName?: string;
  externalId?: string;
  metadata?: Record<string, string>;
  passwordHash?: string;
  passwordHashType?: WorkosHashType;
}

export interface WorkosUserPlan {
  body: WorkosUserBody;
  lossy: LossyNote[];
}

/** JSON text with every non-ASCII character \u-escaped. */
function asciiJson(value: unknown): string {
  return JSON.stringify(value).replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** A flat string map within WorkOS's limits, plus notes for every key that did not fit. */
export function toWorkosMetadata(
  entries: ReadonlyArray<readonly [string, unknown]>,
  field = 'metadata',
): { metadata: Record<string, string>; lossy: LossyNote[] } {
  const metadata: Record<string, string> = {};
  const lossy: LossyNote[] = [];
  const overflow: string[] = [];
  const asJson: string[] = [];
  for (const [key, value] of entries) {
    if (value === undefined) continue;
    if (key.length === 0 || key.length > WORKOS_METADATA_MAX_KEY_LENGTH || !ASCII.test(key)) {
      lossy.push({ field, reason: `a key is not 1 to ${WORKOS_METADATA_MAX_KEY_LENGTH} ASCII characters, as WorkOS requires; not moved (${JSON.stringify(key.slice(0, 60))})` });
      continue;
    }
    const plain = typeof value === 'string' && ASCII.test(value);
    const text = plain ? value : asciiJson(value);
    if (text.length > WORKOS_METADATA_MAX_VALUE_LENGTH) {
      lossy.push({ field: `${field}.${key}`, reason: `the value is ${text.length} characters; WorkOS keeps at most ${WORKOS_METADATA_MAX_VALUE_LENGTH}; not moved` });
      continue;
    }
    if (Object.keys(metadata).length >= WORKOS_METADATA_MAX_KEYS) {
      overflow.push(key);
      continue;
    }
    metadata[key] = text;
    if (!plain) asJson.push(key);
  }
  if (overflow.length) {
    lossy.push({ field, reason: `WorkOS keeps at most ${WORKOS_METADATA_MAX_KEYS} metadata keys; not moved: ${overflow.join(', ')}` });
  }
  if (asJson.length) {
    lossy.push({ field, reason: `WorkOS metadata values are ASCII strings; stored as JSON text: ${asJson.join(', ')}` });
  }
  return { metadata, lossy };
}

/** First and last name; a display name alone is split at its last space. */
function names(user: CanonicalUser): { firstName?: string; lastName?: string } {
  if (user.firstName || user.lastName) {
    return { ...(user.firstName ? { firstName: user.firstName } : {}), ...(user.lastName ? { lastName: user.lastName } : {}) };
  }
  const display = user.displayName?.trim();
  if (!display) return {};
  const cut = display.lastIndexOf(' ');
  return cut < 0 ? { firstName: display } : { firstName: display.slice(0, cut).trim(), lastName: display.slice(cut + 1) };
}

export function workosExternalIdFor(sourceId: string): string | undefined {
  return sourceId.length > 0 && sourceId.length <= WORKOS_EXTERNAL_ID_MAX_LENGTH ? sourceId : undefined;
}

/**
 * The Create/Update User body for a user, and what it cannot carry. Undefined when the user has
 * no email at all (the caller rejects the record: WorkOS requires one).
 */
/** What the WorkOS mapping cannot carry for a user (the target's lossyNotes, and the dry run's). */
export function workosLossyNotes(user: CanonicalUser, options: CreateUserOptions): LossyNote[] {
  return toWorkosUser(user, options)?.lossy ?? [{ field: 'emails', reason: 'the user has no email address; WorkOS requires one' }];
}

export function toWorkosUser(user: CanonicalUser, options: CreateUserOptions): WorkosUserPlan | undefined {
  const primary = primaryEmail(user);
  if (!primary) return undefined;
  const lossy: LossyNote[] = [];
  const body: WorkosUserBody = { email: primary.address.trim(), emailVerified: primary.verified, ...names(user) };

  const others = user.emails.filter((e) => e !== primary && e.normalized !== primary.normalized);

  const externalId = workosExternalIdFor(user.sourceId);
  if (externalId !== undefined) body.externalId = externalId;
  else lossy.push({ field: 'externalId', reason: `the source id is longer than ${WORKOS_EXTERNAL_ID_MAX_LENGTH} characters, the most WorkOS external_id holds; the user is matched by email` });

  // What WorkOS has no field for travels in metadata under documented keys, before the user's own
  // metadata (10 keys in all): the source external id, the username, the phone numbers and the
  // other email addresses (JSON arrays as text). Never a hash or a TOTP secret.
  const carried: [string, unknown, string][] = [];
  if (user.externalId !== undefined && user.externalId !== '') carried.push([WORKOS_METADATA_KEYS.sourceExternalId, user.externalId, 'the source external id']);
  if (user.username) carried.push([WORKOS_METADATA_KEYS.username, user.username, 'the username']);
  if (user.phones.length) carried.push([WORKOS_METADATA_KEYS.phoneNumbers, asciiJson(user.phones.map((p) => p.number)), 'the phone numbers']);
  if (others.length) carried.push([WORKOS_METADATA_KEYS.additionalEmails, asciiJson(others.map((e) => e.address.trim())), 'the other email addresses']);
  const entries: [string, unknown][] = carried.map(([k, v]) => [k, v]);
  const merged = { ...user.metadata.public, ...user.metadata.private };
  for (const [k, v] of Object.entries(merged)) {
    const taken = carried.find(([key]) => key === k);
    if (taken) lossy.push({ field: `metadata.${k}`, reason: `the key is taken by ${taken[2]}; this metadata value not moved` });
    else entries.push([k, v]);
  }
  const meta = toWorkosMetadata(entries);
  if (Object.keys(meta.metadata).length) body.metadata = meta.metadata;
  lossy.push(...meta.lossy);

  if (user.mfa.some((f) => f.kind === 'totp' && f.secret && !isBase32Secret(f.secret.reveal()))) {
    lossy.push({ field: 'mfa.totp', reason: 'the TOTP secret is not base32; the user sets up an authenticator again' });
  }

  if (options.includePasswordHash && user.password) {
    const encoded = encodeForWorkos(user.password);
    if (encoded) {
      body.passwordHash = encoded.hash;
      body.passwordHashType = encoded.type;
    } else {
      const then = options.missingPassword === 'jit' ? 'the password moves at the next sign-in (JIT)' : 'the user must reset the password';
      lossy.push({ field: 'password', reason: `this ${user.password.algorithm} hash has no form WorkOS accepts; ${then}` });
    }
  }
  return { body, lossy };
}

/**
 * The TOTP secrets a user's factors are enrolled with, normalized base32 (as the plan kept them:
 * the engine drops factors a target cannot hold). A secret that is not base32 is not sent
 * (`toWorkosUser` notes it as lossy).
 */
export function workosTotpSecrets(user: CanonicalUser): string[] {
  const out: string[] = [];
  for (const f of user.mfa) {
    if (f.kind !== 'totp' || !f.secret) continue;
    const s = f.secret.reveal();
    if (isBase32Secret(s)) out.push(normalizeBase32(s));
  }
  return out;
}

export interface WorkosOrganizationBody {
  name: string;
  externalId?: string;
  metadata?: Record<string, string>;
}

export function toWorkosOrganization(org: Organization): { body: WorkosOrganizationBody; lossy: LossyNote[] } {
  const lossy: LossyNote[] = [];
  const body: WorkosOrganizationBody = { name: org.name.trim() || org.sourceId };
  const externalId = workosExternalIdFor(org.sourceId);
  if (externalId !== undefined) body.externalId = externalId;
  else lossy.push({ field: 'externalId', reason: `the source id is longer than ${WORKOS_EXTERNAL_ID_MAX_LENGTH} characters; not set as external_id` });
  const entries: [string, unknown][] = [];
  if (org.externalId) entries.push(['source_external_id', org.externalId]);
  // WorkOS organizations have no slug; applications route by it, so it travels in metadata.
  if (org.slug) entries.push(['slug', org.slug]);
  for (const [k, v] of Object.entries(org.metadata)) if (k !== 'source_external_id' && k !== 'slug') entries.push([k, v]);
  const meta = toWorkosMetadata(entries);
  if (Object.keys(meta.metadata).length) body.metadata = meta.metadata;
  lossy.push(...meta.lossy);
  return { body, lossy };
}

/** A source role name as a WorkOS role slug (`org:admin` → `admin`); undefined when nothing is left. */
export function toWorkosRoleSlug(role: string): string | undefined {
  const slug = role
    .trim()
    .replace(/^org:/i, '')
    .toLowerCase()
    .replace(/[^a-z0-9_-]+/g, '-')
    .replace(/^[-_]+|[-_]+$/g, '')
    .slice(0, 64);
  return slug === '' ? undefined : slug;
}

export function toWorkosRoleSlugs(roles: readonly string[]): string[] {
  return distinctRenamed(roles, toWorkosRoleSlug);
}
