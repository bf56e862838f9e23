/**
 * Shared parts of the gateway tests: a generated Clerk export with known passwords, the real
 * Better Auth target on SQLite, the gateway on a port of its own, and a target wrapper that
 * fails on demand (an outage in the middle of a JIT move).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { parse } from 'csv-parse/sync';
import pino from 'pino';
import { generate as generateClerk, source as clerkSource } from '../../src/connectors/clerk/index.js';
import { target as betterAuth } from '../../src/connectors/better-auth/index.js';
import { emptyUser, type CanonicalUser } from '../../src/model/user.js';
import { FlaglessError } from '../../src/protocol/errors.js';
import type { Source } from '../../src/protocol/source.js';
import type { LegacyVerifier } from '../../src/protocol/legacy.js';
import type { Target } from '../../src/protocol/target.js';
import { buildExportIndex, type ExportIndex, type ExportIndexStorage } from '../../src/gateway/legacy/export-index.js';
import { ExportVerifier } from '../../src/gateway/legacy/export-verifier.js';
import { createGateway, type Gateway, type GatewayOptions } from '../../src/gateway/server.js';
import { openGatewayStore } from '../../src/state/gateway/open.js';
import type { SqlGatewayStore } from '../../src/state/gateway/sql-store.js';

export function tempDir(): { dir: string; remove: () => void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flagless-'));
  return { dir, remove: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

export interface ClerkExport {
  csv: string;
  apiDump: string;
  logins: { identifier: string; password: string }[];
}

export async function clerkExport(dir: string, users: number, opts: { clean?: boolean; seed?: string } = {}): Promise<ClerkExport> {
  const csv = path.join(dir, 'users.csv');
  const plaintexts = path.join(dir, 'logins.csv');
  const result = await generateClerk({ users, out: csv, seed: opts.seed ?? 'gateway', plaintexts, clean: opts.clean ?? true });
  const apiDump = result.files.find((f) => f.role === 'api-dump')?.path ?? '';
  const logins = (parse(fs.readFileSync(plaintexts, 'utf8'), { columns: true }) as { identifier: string; password: string }[]).map((r) => ({ identifier: r.identifier, password: r.password }));
  return { csv, apiDump, logins };
}

export async function clerkIndex(exp: ClerkExport, storage: ExportIndexStorage = 'memory'): Promise<ExportIndex> {
  const src = clerkSource.open({ file: exp.csv, ...(exp.apiDump ? { apiDump: exp.apiDump } : {}), env: {} });
  return buildExportIndex(src, storage);
}

export async function openBetterAuth(db: string): Promise<Target> {
  return betterAuth.open({ env: { BETTER_AUTH_SECRET: 'flagless-test-secret-0123456789abcdef0123456789' }, db });
}

/** Captures log lines so tests can assert nothing secret was written. */
export function captureLogs(): { logger: pino.Logger; text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, cb) {
      chunks.push(String(chunk));
      cb();
    },
  });
  return { logger: pino({ level: 'debug', redact: { paths: ['password', '*.password'], censor: '[redacted]' } }, stream), text: () => chunks.join('') };
}

export interface Running {
  gateway: Gateway;
  url: string;
  store: SqlGatewayStore;
  post(pathname: string, body: unknown, headers?: Record<string, string>): Promise<{ status: number; body: any; headers: Headers }>;
  get(pathname: string, headers?: Record<string, string>): Promise<{ status: number; body: any; text: string; headers: Headers }>;
  close(): Promise<void>;
}

export async function startGateway(options: Omit<GatewayOptions, 'store'> & { state: string }): Promise<Running> {
  const store = await openGatewayStore(options.state);
  const { state: _state, ...rest } = options;
  const gateway = await createGateway({ failureFlushMs: 200, logger: pino({ level: 'silent' }), ...rest, store });
  const url = await gateway.listen({ port: 0, host: '127.0.0.1' });
  return {
    gateway,
    url,
    store,
    async post(pathname, body, headers = {}) {
      const res = await fetch(url + pathname, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) });
      const text = await res.text();
      return { status: res.status, body: text ? JSON.parse(text) : undefined, headers: res.headers };
    },
    async get(pathname, headers = {}) {
      const res = await fetch(url + pathname, { headers });
      const text = await res.text();
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch {
        body = undefined;
      }
      return { status: res.status, body, text, headers: res.headers };
    },
    close: () => gateway.close(),
  };
}

/** Logins of users the gateway can move: enabled, with a hash, identifier naming one user. */
export function movableLogins(exp: ClerkExport, index: ExportIndex): { identifier: string; password: string }[] {
  return exp.logins.filter((l) => {
    const ids = index.sourceIdsFor(l.identifier);
    const u = ids.length === 1 ? index.user(ids[0]!) : undefined;
    return u !== undefined && !u.disabled && u.passwordPlan === 'import';
  });
}

export function exportVerifier(index: ExportIndex): LegacyVerifier {
  return new ExportVerifier(index);
}

/** Runs `fn` over `items` with at most `limit` in flight. */
export async function pool<T, R>(items: readonly T[], limit: number, fn: (item: T, i: number) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      for (;;) {
        const i = next++;
        if (i >= items.length) return;
        out[i] = await fn(items[i]!, i);
      }
    }),
  );
  return out;
}

/** A Target whose methods can be made to fail (an outage) and whose calls are counted. */
export interface FaultyTarget extends Target {
  readonly inner: Target;
  readonly calls: Record<string, number>;
  readonly failing: Set<string>;
}

/** The calls an outage can hit; they are counted. */
const GATED = new Set(['findUser', 'createUser', 'updateUser', 'findOrganization', 'createOrganization', 'ensureMembership', 'getUser', 'login', 'setPassword']);
/** Passed through untouched. Anything else (createUsers, lossyNotes...) is absent, as the gateway uses none of it. */
const PLAIN = new Set(['capabilities', 'stats', 'listUsers', 'close']);

export function faultyTarget(inner: Target): FaultyTarget {
  const calls: Record<string, number> = {};
  const failing = new Set<string>();
  const own: Record<string, unknown> = { inner, calls, failing };
  return new Proxy(inner, {
    get(t, prop) {
      if (typeof prop !== 'string') return undefined;
      if (prop in own) return own[prop];
      const v = Reflect.get(t, prop) as unknown;
      if (PLAIN.has(prop)) return typeof v === 'function' ? v.bind(t) : v;
      if (!GATED.has(prop) || typeof v !== 'function') return undefined;
      return async (...args: unknown[]) => {
        calls[prop] = (calls[prop] ?? 0) + 1;
        if (failing.has(prop)) throw new FlaglessError('E_TARGET_UNAVAILABLE', `simulated outage in ${prop}`, { errorClass: 'retriable' });
        return (v as (...a: unknown[]) => unknown).apply(t, args);
      };
    },
  }) as FaultyTarget;
}

export async function countTargetUsers(target: Target): Promise<number> {
  let n = 0;
  for await (const _ of target.listUsers()) n++;
  return n;
}

/** A bcrypt hash at cost 31: well formed, and about 2²¹ times the work of cost 10 (days of CPU). */
// The salt and hash of a real cost-4 hash (a salt whose last character has stray bits is refused at once).
export const BOMB = '$2b$31$1dkiwu131.pidqow.V2SmutUPi6huXS1M9uY7yCX9HOyXxwucliae';

/** A user with one verified email and, optionally, a hash and a username. */
export function user(id: string, email: string, password?: CanonicalUser['password'], username?: string): CanonicalUser {
  const u = emptyUser(id);
  u.emails = [{ address: email, normalized: email.toLowerCase(), verified: true, primary: true }];
  if (username) u.username = username;
  if (password) {
    u.password = password;
    u.passwordPlan = 'import';
  } else u.passwordPlan = 'jit';
  return u;
}

/** An export index of hand-made users. */
export async function indexOf(users: CanonicalUser[]): Promise<ExportIndex> {
  const source = {
    vendor: 'clerk',
    async *read() {
      for (const u of users) yield { type: 'user' as const, user: u };
    },
  } as unknown as Source;
  return buildExportIndex(source);
}
