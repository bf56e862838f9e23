import { assignDefined, emailAddress, isoFromEpochMs, nonBlank as nonEmpty, withOnePrimary } from '../../model/build.js';
import { normalizeEmail } from '../../model/email.js';
import { Secret } from '../../model/secret.js';
import {
  emptyUser,
  type CanonicalUser,
  type EmailAddress,
  type LinkedIdentity,
  type LossyNote,
  type Membership,
  type Organization,
  type PhoneNumber,
} from '../../model/user.js';
import type { Problem } from '../../protocol/problem.js';
import { clerkPassword } from './hashers.js';
import type {
  ClerkCsvRow,
  ClerkEmailAddressJson,
  ClerkEnterpriseAccountJson,
  ClerkExternalAccountJson,
  ClerkMembershipJson,
  ClerkOrganizationJson,
  ClerkPhoneNumberJson,
  ClerkUserJson,
} from './types.js';

// Vendor record -> canonical record. Pure: no I/O, no clock. The reader adds file and line to
// the problems returned here.

export type MapProblem = Omit<Problem, 'file' | 'line'>;

export interface Mapped {
  user: CanonicalUser;
  problems: MapProblem[];
}

/**
 * Splits a multi-valued CSV cell (several emails or phones). Clerk's own importer splits on
 * `,` or `|` (clerk/migration-tool src/migrate/functions.ts); pipes are what exports carry.
 * Neither character occurs in an address or an E.164 number.
 */
export function splitMultiValued(cell: string | undefined): string[] {
  if (!cell) return [];
  return cell
    .split(/[|,]/)
    .map((v) => v.trim())
    .filter((v) => v !== '');
}

/**
 * The CSV's email columns as canonical addresses: primary first, then verified, then unverified,
 * each address once. A primary address listed in neither column counts as verified, since
 * Clerk only makes a verified address primary.
 */
function csvEmails(row: ClerkCsvRow): EmailAddress[] {
  // The common row, one primary address listed as verified and nothing else, without the sets.
  const primaryCell = row.primary_email_address;
  if (primaryCell && !row.email_addresses && !row.unverified_email_addresses && (row.verified_email_addresses === primaryCell || !row.verified_email_addresses)) {
    const address = primaryCell.trim();
    if (address !== '' && address.indexOf('|') === -1 && address.indexOf(',') === -1) {
      return [emailAddress(address, true, true)];
    }
  }
  const verified = splitMultiValued(row.verified_email_addresses);
  const unverified = splitMultiValued(row.unverified_email_addresses);
  // Older Clerk support exports have a single `email_addresses` column, primary first.
  const legacy = splitMultiValued(row.email_addresses);
  const primary = nonEmpty(row.primary_email_address)?.trim() ?? legacy[0];
  const verifiedKeys = new Set(verified.map(normalizeEmail));
  const unverifiedKeys = new Set(unverified.map(normalizeEmail));
  const out: EmailAddress[] = [];
  const seen = new Set<string>();
  const add = (address: string, isPrimary: boolean) => {
    const normalized = normalizeEmail(address);
    if (seen.has(normalized)) return;
    seen.add(normalized);
    const isVerified = verifiedKeys.has(normalized) || (!unverifiedKeys.has(normalized) && (isPrimary || legacy.length > 0));
    out.push({ address, normalized, verified: isVerified, primary: isPrimary });
  };
  if (primary) add(primary, true);
  for (const a of [...verified, ...legacy, ...unverified]) add(a, false);
  return withOnePrimary(out);
}

function csvPhones(row: ClerkCsvRow): PhoneNumber[] {
  if (!row.primary_phone_number && !row.verified_phone_numbers && !row.unverified_phone_numbers && !row.phone_numbers) return [];
  const verified = splitMultiValued(row.verified_phone_numbers);
  const unverified = splitMultiValued(row.unverified_phone_numbers);
  const legacy = splitMultiValued(row.phone_numbers);
  const primary = nonEmpty(row.primary_phone_number)?.trim() ?? legacy[0];
  const verifiedSet = new Set(verified);
  const unverifiedSet = new Set(unverified);
  const out: PhoneNumber[] = [];
  const seen = new Set<string>();
  const add = (number: string, isPrimary: boolean) => {
    if (seen.has(number)) return;
    seen.add(number);
    const isVerified = verifiedSet.has(number) || (!unverifiedSet.has(number) && (isPrimary || legacy.length > 0));
    out.push({ number, verified: isVerified, primary: isPrimary });
  };
  if (primary) add(primary, true);
  for (const n of [...verified, ...legacy, ...unverified]) add(n, false);
  return withOnePrimary(out);
}

/** Metadata columns some Clerk CSV exports carry as JSON text. */
function csvMetadata(row: ClerkCsvRow, column: 'public_metadata' | 'private_metadata' | 'unsafe_metadata', problems: MapProblem[], id: string): Record<string, unknown> {
  const text = nonEmpty(row[column]);
  if (!text) return {};
  try {
    const value: unknown = JSON.parse(text);
    if (value && typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // reported below
  }
  problems.push({ code: 'E_SOURCE_FIELD', severity: 'warning', sourceId: id, message: `${column} is not a JSON object; it was left out` });
  return {};
}

/** One row of the dashboard CSV export. The caller has checked that `id` is present. */
export function userFromCsvRow(row: ClerkCsvRow): Mapped {
  const id = (row.id ?? '').trim();
  const problems: MapProblem[] = [];
  const user = emptyUser(id);
  user.emails = csvEmails(row);
  user.phones = csvPhones(row);
  assignDefined(user, { username: nonEmpty(row.username), firstName: nonEmpty(row.first_name), lastName: nonEmpty(row.last_name) });
  const pw = clerkPassword(row.password_hasher, row.password_digest);
  if (pw.password) user.password = pw.password;
  user.passwordPlan = pw.plan;
  if (pw.problem) {
    problems.push({ ...pw.problem, severity: 'error', sourceId: id });
    user.lossy.push({ field: 'password', reason: pw.problem.message });
  }
  const totp = nonEmpty(row.totp_secret);
  if (totp) user.mfa.push({ kind: 'totp', secret: new Secret(totp.trim()) });
  const pub = csvMetadata(row, 'public_metadata', problems, id);
  const priv = csvMetadata(row, 'private_metadata', problems, id);
  const unsafe = csvMetadata(row, 'unsafe_metadata', problems, id);
  user.metadata = { public: pub, private: priv };
  addUnsafeMetadata(user, unsafe);
  return { user, problems };
}

/**
 * Clerk's unsafe_metadata is writable by the user from the frontend; no target has such a
 * store. It is kept, apart, under the public key `unsafe_metadata` (public: the user could
 * always read and write it), and the move notes it.
 */
function addUnsafeMetadata(user: CanonicalUser, unsafe: Record<string, unknown> | null | undefined): void {
  if (!unsafe || Object.keys(unsafe).length === 0) return;
  user.metadata.public = { ...user.metadata.public, unsafe_metadata: unsafe };
  user.lossy.push({
    field: 'metadata.unsafe',
    reason: 'Clerk unsafe_metadata (writable by the user) has no equivalent; it is kept under the public metadata key unsafe_metadata',
  });
}

/** `oauth_google` -> `google`; `oauth_custom_acme` -> `custom_acme`. */
export function normalizeProvider(provider: string): string {
  const p = provider.trim().toLowerCase().replace(/^oauth_/, '');
  if (p === 'linkedin_oidc') return 'linkedin';
  return p;
}

function identityFromExternal(a: ClerkExternalAccountJson): LinkedIdentity {
  const email = nonEmpty(a.email_address);
  return {
    provider: normalizeProvider(a.provider),
    providerUserId: a.provider_user_id,
    kind: 'social',
    connection: a.provider,
    ...(email ? { email } : {}),
  };
}

function identityFromEnterprise(a: ClerkEnterpriseAccountJson): LinkedIdentity | undefined {
  const providerUserId = nonEmpty(a.provider_user_id) ?? nonEmpty(a.email_address);
  if (!providerUserId) return undefined;
  const email = nonEmpty(a.email_address);
  const connection = nonEmpty(a.enterprise_connection?.name) ?? nonEmpty(a.enterprise_connection_id) ?? nonEmpty(a.provider);
  return {
    provider: a.protocol === 'saml' || a.provider?.startsWith('saml') ? 'saml' : 'oidc',
    providerUserId,
    kind: 'enterprise',
    ...(connection ? { connection } : {}),
    ...(email ? { email } : {}),
  };
}

/** Clerk's timestamps are epoch milliseconds; 0 (or less) means "never". */
function isoFromMs(ms: number | null | undefined): string | undefined {
  return typeof ms === 'number' && ms > 0 ? isoFromEpochMs(ms) : undefined;
}

function verified(v: { verification?: { status?: string | null } | null }): boolean {
  return v.verification?.status === 'verified';
}

function apiEmails(json: ClerkUserJson): EmailAddress[] {
  return withOnePrimary(
    (json.email_addresses ?? [])
      .filter((e: ClerkEmailAddressJson) => nonEmpty(e.email_address))
      .map((e) => emailAddress(e.email_address, verified(e), e.id !== undefined && e.id === json.primary_email_address_id)),
  );
}

function apiPhones(json: ClerkUserJson): PhoneNumber[] {
  return withOnePrimary(
    (json.phone_numbers ?? [])
      .filter((p: ClerkPhoneNumberJson) => nonEmpty(p.phone_number))
      .map((p) => ({ number: p.phone_number, verified: verified(p), primary: p.id !== undefined && p.id === json.primary_phone_number_id })),
  );
}

/**
 * A user as the Backend API returns it. The API never returns password digests, so a user
 * with a password gets `jit` (the CSV export, joined by id, supplies the digest when given).
 */
export function userFromApiJson(json: ClerkUserJson): Mapped {
  const user = emptyUser(json.id);
  user.emails = apiEmails(json);
  user.phones = apiPhones(json);
  assignDefined(user, { username: nonEmpty(json.username), firstName: nonEmpty(json.first_name), lastName: nonEmpty(json.last_name) });
  if (json.password_enabled) {
    user.passwordPlan = 'jit';
    user.lossy.push({ field: 'password', reason: "Clerk's Backend API never returns password digests; only the dashboard CSV export has them" });
  }
  if (json.totp_enabled) {
    user.mfa.push({ kind: 'totp' });
    user.lossy.push({ field: 'mfa.totp', reason: 'TOTP is enrolled but its secret is only in the dashboard CSV export; the user re-enrols' });
  }
  enrich(user, json);
  return { user, problems: [] };
}

/**
 * Adds what the API knows and the CSV lacks: links, metadata, status, timestamps, SMS factors.
 * The CSV stays authoritative for identifiers, the password and the TOTP secret.
 */
export function enrichCsvUser(user: CanonicalUser, json: ClerkUserJson): void {
  if (json.password_enabled && user.passwordPlan === 'none') {
    user.passwordPlan = 'jit';
    user.lossy.push({ field: 'password', reason: 'Clerk reports a password but the CSV export has no digest for it (set after the export?)' });
  }
  if (json.totp_enabled && !user.mfa.some((f) => f.kind === 'totp')) {
    user.mfa.push({ kind: 'totp' });
    user.lossy.push({ field: 'mfa.totp', reason: 'TOTP is enrolled but the CSV export has no secret for it; the user re-enrols' });
  }
  if (user.emails.length === 0) user.emails = apiEmails(json);
  if (user.phones.length === 0) user.phones = apiPhones(json);
  enrich(user, json);
}

function enrich(user: CanonicalUser, json: ClerkUserJson): void {
  assignDefined(user, { externalId: nonEmpty(json.external_id), imageUrl: nonEmpty(json.image_url) });
  for (const p of json.phone_numbers ?? []) {
    if ((p.reserved_for_second_factor || p.default_second_factor) && !user.mfa.some((f) => f.kind === 'sms' && f.phoneNumber === p.phone_number)) {
      user.mfa.push({ kind: 'sms', phoneNumber: p.phone_number });
    }
  }
  if (json.backup_code_enabled) {
    user.lossy.push({ field: 'mfa.backup-codes', reason: 'no Clerk export includes backup codes; the user generates new ones' });
  }
  const identities = [
    ...(json.external_accounts ?? []).filter((a) => nonEmpty(a.provider) && nonEmpty(a.provider_user_id)).map(identityFromExternal),
    ...(json.enterprise_accounts ?? []).map(identityFromEnterprise).filter((i): i is LinkedIdentity => i !== undefined),
  ];
  if (identities.length > 0) user.identities = identities;
  if ((json.web3_wallets ?? []).length > 0) {
    user.lossy.push({ field: 'web3_wallets', reason: 'Web3 wallets have no equivalent in the targets flagless knows' });
  }
  user.metadata = {
    public: { ...user.metadata.public, ...(json.public_metadata ?? {}) },
    private: { ...user.metadata.private, ...(json.private_metadata ?? {}) },
  };
  addUnsafeMetadata(user, json.unsafe_metadata);
  if (json.banned) {
    user.disabled = true;
    user.sourceStatus = 'banned';
  } else if (json.locked) {
    // A lockout after failed attempts is temporary in Clerk: the user is not disabled.
    user.sourceStatus = 'locked';
  }
  assignDefined(user, {
    createdAt: isoFromMs(json.created_at),
    updatedAt: isoFromMs(json.updated_at),
    lastSignInAt: isoFromMs(json.last_sign_in_at),
    passwordChangedAt: isoFromMs(json.password_last_updated_at),
  });
}

export function organizationFromJson(json: ClerkOrganizationJson): Organization {
  const slug = nonEmpty(json.slug);
  const createdAt = isoFromMs(json.created_at);
  return {
    sourceId: json.id,
    name: json.name,
    ...(slug ? { slug } : {}),
    // The model keeps one metadata object per organization: private metadata goes under its own key.
    metadata: {
      ...(json.public_metadata ?? {}),
      ...(json.private_metadata && Object.keys(json.private_metadata).length > 0 ? { private_metadata: json.private_metadata } : {}),
    },
    ...(createdAt ? { createdAt } : {}),
  };
}

/** The role is kept as Clerk names it (`org:admin`, `org:member`, custom `org:<key>`). */
export function membershipFromJson(json: ClerkMembershipJson): { userId: string; membership: Membership } | undefined {
  const userId = json.public_user_data?.user_id;
  const organizationId = json.organization?.id;
  if (!userId || !organizationId) return undefined;
  return { userId, membership: { organizationId, roles: json.role ? [json.role] : [] } };
}

/** A user nobody can sign in as by identifier: no email, no phone, no username. */
export function identifierProblem(user: CanonicalUser): MapProblem | undefined {
  if (user.emails.length > 0 || user.phones.length > 0 || user.username) return undefined;
  return {
    code: 'E_NO_EMAIL',
    severity: 'warning',
    sourceId: user.sourceId,
    message: user.identities.length > 0 ? 'the user has no email, phone or username; only the social login identifies them' : 'the user has no email, phone or username',
  };
}

export function lossyOrphanMembership(organizationId: string): LossyNote {
  return { field: 'memberships', reason: `membership of organization ${organizationId}, which is not in the export, was left out` };
}
