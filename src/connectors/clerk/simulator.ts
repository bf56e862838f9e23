import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ClerkMembershipJson, ClerkOrganizationJson, ClerkUserJson } from './types.js';

/**
 * A strict local stand-in for the part of Clerk's Backend API the source reader calls, for tests
 * that point the real `@clerk/backend` SDK at it through `apiUrl`:
 *   GET /v1/users                      -> UserJSON[] (a bare array, as Clerk answers)
 *   GET /v1/users/count                -> {"object":"total_count","total_count":n}
 *   GET /v1/organizations              -> {"data":[OrganizationJSON],"total_count":n}
 *   GET /v1/organization_memberships   -> {"data":[OrganizationMembershipJSON],"total_count":n}
 * It enforces what Clerk documents for these calls: a `Bearer` secret key, `limit` an integer
 * 1..500 (default 10), `offset` >= 0, `order_by` one of the documented fields with an optional
 * +/- sign (default -created_at), and a rate limit answered with 429 and `Retry-After` (seconds).
 * Error bodies are `{"errors":[{"message","long_message","code"}]}` as the SDK parses them; the
 * exact 429 error code is not documented (UNVERIFIED: `too_many_requests`).
 */
export interface ClerkSimulatorData {
  users: ClerkUserJson[];
  organizations?: ClerkOrganizationJson[];
  memberships?: ClerkMembershipJson[];
}

export interface ClerkSimulatorOptions {
  secretKey: string;
  /** Requests allowed per window before 429 (Clerk: 100 / 10 s on development instances). */
  rateLimit?: { requests: number; windowMs: number };
}

export interface ClerkSimulator {
  url: string;
  /** Every request seen: method, path and query string. */
  requests: { method: string; path: string; query: string; status: number }[];
  /** The next `count` requests get 429 with this Retry-After, whatever the rate. */
  injectRateLimit(count: number, retryAfterSeconds: number): void;
  close(): Promise<void>;
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
  const users = data.users.map((u) => ({ object: 'user', ...u }));
  const organizations = (data.organizations ?? []).map((o) => ({ object: 'organization', ...o }));
  const memberships = (data.memberships ?? []).map((m) => ({ object: 'organization_membership', ...m }));

  const handle = (req: IncomingMessage): { status: number; body: unknown; headers?: Record<string, string> } => {
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
    if (req.method !== 'GET') throw new ApiError(405, 'method_not_allowed', 'only GET is simulated');
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const q = url.searchParams;
    switch (url.pathname) {
      case '/v1/users':
        return { status: 200, body: page(ordered(users, q, USER_ORDER, (u, f) => (u as unknown as Record<string, unknown>)[f]), q) };
      case '/v1/users/count':
        return { status: 200, body: { object: 'total_count', total_count: users.length } };
      case '/v1/organizations': {
        const list = ordered(organizations, q, ORG_ORDER, (o, f) => (o as unknown as Record<string, unknown>)[f]);
        return { status: 200, body: { data: page(list, q), total_count: organizations.length } };
      }
      case '/v1/organization_memberships': {
        const list = ordered(memberships, q, MEMBERSHIP_ORDER, (m, f) => (m as unknown as Record<string, unknown>)[f]);
        return { status: 200, body: { data: page(list, q), total_count: memberships.length } };
      }
      default:
        throw new ApiError(404, 'resource_not_found', 'not found');
    }
  };

  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const record = (status: number) => requests.push({ method: req.method ?? '', path: url.pathname, query: url.search, status });
    try {
      const out = handle(req);
      record(out.status);
      send(res, out.status, out.body, out.headers);
    } catch (e) {
      const err = e instanceof ApiError ? e : new ApiError(500, 'internal_clerk_error', 'simulator failure');
      record(err.status);
      send(res, err.status, { errors: [{ message: err.message, long_message: err.message, code: err.code }], clerk_trace_id: 'sim' }, err.headers);
    }
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
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}
