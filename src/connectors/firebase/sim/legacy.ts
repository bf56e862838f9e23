/**
 * A strict local stand-in for the two Identity Toolkit calls the Firebase legacy verifier makes,
 * shaped like the Firebase Auth emulator's answers (checked side by side with the emulator in
 * test/gateway/legacy-firebase.test.ts when firebase-tools is available):
 *   POST /identitytoolkit.googleapis.com/v1/accounts:signInWithPassword?key=K
 *        {email, password, returnSecureToken} → 200 {kind, localId, email, displayName, idToken,
 *        registered: true, refreshToken, expiresIn: "3600"}
 *   POST /identitytoolkit.googleapis.com/v1/accounts:lookup?key=K {idToken} → 200 {kind, users: [UserInfo]}
 * Errors are `{"error": {"code": 400, "message": CODE, "errors": [{message: CODE, reason: "invalid", domain: "global"}]}}`:
 * a missing or wrong key → 400 "API key not valid. Please pass a valid API key.", INVALID_EMAIL,
 * MISSING_PASSWORD, EMAIL_NOT_FOUND, INVALID_PASSWORD (also for a user without a password),
 * USER_DISABLED; with `enumerationProtection` the last three become INVALID_LOGIN_CREDENTIALS.
 * Passwords are real hashes (bcrypt); `down` answers 503 to everything.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { hashPassword, verifyPassword, type PasswordHash } from '../../../model/password/index.js';

export interface FirebaseSimUser {
  localId: string;
  email: string;
  password?: string;
  displayName?: string;
  photoUrl?: string;
  emailVerified?: boolean;
  disabled?: boolean;
}

export interface FirebaseSim {
  /** The base to give the verifier as `apiUrl`. */
  url: string;
  down: boolean;
  close(): Promise<void>;
}

const PREFIX = '/identitytoolkit.googleapis.com/v1/accounts:';

function fail(res: ServerResponse, message: string, status = 400): void {
  const text = JSON.stringify({ error: { code: status, message, errors: [{ message, domain: 'global', reason: 'invalid' }] } });
  res.writeHead(status, { 'content-type': 'application/json; charset=UTF-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function ok(res: ServerResponse, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(200, { 'content-type': 'application/json; charset=UTF-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

export async function startFirebaseSim(opts: { apiKey: string; users: FirebaseSimUser[]; enumerationProtection?: boolean }): Promise<FirebaseSim> {
  const users: (Omit<FirebaseSimUser, 'password'> & { hash?: PasswordHash })[] = [];
  for (const u of opts.users) {
    const { password, ...rest } = u;
    users.push({ ...rest, ...(password ? { hash: await hashPassword('bcrypt', password, { cost: 4 }) } : {}) });
  }
  const tokens = new Map<string, string>();
  const sim: FirebaseSim = { url: '', down: false, close: async () => undefined };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (sim.down) return fail(res, 'UNAVAILABLE', 503);
    const url = new URL(req.url ?? '/', 'http://sim');
    if (req.method !== 'POST' || !url.pathname.startsWith(PREFIX)) return fail(res, 'NOT_FOUND', 404);
    if (url.searchParams.get('key') !== opts.apiKey) return fail(res, 'API key not valid. Please pass a valid API key.');
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, unknown>;
    } catch {
      return fail(res, 'Invalid JSON payload received.');
    }
    const method = url.pathname.slice(PREFIX.length);
    if (method === 'signInWithPassword') {
      const email = typeof body.email === 'string' ? body.email.trim().toLowerCase() : '';
      if (!/^[^\s@]+@[^\s@]+$/.test(email)) return fail(res, 'INVALID_EMAIL');
      if (typeof body.password !== 'string' || body.password === '') return fail(res, 'MISSING_PASSWORD');
      const user = users.find((u) => u.email.toLowerCase() === email);
      const hidden = (code: string) => fail(res, opts.enumerationProtection ? 'INVALID_LOGIN_CREDENTIALS' : code);
      if (!user) return hidden('EMAIL_NOT_FOUND');
      if (!user.hash || !(await verifyPassword(user.hash, body.password))) return hidden('INVALID_PASSWORD');
      if (user.disabled) return fail(res, 'USER_DISABLED');
      const idToken = randomBytes(24).toString('base64url');
      tokens.set(idToken, user.localId);
      return ok(res, {
        kind: 'identitytoolkit#VerifyPasswordResponse',
        localId: user.localId,
        email: user.email,
        displayName: user.displayName ?? '',
        idToken,
        registered: true,
        refreshToken: randomBytes(24).toString('base64url'),
        expiresIn: '3600',
      });
    }
    if (method === 'lookup') {
      const localId = typeof body.idToken === 'string' ? tokens.get(body.idToken) : undefined;
      if (!localId) return fail(res, 'INVALID_ID_TOKEN');
      const u = users.find((x) => x.localId === localId)!;
      return ok(res, {
        kind: 'identitytoolkit#GetAccountInfoResponse',
        users: [
          {
            localId: u.localId,
            email: u.email,
            emailVerified: u.emailVerified ?? false,
            ...(u.displayName ? { displayName: u.displayName } : {}),
            ...(u.photoUrl ? { photoUrl: u.photoUrl } : {}),
            providerUserInfo: [{ providerId: 'password', email: u.email, federatedId: u.email, rawId: u.email }],
            passwordUpdatedAt: Date.now(),
            validSince: String(Math.floor(Date.now() / 1000)),
            disabled: u.disabled ?? false,
            lastLoginAt: String(Date.now()),
            createdAt: String(Date.now()),
          },
        ],
      });
    }
    return fail(res, 'NOT_FOUND', 404);
  };

  const server = createServer((req, res) => {
    handle(req, res).catch(() => fail(res, 'INTERNAL', 500));
  });
  server.listen(0, '127.0.0.1');
  await new Promise<void>((r) => server.once('listening', () => r()));
  sim.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/identitytoolkit.googleapis.com`;
  sim.close = () => new Promise<void>((r) => server.close(() => r()));
  return sim;
}
