import { randomBytes } from 'node:crypto';
import type { PasswordHash } from '../../../model/password/types.js';
import { SimApiError, invalid } from './http.js';
import type { WorkosHashType } from '../hash-types.js';

/**
 * In-memory state of the WorkOS simulator and the exact JSON shapes WorkOS returns
 * (checked against @workos-inc/node 8.13 deserializers: deserializeUser, deserializeOrganization,
 * deserializeOrganizationMembership, deserializeList).
 */

export interface SimUser {
  id: string;
  email: string;
  emailVerified: boolean;
  firstName: string | null;
  lastName: string | null;
  externalId: string | null;
  metadata: Record<string, string>;
  locale: string | null;
  lastSignInAt: string | null;
  createdAt: string;
  updatedAt: string;
  /** How the password was given: an imported hash type, or `plaintext` (hashed here). */
  password?: { source: WorkosHashType | 'plaintext'; hash: PasswordHash };
  /** TOTP factors (the secret is kept to check codes at sign-in; shown only in the enrol answer). */
  factors?: SimFactor[];
}

export interface SimFactor {
  id: string;
  userId: string;
  /** Base32, as enrolled. */
  secret: string;
  issuer: string;
  user: string;
  createdAt: string;
  updatedAt: string;
}

export interface SimOrganization {
  id: string;
  name: string;
  externalId: string | null;
  metadata: Record<string, string>;
  domains: { id: string; domain: string; state: 'verified' | 'pending' }[];
  createdAt: string;
  updatedAt: string;
}

export interface SimMembership {
  id: string;
  userId: string;
  organizationId: string;
  roles: string[];
  status: 'active' | 'inactive' | 'pending';
  createdAt: string;
  updatedAt: string;
}

// ---- ids: WorkOS ids are a prefix plus a 26-character ULID (user_01E4ZCR3C56J083X43JQXF3JK5) ----

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
let lastMs = 0;
let lastRandom = 0n;

function encode(value: bigint, length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) {
    out = CROCKFORD[Number(value & 31n)] + out;
    value >>= 5n;
  }
  return out;
}

/** Monotonic ULIDs, so ids sort in creation order (pagination cursors rely on it). */
export function newId(prefix: string): string {
  const ms = Date.now();
  if (ms > lastMs) {
    lastMs = ms;
    lastRandom = BigInt('0x' + randomBytes(10).toString('hex')) >> 1n;
  } else {
    lastRandom += 1n;
  }
  return `${prefix}_${encode(BigInt(lastMs), 10)}${encode(lastRandom, 16)}`;
}

// ---- response shapes ----

export function userJson(u: SimUser): Record<string, unknown> {
  return {
    object: 'user',
    id: u.id,
    email: u.email,
    email_verified: u.emailVerified,
    first_name: u.firstName,
    last_name: u.lastName,
    profile_picture_url: null,
    last_sign_in_at: u.lastSignInAt,
    locale: u.locale,
    created_at: u.createdAt,
    updated_at: u.updatedAt,
    external_id: u.externalId,
    metadata: u.metadata,
  };
}

/** An authentication factor as listed (no secret), the shape deserializeFactor reads. */
export function factorJson(f: SimFactor): Record<string, unknown> {
  return {
    object: 'authentication_factor',
    id: f.id,
    created_at: f.createdAt,
    updated_at: f.updatedAt,
    type: 'totp',
    totp: { issuer: f.issuer, user: f.user },
    user_id: f.userId,
  };
}

export function organizationJson(o: SimOrganization): Record<string, unknown> {
  return {
    object: 'organization',
    id: o.id,
    name: o.name,
    allow_profiles_outside_organization: false,
    domains: o.domains.map((d) => ({
      object: 'organization_domain',
      id: d.id,
      domain: d.domain,
      organization_id: o.id,
      state: d.state,
      verification_strategy: 'manual',
      created_at: o.createdAt,
      updated_at: o.updatedAt,
    })),
    created_at: o.createdAt,
    updated_at: o.updatedAt,
    external_id: o.externalId,
    metadata: o.metadata,
  };
}

export function membershipJson(m: SimMembership, org: SimOrganization | undefined): Record<string, unknown> {
  const roles = m.roles.map((slug) => ({ slug }));
  return {
    object: 'organization_membership',
    id: m.id,
    user_id: m.userId,
    organization_id: m.organizationId,
    organization_name: org?.name ?? '',
    status: m.status,
    role: roles[0] ?? { slug: 'member' },
    roles,
    directory_managed: false,
    custom_attributes: {},
    created_at: m.createdAt,
    updated_at: m.updatedAt,
  };
}

// ---- store ----

export class SimStore {
  readonly users = new Map<string, SimUser>();
  readonly usersByEmail = new Map<string, string>();
  readonly usersByExternalId = new Map<string, string>();
  readonly organizations = new Map<string, SimOrganization>();
  readonly organizationsByExternalId = new Map<string, string>();
  readonly memberships = new Map<string, SimMembership>();
  /** Admin Portal links issued (POST /portal/generate_link). */
  readonly portalLinks: { organizationId: string; intent: string; issuedAt: number }[] = [];
  /** POST /organizations `Idempotency-Key` → the response first given for it. */
  readonly idempotentResponses = new Map<string, { status: number; body: unknown }>();
  /** Password reset tokens by id (routes-password-reset.ts). */
  readonly passwordResets = new Map<string, import('./routes-password-reset.js').SimPasswordReset>();
  /** Emails WorkOS would have sent (its default AuthKit emails), oldest first; never a token. */
  readonly outbox: import('./routes-password-reset.js').SimOutboxEmail[] = [];

  static emailKey(email: string): string {
    return email.trim().toLowerCase();
  }

  userByEmail(email: string): SimUser | undefined {
    const id = this.usersByEmail.get(SimStore.emailKey(email));
    return id === undefined ? undefined : this.users.get(id);
  }

  membershipsOf(filter: { userId?: string; organizationId?: string; statuses?: string[] }): SimMembership[] {
    const out: SimMembership[] = [];
    for (const m of this.memberships.values()) {
      if (filter.userId !== undefined && m.userId !== filter.userId) continue;
      if (filter.organizationId !== undefined && m.organizationId !== filter.organizationId) continue;
      if (filter.statuses && !filter.statuses.includes(m.status)) continue;
      out.push(m);
    }
    return out;
  }
}

// ---- pagination: `limit` (1..100, default 10), `before`/`after` cursors (object ids), `order` ----

export interface Page<T> {
  data: T[];
  list_metadata: { before: string | null; after: string | null };
}

export function listParams(query: URLSearchParams): { limit: number; order: 'asc' | 'desc'; before?: string; after?: string } {
  const rawLimit = query.get('limit');
  let limit = 10;
  if (rawLimit !== null) {
    if (!/^[0-9]+$/.test(rawLimit) || Number(rawLimit) < 1 || Number(rawLimit) > 100) {
      throw invalid('limit must be an integer between 1 and 100', [{ field: 'limit', code: 'invalid_limit' }]);
    }
    limit = Number(rawLimit);
  }
  const order = query.get('order') ?? 'desc';
  if (order !== 'asc' && order !== 'desc') {
    throw invalid('order must be asc or desc', [{ field: 'order', code: 'invalid_order' }]);
  }
  const before = query.get('before') ?? undefined;
  const after = query.get('after') ?? undefined;
  if (before !== undefined && after !== undefined) {
    throw new SimApiError(422, 'Only one of before and after may be given', 'unprocessable_entity', [{ field: 'before', code: 'conflicting_cursors' }]);
  }
  return { limit, order, ...(before !== undefined ? { before } : {}), ...(after !== undefined ? { after } : {}) };
}

/**
 * Cursor pagination over items whose ids sort in creation order. Cursors compare by id, like a
 * `WHERE id > cursor` query, so a cursor stays valid even if its object was deleted meanwhile.
 */
export function paginate<T extends { id: string }>(items: Iterable<T>, p: ReturnType<typeof listParams>): Page<T> {
  const sorted = [...items].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  if (p.order === 'desc') sorted.reverse();
  const ahead = (id: string, cursor: string) => (p.order === 'asc' ? id > cursor : id < cursor);
  const behind = (id: string, cursor: string) => (p.order === 'asc' ? id < cursor : id > cursor);
  let data: T[];
  let hasBefore: boolean;
  let hasAfter: boolean;
  if (p.before !== undefined) {
    const window = sorted.filter((x) => behind(x.id, p.before!));
    data = window.slice(Math.max(0, window.length - p.limit));
    hasBefore = window.length > data.length;
    hasAfter = sorted.length > window.length;
  } else {
    const window = p.after !== undefined ? sorted.filter((x) => ahead(x.id, p.after!)) : sorted;
    data = window.slice(0, p.limit);
    hasAfter = window.length > data.length;
    hasBefore = sorted.length > window.length;
  }
  return {
    data,
    list_metadata: {
      before: hasBefore && data.length > 0 ? data[0]!.id : null,
      after: hasAfter && data.length > 0 ? data[data.length - 1]!.id : null,
    },
  };
}

export function listJson<T>(page: Page<T>, format: (x: T) => unknown): Record<string, unknown> {
  return { object: 'list', data: page.data.map(format), list_metadata: page.list_metadata };
}
