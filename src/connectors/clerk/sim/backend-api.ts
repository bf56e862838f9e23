import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { hashPassword, verifyPassword, type PasswordHash } from '../../../model/password/index.js';
import type { ClerkMembershipJson, ClerkOrganizationJson, ClerkUserJson } from '../types.js';
import { WebhookSigner, type SignedDelivery } from './webhooks.js';
import { readVerifyPasswordBody } from './password-body.js';

/**
 * A strict local stand-in for the part of Clerk's Backend API the source reader calls, for tests
 * that point the real `@clerk/backend` SDK at it through `apiUrl`:
 *   GET /v1/users                      -> UserJSON[] (a bare array, as Clerk answers); filtered by
 *                                         `email_address`, `username`, `user_id` (repeatable) as Clerk does
 *   GET /v1/users/{id}                 -> UserJSON
 *   POST /v1/users/{id}/verify_password {"password"} -> {"verified": true}, as the legacy login calls it
 *   GET /v1/users/count                -> {"object":"total_count","total_count":n}
 *   GET /v1/organizations              -> {"data":[OrganizationJSON],"total_count":n}
 *   GET /v1/organization_memberships   -> {"data":[OrganizationMembershipJSON],"total_count":n}
 * It enforces what Clerk documents for these calls: a `Bearer` secret key, `limit` an integer
 * 1..500 (default 10), `offset` >= 0, `order_by` one of the documented fields with an optional
 * +/- sign (default -created_at), and a rate limit answered with 429 and `Retry-After` (seconds).
 * Error bodies are `{"errors":[{"message","long_message","code"}]}` as the SDK parses them; the
 * exact 429 error code is not documented (UNVERIFIED: `too_many_requests`). A wrong password is
 * 422 `incorrect_password` and a user without one 422 `password_not_set` (UNVERIFIED codes, as in
 * sim/legacy.ts; the verifier does not depend on them). A password set through `change.setPassword`
 * stamps `password_last_updated_at` and `updated_at` with the same time, as a change at Clerk
 * updates the user.
 */
/**
 * The resources in the complete shape Clerk returns (UserJSON, OrganizationJSON,
 * OrganizationMembershipJSON in @clerk/backend): the SDK dereferences fields such as
 * `email_addresses[].linked_to` and fails on a partial object, so tests give partial data and the
 * simulator fills in what Clerk always sends.
 */
function fullVerification(v: { status?: string | null; strategy?: string | null } | null | undefined, strategy: string) {
  return v ? { object: 'verification', status: v.status ?? 'verified', strategy: v.strategy ?? strategy, attempts: null, expire_at: null } : null;
}

function fullUser(u: ClerkUserJson): Record<string, unknown> {
  return {
    object: 'user',
    username: null,
    first_name: null,
    last_name: null,
    image_url: 'https://img.clerk.com/default',
    has_image: false,
    primary_email_address_id: null,
    primary_phone_number_id: null,
    primary_web3_wallet_id: null,
    password_enabled: false,
    two_factor_enabled: false,
    totp_enabled: false,
    backup_code_enabled: false,
    public_metadata: {},
    private_metadata: {},
    unsafe_metadata: {},
    external_id: null,
    last_sign_in_at: null,
    banned: false,
    locked: false,
    lockout_expires_in_seconds: null,
    verification_attempts_remaining: 100,
    created_at: 0,
    updated_at: 0,
    last_active_at: null,
    create_organization_enabled: true,
    create_organizations_limit: null,
    delete_self_enabled: true,
    legal_accepted_at: null,
    organization_memberships: null,
    password_last_updated_at: null,
    ...u,
    email_addresses: (u.email_addresses ?? []).map((e, i) => ({
      object: 'email_address',
      id: e.id ?? `idn_${u.id}_e${i}`,
      email_address: e.email_address,
      reserved: false,
      verification: fullVerification(e.verification, 'email_code'),
      linked_to: [],
    })),
    phone_numbers: (u.phone_numbers ?? []).map((p, i) => ({
      object: 'phone_number',
      id: p.id ?? `idn_${u.id}_p${i}`,
      phone_number: p.phone_number,
      reserved_for_second_factor: p.reserved_for_second_factor ?? false,
      default_second_factor: p.default_second_factor ?? false,
      reserved: false,
      verification: fullVerification(p.verification, 'phone_code'),
      linked_to: [],
      backup_codes: null,
    })),
    web3_wallets: u.web3_wallets ?? [],
    external_accounts: (u.external_accounts ?? []).map((a, i) => ({
      object: 'external_account',
      id: a.id ?? `eac_${u.id}_${i}`,
      provider: a.provider,
      identification_id: `idn_${u.id}_x${i}`,
      provider_user_id: a.provider_user_id,
      approved_scopes: 'email profile',
      email_address: a.email_address ?? '',
      first_name: a.first_name ?? '',
      last_name: a.last_name ?? '',
      image_url: '',
      username: a.username ?? null,
      phone_number: null,
      public_metadata: {},
      label: null,
      verification: fullVerification(a.verification ?? { status: 'verified' }, a.provider),
    })),
    enterprise_accounts: u.enterprise_accounts ?? [],
  };
}

function fullOrganization(o: ClerkOrganizationJson): Record<string, unknown> {
  return {
    object: 'organization',
    image_url: '',
    has_image: false,
    max_allowed_memberships: 5,
    admin_delete_enabled: true,
    public_metadata: {},
    private_metadata: {},
    created_at: 0,
    updated_at: 0,
    ...o,
  };
}

function fullMembership(m: ClerkMembershipJson, orgs: Map<string, Record<string, unknown>>, users: Map<string, ClerkUserJson>): Record<string, unknown> {
  const u = users.get(m.public_user_data.user_id);
  return {
    object: 'organization_membership',
    id: m.id ?? `orgmem_${m.organization.id}_${m.public_user_data.user_id}`,
    role: m.role,
    permissions: [],
    public_metadata: {},
    private_metadata: {},
    created_at: 0,
    updated_at: 0,
    // Clerk embeds the whole organization; a membership of an unknown one keeps only its id.
    organization: orgs.get(m.organization.id) ?? fullOrganization({ id: m.organization.id, name: '' }),
    public_user_data: {
      identifier: u?.email_addresses?.[0]?.email_address ?? '',
      first_name: u?.first_name ?? null,
      last_name: u?.last_name ?? null,
      image_url: '',
      has_image: false,
      user_id: m.public_user_data.user_id,
    },
  };
}

export interface ClerkSimulatorData {
  users: ClerkUserJson[];
  /** SAML connections (`GET /v1/saml_connections`), in the Backend API's shape. */
  samlConnections?: Record<string, unknown>[];
  organizations?: ClerkOrganizationJson[];
  memberships?: ClerkMembershipJson[];
  /** Plaintext passwords by user id (hashed with bcrypt at start), for `verify_password`. */
  passwords?: Record<string, string>;
}

export interface ClerkSimulatorOptions {
  secretKey: string;
  /**
   * Changes made through the simulator's `change` methods become Clerk webhook events, signed with
   * this Svix secret (`whsec_…`) as Svix signs them, and queued in `outbox` for the test to deliver
   * (once, twice, late, out of order, tampered).
   */
  webhookSecret?: string;
  /** Requests allowed per window before 429 (Clerk: 100 / 10 s on development instances). */
  rateLimit?: { requests: number; windowMs: number };
}

export interface ClerkSimulator {
  url: string;
  /** Every request seen: method, path and query string. */
  requests: { method: string; path: string; query: string; status: number }[];
  /** The next `count` requests get 429 with this Retry-After, whatever the rate. */
  injectRateLimit(count: number, retryAfterSeconds: number): void;
  /** Changes at the "legacy provider", each producing its webhook event (see `webhookSecret`). */
  change: ClerkChanges;
  /** Signed deliveries not yet taken, oldest first (see sim/webhooks.ts). */
  outbox: SignedDelivery[];
  /** The current user as the Backend API returns it (tests compare the target with it). */
  user(id: string): Record<string, unknown> | undefined;
  /** Every user id the simulator holds now. */
  userIds(): string[];
  close(): Promise<void>;
}

export interface ClerkChanges {
  createUser(u: ClerkUserJson): void;
  updateUser(id: string, patch: Partial<ClerkUserJson>): void;
  /** Sets (or changes) a user's password at Clerk: `password_last_updated_at` and `updated_at` now, `user.updated`. */
  setPassword(id: string, password: string): Promise<void>;
  deleteUser(id: string): void;
  createOrganization(o: ClerkOrganizationJson): void;
  /** Renames (or changes the slug or metadata of) an organization: `organization.updated`. */
  updateOrganization(id: string, patch: Partial<ClerkOrganizationJson>): void;
  /** Deletes an organization and its memberships: `organization.deleted` (a DeletedObjectJSON). */
  deleteOrganization(id: string): void;
  /** Adds or changes a membership (role). */
  setMembership(userId: string, organizationId: string, role: string): void;
  removeMembership(userId: string, organizationId: string): void;
}

const USER_ORDER = ['created_at', 'updated_at', 'email_address', 'web3wallet', 'first_name', 'last_name', 'phone_number', 'username', 'last_active_at', 'last_sign_in_at'];
const ORG_ORDER = ['name', 'created_at', 'members_count'];
const MEMBERSHIP_ORDER = ['phone_number', 'email_address', 'created_at', 'first_name', 'last_name', 'username'];

class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  // Exactly `application/json`: the SDK parses the body as JSON only on that exact value.
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

function intParam(q: URLSearchParams, name: string, fallback: number, min: number, max: number): number {
  const raw = q.get(name);
  if (raw === null) return fallback;
  if (!/^[0-9]+$/.test(raw) || Number(raw) < min || Number(raw) > max) {
    throw new ApiError(422, 'form_param_format_invalid', `${name} must be an integer between ${min} and ${max}`);
  }
  return Number(raw);
}

function ordered<T>(items: T[], q: URLSearchParams, allowed: string[], key: (item: T, field: string) => unknown): T[] {
  const raw = q.get('order_by') ?? '-created_at';
  const m = /^([+-]?)([a-z0-9_]+)$/.exec(raw);
  if (!m || !allowed.includes(m[2]!)) throw new ApiError(422, 'form_param_value_invalid', `order_by must be one of ${allowed.join(', ')}, optionally signed`);
  const sign = m[1] === '-' ? -1 : 1;
  const field = m[2]!;
  return [...items].sort((a, b) => {
    const x = key(a, field);
    const y = key(b, field);
    return x === y ? 0 : (x as number) < (y as number) ? -sign : sign;
  });
}

/** The user list's filters (repeatable; a user matches any value of each filter given). */
function filtered(users: Record<string, unknown>[], q: URLSearchParams): Record<string, unknown>[] {
  const emails = q.getAll('email_address').map((e) => e.toLowerCase());
  const names = q.getAll('username').map((e) => e.toLowerCase());
  const ids = q.getAll('user_id');
  return users.filter((u) => {
    const addresses = (u.email_addresses as { email_address: string }[]).map((e) => e.email_address.toLowerCase());
    return (
      (emails.length === 0 || addresses.some((a) => emails.includes(a))) &&
      (names.length === 0 || (typeof u.username === 'string' && names.includes(u.username.toLowerCase()))) &&
      (ids.length === 0 || ids.includes(u.id as string))
    );
  });
}

function page<T>(items: T[], q: URLSearchParams): T[] {
  const limit = intParam(q, 'limit', 10, 1, 500);
  const offset = intParam(q, 'offset', 0, 0, Number.MAX_SAFE_INTEGER);
  return items.slice(offset, offset + limit);
}

export async function startClerkSimulator(data: ClerkSimulatorData, options: ClerkSimulatorOptions): Promise<ClerkSimulator> {
  const requests: ClerkSimulator['requests'] = [];
  let injected = 0;
  let injectedRetryAfter = 1;
  let windowStart = Date.now();
  let windowCount = 0;
  let users = data.users.map(fullUser);
  const organizations = (data.organizations ?? []).map(fullOrganization);
  const orgById = new Map(organizations.map((o) => [o.id as string, o]));
  const userById = new Map(data.users.map((u) => [u.id, u]));
  let memberships = (data.memberships ?? []).map((m) => fullMembership(m, orgById, userById));
  const outbox: SignedDelivery[] = [];
  const passwords = new Map<string, PasswordHash>();
  for (const [id, plain] of Object.entries(data.passwords ?? {})) passwords.set(id, await hashPassword('bcrypt', plain, { cost: 4 }));
  const signer = options.webhookSecret ? new WebhookSigner(options.webhookSecret) : undefined;
  // Clerk's updated_at is epoch ms; changes made in the same millisecond still get increasing stamps.
  let clock = Date.now();
  const tick = () => (clock = Math.max(clock + 1, Date.now()));
  const emit = (type: string, payload: Record<string, unknown>) => {
    if (signer) outbox.push(signer.sign({ type, object: 'event', data: payload, timestamp: clock, instance_id: 'ins_sim', event_attributes: { http_request: { client_ip: '127.0.0.1', user_agent: 'flagless-sim' } } }));
  };
  const findUser = (id: string) => users.find((u) => u.id === id);
  const membershipOf = (userId: string, orgId: string) =>
    memberships.find((m) => (m.public_user_data as { user_id: string }).user_id === userId && (m.organization as { id: string }).id === orgId);
  const updated = (id: string, patch: Partial<ClerkUserJson>, at: number) => {
    const current = userById.get(id);
    if (!current) throw new Error(`no user ${id}`);
    const json = { ...current, ...patch, id, updated_at: at };
    userById.set(id, json);
    const full = fullUser(json);
    users = users.map((u) => (u.id === id ? full : u));
    emit('user.updated', full);
  };
  const change: ClerkChanges = {
    createUser(u) {
      const at = tick();
      const json = { ...u, created_at: u.created_at ?? at, updated_at: at };
      userById.set(u.id, json);
      const full = fullUser(json);
      users.push(full);
      emit('user.created', full);
    },
    updateUser(id, patch) {
      updated(id, patch, tick());
    },
    async setPassword(id, password) {
      if (!userById.has(id)) throw new Error(`no user ${id}`);
      const hash = await hashPassword('bcrypt', password, { cost: 4 });
      passwords.set(id, hash);
      const at = tick();
      updated(id, { password_enabled: true, password_last_updated_at: at }, at);
    },
    deleteUser(id) {
      tick();
      const u = userById.get(id);
      users = users.filter((x) => x.id !== id);
      userById.delete(id);
      memberships = memberships.filter((m) => (m.public_user_data as { user_id: string }).user_id !== id);
      emit('user.deleted', { object: 'user', id, deleted: true, ...(u?.external_id ? { external_id: u.external_id } : {}) });
    },
    createOrganization(o) {
      const at = tick();
      const full = fullOrganization({ ...o, created_at: o.created_at ?? at });
      (full as { updated_at: number }).updated_at = at;
      organizations.push(full);
      orgById.set(o.id, full);
      emit('organization.created', full);
    },
    updateOrganization(id, patch) {
      const current = orgById.get(id);
      if (!current) throw new Error(`no organization ${id}`);
      // In place: the memberships embed this object, as Clerk's answers embed the current organization.
      Object.assign(current, patch, { id, updated_at: tick() });
      emit('organization.updated', current);
    },
    deleteOrganization(id) {
      tick();
      const current = orgById.get(id);
      if (!current) throw new Error(`no organization ${id}`);
      orgById.delete(id);
      organizations.splice(organizations.indexOf(current), 1);
      memberships = memberships.filter((m) => (m.organization as { id: string }).id !== id);
      emit('organization.deleted', { object: 'organization', id, deleted: true });
    },
    setMembership(userId, organizationId, role) {
      const at = tick();
      const existing = membershipOf(userId, organizationId);
      if (existing) {
        existing.role = role;
        existing.updated_at = at;
        emit('organizationMembership.updated', existing);
        return;
      }
      const full = fullMembership({ role, organization: { id: organizationId }, public_user_data: { user_id: userId } }, orgById, userById);
      full.created_at = at;
      full.updated_at = at;
      memberships.push(full);
      emit('organizationMembership.created', full);
    },
    removeMembership(userId, organizationId) {
      tick();
      const existing = membershipOf(userId, organizationId);
      if (!existing) throw new Error(`no membership of ${userId} in ${organizationId}`);
      memberships = memberships.filter((m) => m !== existing);
      emit('organizationMembership.deleted', existing);
    },
  };
  const samlConnections = data.samlConnections ?? [];

  const guard = (req: IncomingMessage): void => {
    if (req.headers.authorization !== `Bearer ${options.secretKey}`) {
      throw new ApiError(401, 'authentication_invalid', 'The provided secret key is invalid');
    }
    if (injected > 0) {
      injected--;
      throw new ApiError(429, 'too_many_requests', 'Too many requests', { 'Retry-After': String(injectedRetryAfter) });
    }
    if (options.rateLimit) {
      const now = Date.now();
      if (now - windowStart >= options.rateLimit.windowMs) {
        windowStart = now;
        windowCount = 0;
      }
      windowCount++;
      if (windowCount > options.rateLimit.requests) {
        const retryAfter = Math.max(1, Math.ceil((windowStart + options.rateLimit.windowMs - now) / 1000));
        throw new ApiError(429, 'too_many_requests', 'Too many requests', { 'Retry-After': String(retryAfter) });
      }
    }
  };

  /** POST /v1/users/{id}/verify_password {"password"}: the legacy login's check. */
  const verifyPasswordRoute = async (id: string, req: IncomingMessage): Promise<{ status: number; body: unknown }> => {
    const body = await readVerifyPasswordBody(req);
    if (!('password' in body)) throw new ApiError(body.status, body.code, body.message);
    if (!findUser(id)) throw new ApiError(404, 'resource_not_found', 'not found');
    const hash = passwords.get(id);
    if (!hash) throw new ApiError(422, 'password_not_set', 'This user has no password');
    if (!(await verifyPassword(hash, body.password))) throw new ApiError(422, 'incorrect_password', 'Password is incorrect. Try again, or use another method.');
    return { status: 200, body: { verified: true } };
  };

  const handle = (req: IncomingMessage): { status: number; body: unknown; headers?: Record<string, string> } => {
    if (req.method !== 'GET') throw new ApiError(405, 'method_not_allowed', 'only GET and verify_password are simulated');
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const q = url.searchParams;
    const byId = /^\/v1\/(users|organizations)\/([A-Za-z0-9_]+)(\/organization_memberships)?$/.exec(url.pathname);
    if (byId && byId[2] !== 'count') {
      const [, kind, id, sub] = byId;
      if (kind === 'users') {
        const u = findUser(id!);
        if (!u) throw new ApiError(404, 'resource_not_found', 'not found');
        if (!sub) return { status: 200, body: u };
        const mine = memberships.filter((m) => (m.public_user_data as { user_id: string }).user_id === id);
        return { status: 200, body: { data: page(mine, q), total_count: mine.length } };
      }
      if (sub) throw new ApiError(404, 'resource_not_found', 'not found');
      const o = orgById.get(id!);
      if (!o || !organizations.includes(o)) throw new ApiError(404, 'resource_not_found', 'not found');
      return { status: 200, body: o };
    }
    switch (url.pathname) {
      case '/v1/users':
        return { status: 200, body: page(ordered(filtered(users, q), q, USER_ORDER, (u, f) => u[f]), q) };
      case '/v1/users/count':
        return { status: 200, body: { object: 'total_count', total_count: users.length } };
      case '/v1/organizations': {
        const list = ordered(organizations, q, ORG_ORDER, (o, f) => o[f]);
        return { status: 200, body: { data: page(list, q), total_count: organizations.length } };
      }
      case '/v1/saml_connections': {
        // limit/offset like every list; `{data, total_count}`; objects carry `object: saml_connection`.
        const list = ordered(samlConnections, q, ['phone_number', 'email_address', 'created_at', 'first_name', 'last_name', 'username'], (c, f) => c[f]);
        return { status: 200, body: { data: page(list, q).map((c) => ({ object: 'saml_connection', ...c })), total_count: samlConnections.length } };
      }
      case '/v1/organization_memberships': {
        const list = ordered(memberships, q, MEMBERSHIP_ORDER, (m, f) => m[f]);
        return { status: 200, body: { data: page(list, q), total_count: memberships.length } };
      }
      default:
        throw new ApiError(404, 'resource_not_found', 'not found');
    }
  };

  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const record = (status: number) => requests.push({ method: req.method ?? '', path: url.pathname, query: url.search, status });
    const answer = async () => {
      guard(req);
      const verify = /^\/v1\/users\/([A-Za-z0-9_]+)\/verify_password$/.exec(url.pathname);
      if (verify && req.method === 'POST') return verifyPasswordRoute(verify[1]!, req);
      return handle(req);
    };
    answer().then(
      (out: { status: number; body: unknown; headers?: Record<string, string> }) => {
        record(out.status);
        send(res, out.status, out.body, out.headers);
      },
      (e: unknown) => {
        const err = e instanceof ApiError ? e : new ApiError(500, 'internal_clerk_error', 'simulator failure');
        record(err.status);
        send(res, err.status, { errors: [{ message: err.message, long_message: err.message, code: err.code }], clerk_trace_id: 'sim' }, err.headers);
      },
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    injectRateLimit(count: number, retryAfterSeconds: number) {
      injected = count;
      injectedRetryAfter = retryAfterSeconds;
    },
    change,
    outbox,
    user: (id) => findUser(id),
    userIds: () => users.map((u) => u.id as string),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}
