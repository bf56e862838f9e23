import { createHash } from 'node:crypto';
import { primaryEmail, type CanonicalUser, type LossyNote } from '../../model/user.js';
import type { CreateUserOptions, TargetUserView } from '../../protocol/target.js';
import { toKratosHash } from './hash-format.js';
import { getTrait, setTrait, type TraitPlan } from './schema.js';

/**
 * Canonical user ⇄ Ory Kratos identity (pure). The wire shapes are the `createIdentityBody` and
 * `identity` schemas of Kratos's OpenAPI spec (spec/api.json); credentials as documented for
 * imports (https://www.ory.sh/docs/kratos/manage-identities/import-user-accounts-identities).
 */

export interface KratosAddress {
  value: string;
  via: 'email' | 'sms';
  verified: boolean;
  status: 'pending' | 'completed';
}

export interface KratosCreateBody {
  schema_id: string;
  traits: Record<string, unknown>;
  external_id: string;
  state: 'active' | 'inactive';
  verifiable_addresses?: KratosAddress[];
  recovery_addresses?: { value: string; via: 'email' }[];
  metadata_public?: Record<string, unknown>;
  metadata_admin?: Record<string, unknown>;
  /** Ory Network: the (Enterprise SSO) organization the identity belongs to. */
  organization_id?: string;
  credentials?: {
    password?: { config: { hashed_password?: string; use_password_migration_hook?: boolean } };
    oidc?: { config: { providers: { provider: string; subject: string }[] } };
    saml?: { config: { providers: { provider: string; subject: string }[] } };
    totp?: { config: { totp_url: string } };
  };
}

export interface KratosMapContext {
  schemaId: string;
  traits: TraitPlan;
  /** The issuer written into TOTP key URIs (the label users see in their authenticator app). */
  totpIssuer: string;
  /**
   * Ory Network: source organization id → Ory organization id (ORY_ORGANIZATION_MAP). A user who is
   * a member of exactly one mapped organization gets it as `organization_id`.
   */
  organizations?: ReadonlyMap<string, string>;
}

export interface KratosIdentityPlan {
  body: KratosCreateBody;
  lossy: LossyNote[];
  /** How the password moves: verified natively, by the migration hook at first sign-in, or not at all. */
  password: 'hash' | 'hook' | 'none';
}

/**
 * A stable `patch_id` (a UUID, as the spec requires) derived from the source id, so the answer
 * to a batch correlates with its items whatever their order, and a re-sent batch carries the same ids.
 */
export function patchIdFor(sourceId: string): string {
  const h = createHash('sha256').update(`flagless/kratos/patch/${sourceId}`).digest();
  h[6] = (h[6]! & 0x0f) | 0x50; // version 5 layout (name-based)
  h[8] = (h[8]! & 0x3f) | 0x80; // RFC 4122 variant
  const x = h.subarray(0, 16).toString('hex');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20, 32)}`;
}

function totpUrl(issuer: string, account: string, secret: string): string {
  const label = encodeURIComponent(`${issuer}:${account}`);
  return `otpauth://totp/${label}?secret=${secret}&issuer=${encodeURIComponent(issuer)}`;
}

export function toKratosIdentity(user: CanonicalUser, options: CreateUserOptions, ctx: KratosMapContext): KratosIdentityPlan {
  const lossy: LossyNote[] = [];
  const plan = ctx.traits;
  const traits: Record<string, unknown> = {};
  const email = primaryEmail(user);
  const emailValue = email?.normalized;
  if (email && emailValue) {
    if (plan.email) setTrait(traits, plan.email, emailValue);
    else lossy.push({ field: 'emails', reason: 'the identity schema has no email trait' });
  }
  const others = user.emails.filter((e) => e !== email);
  if (others.length) lossy.push({ field: 'emails', reason: `${others.length} secondary email address(es): the identity schema holds one email trait` });
  if (user.username) {
    if (plan.username) setTrait(traits, plan.username, user.username);
    else lossy.push({ field: 'username', reason: 'the identity schema has no username trait' });
  }
  if (user.firstName || user.lastName) {
    if (plan.firstName && plan.lastName) {
      if (user.firstName) setTrait(traits, plan.firstName, user.firstName);
      if (user.lastName) setTrait(traits, plan.lastName, user.lastName);
    } else if (plan.fullName) {
      setTrait(traits, plan.fullName, [user.firstName, user.lastName].filter(Boolean).join(' '));
    } else {
      lossy.push({ field: 'name', reason: 'the identity schema has no name traits' });
    }
  } else if (user.displayName) {
    if (plan.fullName) setTrait(traits, plan.fullName, user.displayName);
    else lossy.push({ field: 'name', reason: 'the identity schema has no single name trait for the display name' });
  }
  const phone = user.phones.find((p) => p.primary) ?? user.phones[0];
  if (phone) {
    if (plan.phone) setTrait(traits, plan.phone, phone.number);
    else lossy.push({ field: 'phones', reason: 'the identity schema has no phone trait' });
  }

  const body: KratosCreateBody = {
    schema_id: ctx.schemaId,
    traits,
    external_id: user.sourceId,
    state: user.disabled ? 'inactive' : 'active',
  };
  const verifiable: KratosAddress[] = [];
  if (email && emailValue && plan.email && plan.emailVerifiable) {
    verifiable.push({ value: emailValue, via: 'email', verified: email.verified, status: email.verified ? 'completed' : 'pending' });
  }
  if (phone && plan.phone && plan.phoneVerifiable) {
    verifiable.push({ value: phone.number, via: 'sms', verified: phone.verified, status: phone.verified ? 'completed' : 'pending' });
  }
  if (verifiable.length) body.verifiable_addresses = verifiable;
  if (emailValue && plan.email && plan.emailRecovery) body.recovery_addresses = [{ value: emailValue, via: 'email' }];
  if (Object.keys(user.metadata.public).length) body.metadata_public = user.metadata.public;
  if (Object.keys(user.metadata.private).length) body.metadata_admin = user.metadata.private;
  if (ctx.organizations?.size) {
    // An identity belongs to at most one organization; the Keto tuples keep every membership either way.
    const mapped = [...new Set(user.memberships.map((m) => m.organizationId).filter((id) => ctx.organizations!.has(id)))];
    if (mapped.length === 1) body.organization_id = ctx.organizations.get(mapped[0]!)!;
    else if (mapped.length > 1) lossy.push({ field: 'organization_id', reason: `member of ${mapped.length} organizations mapped to Ory organizations: an identity belongs to one at most, so none is set` });
  }

  const credentials: NonNullable<KratosCreateBody['credentials']> = {};
  let password: KratosIdentityPlan['password'] = 'none';
  if (options.includePasswordHash && user.password) {
    const converted = toKratosHash(user.password);
    if (converted.ok) {
      credentials.password = { config: { hashed_password: converted.hash } };
      password = 'hash';
    } else {
      credentials.password = { config: { use_password_migration_hook: true } };
      password = 'hook';
      lossy.push({ field: 'password', reason: `${converted.reason}: the password-migration hook verifies it at the first sign-in` });
    }
  } else if (user.passwordPlan !== 'none' && options.missingPassword === 'jit') {
    credentials.password = { config: { use_password_migration_hook: true } };
    password = 'hook';
  }
  const social = user.identities.filter((i) => i.kind === 'social');
  if (social.length) credentials.oidc = { config: { providers: social.map((i) => ({ provider: i.provider, subject: i.providerUserId })) } };
  // Enterprise links import as SAML credentials (same provider/subject shape); the Kratos SSO
  // provider must carry the same id for the link to sign in.
  const enterprise = user.identities.filter((i) => i.kind !== 'social');
  if (enterprise.length) credentials.saml = { config: { providers: enterprise.map((i) => ({ provider: i.provider, subject: i.providerUserId })) } };
  const totp = user.mfa.find((f) => f.kind === 'totp' && f.secret);
  if (totp?.secret) {
    const account = emailValue ?? user.username ?? user.sourceId;
    credentials.totp = { config: { totp_url: totpUrl(ctx.totpIssuer, account, totp.secret.reveal().replace(/=+$/, '').toUpperCase()) } };
  }
  const otherFactors = user.mfa.filter((f) => f !== totp && f.kind !== 'backup-codes');
  if (otherFactors.length) lossy.push({ field: 'mfa', reason: `${otherFactors.map((f) => f.kind).join(', ')} factor(s) have no importable form in Kratos: users re-enrol` });
  if (Object.keys(credentials).length) body.credentials = credentials;
  return { body, lossy, password };
}

/** The parts of a Kratos identity `verify` and `listUsers` read (admin API `identity` schema). */
export interface KratosIdentityWire {
  id: string;
  external_id?: string | null;
  state?: string;
  traits?: unknown;
  verifiable_addresses?: { value: string; verified: boolean; via: string }[];
  metadata_public?: unknown;
  metadata_admin?: unknown;
  credentials?: Record<string, { type?: string; identifiers?: string[]; config?: unknown }>;
}

export function fromKratosIdentity(identity: KratosIdentityWire, plan: TraitPlan): TargetUserView {
  const traits = (identity.traits ?? {}) as Record<string, unknown>;
  const str = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);
  const email = str(getTrait(traits, plan.email));
  const address = email ? identity.verifiable_addresses?.find((a) => a.via === 'email' && a.value === email.toLowerCase()) : undefined;
  const linked = [...(identity.credentials?.oidc?.identifiers ?? []), ...(identity.credentials?.saml?.identifiers ?? [])];
  const identities = linked.map((id) => {
    const i = id.indexOf(':');
    return { provider: id.slice(0, i), providerUserId: id.slice(i + 1) };
  });
  const first = str(getTrait(traits, plan.firstName));
  const last = str(getTrait(traits, plan.lastName));
  const full = str(getTrait(traits, plan.fullName));
  const username = str(getTrait(traits, plan.username));
  // Kept apart as Kratos keeps them (metadata_public is readable by the user's session, metadata_admin is not).
  const metadata = { public: (identity.metadata_public as Record<string, unknown> | null) ?? {}, private: (identity.metadata_admin as Record<string, unknown> | null) ?? {} };
  const phone = str(getTrait(traits, plan.phone));
  return {
    id: identity.id,
    ...(identity.external_id ? { externalId: identity.external_id } : {}),
    ...(email ? { email } : {}),
    ...(address ? { emailVerified: address.verified } : {}),
    ...(first ? { firstName: first } : {}),
    ...(last ? { lastName: last } : {}),
    ...(full ? { displayName: full } : {}),
    ...(username ? { username } : {}),
    disabled: identity.state === 'inactive',
    metadata,
    memberships: [],
    identities,
    hasPassword: !!identity.credentials?.password,
    ...(phone ? { phones: [phone] } : {}),
  };
}
