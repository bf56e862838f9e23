/**
 * A strict local stand-in for the Clerk Backend API calls the legacy verifier makes, for tests
 * that point the official `@clerk/backend` SDK at it (`apiUrl`):
 *   GET  /v1/users?email_address=..&username=..&limit&offset → UserJSON[] (a bare array)
 *   GET  /v1/users/count?email_address=..&username=..        → {"object":"total_count","total_count":n}
 *   POST /v1/users/{user_id}/verify_password {"password"}     → 200 {"object":"password_verification"?, "verified": true}
 * Enforced: `Authorization: Bearer <secret key>` (401 authentication_invalid otherwise), limit
 * 1..500, a JSON body with a non-empty `password` (422 form_param_missing), an existing user (404
 * resource_not_found). A wrong password → 422 `incorrect_password` and a user without a password
 * → 422 `password_not_set`: Clerk does not document these two (UNVERIFIED), the verifier does not
 * depend on their codes. Responses carry exactly `Content-Type: application/json` (the SDK parses
 * JSON only then). `down` answers 503; `rateLimited` answers 429 with Retry-After.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { hashPassword, verifyPassword, type PasswordHash } from '../../../model/password/index.js';
import type { ClerkUserJson } from '../types.js';
import { readVerifyPasswordBody } from './password-body.js';

export interface ClerkSimUser {
  json: ClerkUserJson;
  /** Plaintext to hash (bcrypt) when the user has a password. */
  password?: string;
}

export interface ClerkLegacySim {
  url: string;
  down: boolean;
  /** Seconds of Retry-After for the next 429s, while > 0 requests remain. */
  rateLimited: { count: number; retryAfter: number };
  requests: { method: string; path: string; status: number }[];
  close(): Promise<void>;
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

/** The fields the real API always sends (the SDK's User.fromJSON maps them unconditionally). */
function complete(json: ClerkUserJson, hasPassword: boolean): ClerkUserJson {
  const now = Date.now();
  return {
    object: 'user',
    external_id: null,
    username: null,
    first_name: null,
    last_name: null,
    image_url: '',
    primary_phone_number_id: null,
    phone_numbers: [],
    web3_wallets: [],
    external_accounts: [],
    enterprise_accounts: [],
    totp_enabled: false,
    backup_code_enabled: false,
    two_factor_enabled: false,
    public_metadata: {},
    private_metadata: {},
    unsafe_metadata: {},
    banned: false,
    locked: false,
    created_at: now,
    updated_at: now,
    last_sign_in_at: null,
    ...json,
    email_addresses: (json.email_addresses ?? []).map((e) => ({ object: 'email_address', linked_to: [], ...e })),
    password_enabled: hasPassword,
  };
}

const err = (code: string, message: string, long = message) => ({ errors: [{ code, message, long_message: long }], clerk_trace_id: 'sim' });

export async function startClerkLegacySim(opts: { secretKey: string; users: ClerkSimUser[] }): Promise<ClerkLegacySim> {
  const users: { json: ClerkUserJson; hash?: PasswordHash }[] = [];
  for (const u of opts.users) {
    users.push({ json: complete(u.json, u.password !== undefined), ...(u.password ? { hash: await hashPassword('bcrypt', u.password, { cost: 4 }) } : {}) });
  }
  const sim: ClerkLegacySim = { url: '', down: false, rateLimited: { count: 0, retryAfter: 0 }, requests: [], close: async () => undefined };

  const matches = (q: URLSearchParams) => {
    const emails = q.getAll('email_address').map((e) => e.toLowerCase());
    const names = q.getAll('username').map((e) => e.toLowerCase());
    return users.filter(
      (u) =>
        (emails.length === 0 || (u.json.email_addresses ?? []).some((e) => emails.includes(e.email_address.toLowerCase()))) &&
        (names.length === 0 || (u.json.username ? names.includes(u.json.username.toLowerCase()) : false)),
    );
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://sim');
    const reply = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      sim.requests.push({ method: req.method ?? '', path: url.pathname, status });
      send(res, status, body, headers);
    };
    if (sim.down) return reply(503, err('service_unavailable', 'Service unavailable'));
    if (sim.rateLimited.count > 0) {
      sim.rateLimited.count--;
      return reply(429, err('too_many_requests', 'Too many requests'), { 'Retry-After': String(sim.rateLimited.retryAfter) });
    }
    if (req.headers.authorization !== `Bearer ${opts.secretKey}`) return reply(401, err('authentication_invalid', 'Unauthorized request', 'The provided Clerk Secret Key is invalid.'));

    if (req.method === 'GET' && (url.pathname === '/v1/users' || url.pathname === '/v1/users/count')) {
      const found = matches(url.searchParams);
      if (url.pathname === '/v1/users/count') return reply(200, { object: 'total_count', total_count: found.length });
      const limit = url.searchParams.has('limit') ? Number(url.searchParams.get('limit')) : 10;
      const offset = url.searchParams.has('offset') ? Number(url.searchParams.get('offset')) : 0;
      if (!Number.isInteger(limit) || limit < 1 || limit > 500) return reply(422, err('form_param_value_invalid', 'limit must be between 1 and 500'));
      if (!Number.isInteger(offset) || offset < 0) return reply(422, err('form_param_value_invalid', 'offset must be >= 0'));
      return reply(200, found.slice(offset, offset + limit).map((u) => ({ object: 'user', ...u.json })));
    }
    const m = /^\/v1\/users\/([^/]+)\/verify_password$/.exec(url.pathname);
    if (req.method === 'POST' && m) {
      const body = await readVerifyPasswordBody(req);
      if (!('password' in body)) return reply(body.status, err(body.code, body.message));
      const user = users.find((u) => u.json.id === decodeURIComponent(m[1]!));
      if (!user) return reply(404, err('resource_not_found', 'not found', 'Resource not found'));
      if (!user.hash) return reply(422, err('password_not_set', 'This user has no password'));
      if (!(await verifyPassword(user.hash, body.password))) return reply(422, err('incorrect_password', 'Incorrect password', 'Password is incorrect. Try again, or use another method.'));
      return reply(200, { verified: true });
    }
    return reply(404, err('resource_not_found', 'not found'));
  };

  const server = createServer((req, res) => {
    handle(req, res).catch(() => send(res, 500, err('internal_clerk_error', 'Oops')));
  });
  server.listen(0, '127.0.0.1');
  await new Promise<void>((r) => server.once('listening', () => r()));
  sim.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  sim.close = () => new Promise<void>((r) => server.close(() => r()));
  return sim;
}
