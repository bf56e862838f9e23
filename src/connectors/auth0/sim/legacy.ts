/**
 * A strict local stand-in for Auth0's token endpoint as the gateway's legacy verifier calls it:
 * `POST /oauth/token` with the password-realm grant. It enforces what the Authentication API
 * documents for this call:
 *  - body `application/x-www-form-urlencoded` or `application/json`, otherwise 400 invalid_request;
 *  - `grant_type` password-realm (or `password`); any other → 501 unsupported_grant_type;
 *  - `client_id` required (400 invalid_request "missing client_id parameter"); an unknown client
 *    or a wrong `client_secret` → 401 invalid_client; a client without the grant → 403
 *    unauthorized_client;
 *  - `realm` must name a database connection enabled for the client (400 invalid_request
 *    "the connection was not found"); `username` and `password` required;
 *  - wrong password or unknown user → 403 invalid_grant "Wrong email or password."; a blocked user
 *    → 401 unauthorized "user is blocked"; after `bruteForceThreshold` consecutive failures for one
 *    user from one address (Auth0's default is 10) → 429 too_many_attempts until a success;
 *  - the address is `auth0-forwarded-for` only for a client that trusts it and sent its secret;
 *  - a rate limit answered 429 too_many_requests with X-RateLimit-Limit/Remaining/Reset;
 *  - success → 200 {access_token, id_token (RS256, iss/sub/aud/iat/exp + profile claims), scope,
 *    expires_in, token_type: "Bearer"}.
 * Passwords are real bcrypt hashes; `down` makes every request fail with 503, as an outage would.
 */
import { createSign, generateKeyPairSync, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { hashPassword, verifyPassword, type PasswordHash } from '../../../model/password/index.js';
import { PASSWORD_REALM_GRANT } from '../legacy-login.js';

export interface Auth0SimUser {
  user_id: string;
  email: string;
  username?: string;
  password: string;
  email_verified?: boolean;
  given_name?: string;
  family_name?: string;
  name?: string;
  picture?: string;
  blocked?: boolean;
}

export interface Auth0SimOptions {
  domain: string;
  clients: { client_id: string; client_secret: string; grant_types: string[]; connections: string[]; trust_forwarded_ip?: boolean }[];
  connection: string;
  users: Auth0SimUser[];
  bruteForceThreshold?: number;
  /** Requests per window before 429 too_many_requests. */
  rateLimit?: { requests: number; windowMs: number };
}

export interface Auth0Sim {
  url: string;
  requests: { status: number; forwardedFor?: string; ip: string }[];
  down: boolean;
  close(): Promise<void>;
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export async function startAuth0Sim(options: Auth0SimOptions): Promise<Auth0Sim> {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const kid = randomBytes(8).toString('hex');
  const users: (Omit<Auth0SimUser, 'password'> & { hash: PasswordHash })[] = [];
  for (const u of options.users) {
    const { password, ...rest } = u;
    users.push({ ...rest, hash: await hashPassword('bcrypt', password, { cost: 4 }) });
  }
  const failures = new Map<string, number>();
  const threshold = options.bruteForceThreshold ?? 10;
  let windowStart = Date.now();
  let windowCount = 0;

  const sign = (claims: Record<string, unknown>): string => {
    const enc = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const head = `${enc({ alg: 'RS256', typ: 'JWT', kid })}.${enc(claims)}`;
    return `${head}.${createSign('RSA-SHA256').update(head).sign(privateKey).toString('base64url')}`;
  };

  const sim: Auth0Sim = { url: '', requests: [], down: false, close: async () => undefined };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const ip = req.socket.remoteAddress ?? '';
    const done = (status: number, body: unknown, headers: Record<string, string> = {}, forwardedFor?: string) => {
      sim.requests.push({ status, ip, ...(forwardedFor ? { forwardedFor } : {}) });
      send(res, status, body, headers);
    };
    if (sim.down) return done(503, { error: 'temporarily_unavailable', error_description: 'Service Unavailable' });
    if (req.method !== 'POST' || (req.url ?? '').split('?')[0] !== '/oauth/token') return done(404, { error: 'not_found', error_description: 'Not Found' });
    if (options.rateLimit) {
      const now = Date.now();
      if (now - windowStart >= options.rateLimit.windowMs) {
        windowStart = now;
        windowCount = 0;
      }
      if (++windowCount > options.rateLimit.requests) {
        const reset = Math.ceil((windowStart + options.rateLimit.windowMs) / 1000);
        return done(429, { error: 'too_many_requests', error_description: 'Global limit has been reached' }, {
          'x-ratelimit-limit': String(options.rateLimit.requests),
          'x-ratelimit-remaining': '0',
          'x-ratelimit-reset': String(reset),
        });
      }
    }
    const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    const raw = await readBody(req);
    let p: Record<string, string>;
    if (type === 'application/x-www-form-urlencoded') p = Object.fromEntries(new URLSearchParams(raw));
    else if (type === 'application/json') {
      try {
        p = JSON.parse(raw) as Record<string, string>;
      } catch {
        return done(400, { error: 'invalid_request', error_description: 'Invalid JSON body' });
      }
    } else return done(400, { error: 'invalid_request', error_description: 'Unsupported content type' });

    if (p.grant_type !== PASSWORD_REALM_GRANT && p.grant_type !== 'password') return done(501, { error: 'unsupported_grant_type', error_description: `Unsupported grant type: ${p.grant_type ?? ''}` });
    if (!p.client_id) return done(400, { error: 'invalid_request', error_description: 'missing client_id parameter' });
    const client = options.clients.find((c) => c.client_id === p.client_id);
    if (!client || (p.client_secret !== undefined && p.client_secret !== client.client_secret) || p.client_secret === undefined) {
      return done(401, { error: 'invalid_client', error_description: 'Unauthorized' });
    }
    if (!client.grant_types.includes(p.grant_type)) {
      return done(403, { error: 'unauthorized_client', error_description: `Grant type '${p.grant_type}' not allowed for the client.` });
    }
    const realm = p.realm ?? options.connection;
    if (realm !== options.connection || !client.connections.includes(realm)) return done(400, { error: 'invalid_request', error_description: 'the connection was not found' });
    if (!p.username) return done(400, { error: 'invalid_request', error_description: 'missing username parameter' });
    if (!p.password) return done(400, { error: 'invalid_request', error_description: 'missing password parameter' });

    const forwarded = client.trust_forwarded_ip ? (req.headers['auth0-forwarded-for'] as string | undefined) : undefined;
    const address = forwarded ?? ip;
    const who = p.username.trim().toLowerCase();
    const user = users.find((u) => u.email.toLowerCase() === who || u.username?.toLowerCase() === who);
    const key = `${user?.user_id ?? who}\u0000${address}`;
    if ((failures.get(key) ?? 0) >= threshold) {
      return done(429, { error: 'too_many_attempts', error_description: "Your account has been blocked after multiple consecutive login attempts. We've sent you an email with instructions on how to unblock it." }, {}, forwarded);
    }
    const ok = user ? await verifyPassword(user.hash, p.password) : false;
    if (!user || !ok) {
      failures.set(key, (failures.get(key) ?? 0) + 1);
      return done(403, { error: 'invalid_grant', error_description: 'Wrong email or password.' }, {}, forwarded);
    }
    if (user.blocked) return done(401, { error: 'unauthorized', error_description: 'user is blocked' }, {}, forwarded);
    failures.delete(key);
    const now = Math.floor(Date.now() / 1000);
    const scope = p.scope ?? '';
    const idToken = scope.split(/\s+/).includes('openid')
      ? sign({
          iss: `https://${options.domain}/`,
          sub: user.user_id,
          aud: client.client_id,
          iat: now,
          exp: now + 36000,
          email: user.email,
          email_verified: user.email_verified ?? false,
          ...(user.name ? { name: user.name } : {}),
          ...(user.given_name ? { given_name: user.given_name } : {}),
          ...(user.family_name ? { family_name: user.family_name } : {}),
          ...(user.picture ? { picture: user.picture } : {}),
          nickname: user.email.split('@')[0],
          updated_at: new Date().toISOString(),
        })
      : undefined;
    return done(200, { access_token: randomBytes(24).toString('base64url'), ...(idToken ? { id_token: idToken } : {}), scope, expires_in: 86400, token_type: 'Bearer' }, {}, forwarded);
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch(() => send(res, 500, { error: 'server_error' }));
  });
  server.listen(0, '127.0.0.1');
  await new Promise<void>((r) => server.once('listening', () => r()));
  sim.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  sim.close = () => new Promise<void>((r) => server.close(() => r()));
  return sim;
}
