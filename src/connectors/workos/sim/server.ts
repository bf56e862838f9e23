import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { authRoutes } from './routes-auth.js';
import { factorRoutes } from './routes-factors.js';
import { FAULT_KINDS, NO_FAULTS, describeFaultSpec, parseFaultSpec, pickFault, pickLatency, seededRandom, type FaultKind, type FaultSpec } from './faults.js';
import { SimApiError, parseJsonObject, readBody, sendBadGatewayHtml, sendJson } from './http.js';
import { SlidingWindowLimiter, TokenBucket } from './limits.js';
import { organizationRoutes } from './routes-orgs.js';
import { portalRoutes } from './routes-portal.js';
import { passwordResetRoutes, type SimOutboxEmail } from './routes-password-reset.js';
import { userRoutes, type Route, type SimContext, type SimResponse } from './routes-users.js';
import { SimStore, membershipJson, newId, organizationJson, userJson } from './state.js';

/**
 * A strict local stand-in for the WorkOS User Management API (the real one cannot be reached
 * here). It speaks the exact paths, bodies and response shapes @workos-inc/node 8.13 uses, verifies
 * imported password hashes for real at /user_management/authenticate, enforces the documented
 * validation, uniqueness, pagination and rate limits, and injects faults on demand.
 *
 * Request pipeline: latency → API key (401) → route (404) → rate limit (429, before anything is
 * applied) → body → fault before commit (5xx | timeout | reset) → handler → fault after commit
 * (5xx-after-commit | timeout-after-commit | reset-after-commit) → response.
 *
 * `/_sim/stats` (GET), `/_sim/config` (POST {faults?, rateLimit?, burst?}) and `/health` need no key.
 */

export interface WorkosSimulatorOptions {
  port?: number;
  host?: string;
  /** The one valid API key (Authorization: Bearer …; also the client_secret at authenticate). */
  apiKey?: string;
  /** The client id authenticate accepts. */
  clientId?: string;
  /** Accepted write requests per second per key; 0 disables. Default 50 (500 per 10 s, documented). */
  rateLimit?: number;
  /** Largest burst of writes; default rateLimit × 10 (the documented 10-second window). */
  burst?: number;
  /** Reads per second; 0 disables. Default 100 (1,000 per 10 s, documented). */
  readRateLimit?: number;
  readBurst?: number;
  /**
   * Reads draw from the write bucket (one budget for every request), as a stricter stand-in than
   * WorkOS's documented separate limits: a benchmark uses it to count every read a run spends.
   */
  sharedBudget?: boolean;
  /** Authenticate attempts per email per 60 s; 0 disables. Default 10 (documented). */
  loginsPerEmailPerMinute?: number;
  /** `DELETE /organizations/*` per API key per 60 s; 0 disables. Default 50 (documented). */
  organizationDeletesPerMinute?: number;
  /** A fault spec (see sim/faults.ts), e.g. `5xx=0.1,reset-after-commit=0.02,latency=20ms`. */
  faults?: string | FaultSpec;
  /** Seed for fault and latency draws (reproducible runs). */
  seed?: number;
  /** How long a `timeout` fault holds a request before dropping the connection. Default 120 s. */
  timeoutHoldMs?: number;
  /** Role slugs that exist in the environment; default: any well-formed slug is accepted. */
  roles?: string[];
  /** Refuse password sign-in for unverified emails (email_verification_required). Default false. */
  requireEmailVerification?: boolean;
  /**
   * HTTP status of a wrong-password answer (`{code: 'invalid_credentials'}`). Default 401, as
   * workos/emulate answers; WorkOS does not document it, so the connector handles 400 too.
   */
  invalidCredentialsStatus?: 400 | 401;
}

export interface WorkosSimulatorStats {
  requests: number;
  reads: number;
  writes: number;
  /** Write requests (not authenticate) that passed the key check and the rate limit. */
  acceptedWrites: number;
  /** Read requests that passed the key check and the rate limit. */
  acceptedReads: number;
  /** Changes actually applied to the simulator's state. */
  writesApplied: number;
  rateLimited: number;
  unauthorized: number;
  faults: Record<FaultKind, number>;
  logins: { succeeded: number; failed: number };
  statuses: Record<string, number>;
  /** Admin Portal links issued. */
  portalLinks: number;
  users: number;
  organizations: number;
  memberships: number;
  /** Emails sent (password reset emails). */
  emailsSent: number;
  uptimeMs: number;
  config: { rateLimit: number; burst: number; readRateLimit: number; faults: string };
}

export interface WorkosSimulator {
  url: string;
  port: number;
  apiKey: string;
  clientId: string;
  stats(): WorkosSimulatorStats;
  /** Users as the API shows them, plus how their password was given (never the hash). */
  users(): (Record<string, unknown> & { password_source: string | null })[];
  organizations(): Record<string, unknown>[];
  memberships(): Record<string, unknown>[];
  /** Emails WorkOS would have sent (password reset emails), oldest first, without tokens. */
  outbox(): SimOutboxEmail[];
  setFaults(spec: string | FaultSpec): void;
  setRateLimit(rate: number, burst?: number): void;
  stop(): Promise<void>;
}

export const DEFAULT_SIM_API_KEY = 'sk_test_flagless_simulator';
export const DEFAULT_SIM_CLIENT_ID = 'client_flagless_simulator';
export const DEFAULT_WRITE_RATE = 50;
export const DEFAULT_READ_RATE = 100;

const ROUTES: Route[] = [...userRoutes, ...factorRoutes, ...organizationRoutes, ...portalRoutes, ...authRoutes, ...passwordResetRoutes];

function match(method: string, path: string): { route: Route; params: string[] } | 'no-route' {
  for (const route of ROUTES) {
    if (route.method !== method) continue;
    const m = route.pattern.exec(path);
    if (!m) continue;
    const params = m.slice(1).map((p) => {
      try {
        return decodeURIComponent(p);
      } catch {
        throw new SimApiError(400, 'Malformed path', 'invalid_request');
      }
    });
    return { route, params };
  }
  return 'no-route';
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export async function startWorkosSimulator(opts: WorkosSimulatorOptions = {}): Promise<WorkosSimulator> {
  const apiKey = opts.apiKey ?? DEFAULT_SIM_API_KEY;
  const clientId = opts.clientId ?? DEFAULT_SIM_CLIENT_ID;
  const holdMs = opts.timeoutHoldMs ?? 120_000;
  const random = seededRandom(opts.seed ?? Math.floor(Math.random() * 2 ** 32));
  let faults: FaultSpec = typeof opts.faults === 'string' ? parseFaultSpec(opts.faults) : (opts.faults ?? NO_FAULTS);
  const bucket = (rate: number, burst: number | undefined) => (rate > 0 ? new TokenBucket(rate, burst ?? rate * 10) : undefined);
  let writeRate = opts.rateLimit ?? DEFAULT_WRITE_RATE;
  let writeBucket = bucket(writeRate, opts.burst);
  const readRate = opts.readRateLimit ?? DEFAULT_READ_RATE;
  const readBucket = bucket(readRate, opts.readBurst);
  const perEmail = opts.loginsPerEmailPerMinute ?? 10;
  const orgDeletes = opts.organizationDeletesPerMinute ?? 50;
  const orgDeleteLimiter = orgDeletes > 0 ? new SlidingWindowLimiter(orgDeletes, 60_000) : undefined;
  const store = new SimStore();
  const started = Date.now();
  const counters = {
    requests: 0,
    reads: 0,
    writes: 0,
    acceptedWrites: 0,
    acceptedReads: 0,
    writesApplied: 0,
    rateLimited: 0,
    unauthorized: 0,
    faults: Object.fromEntries(FAULT_KINDS.map((k) => [k, 0])) as Record<FaultKind, number>,
    logins: { succeeded: 0, failed: 0 },
    statuses: {} as Record<string, number>,
  };
  const ctx: SimContext = {
    store,
    apiKey,
    clientId,
    roles: opts.roles,
    requireEmailVerification: opts.requireEmailVerification ?? false,
    invalidCredentialsStatus: opts.invalidCredentialsStatus ?? 401,
    loginLimiter: perEmail > 0 ? new SlidingWindowLimiter(perEmail, 60_000) : undefined,
    challenges: new Map(),
    pendingAuthentications: new Map(),
    commit: () => void counters.writesApplied++,
    onLogin: (ok) => void (ok ? counters.logins.succeeded++ : counters.logins.failed++),
  };
  const heldTimers = new Set<NodeJS.Timeout>();

  const stats = (): WorkosSimulatorStats => ({
    ...counters,
    faults: { ...counters.faults },
    logins: { ...counters.logins },
    statuses: { ...counters.statuses },
    users: store.users.size,
    organizations: store.organizations.size,
    memberships: store.memberships.size,
    portalLinks: store.portalLinks.length,
    emailsSent: store.outbox.length,
    uptimeMs: Date.now() - started,
    config: { rateLimit: writeRate, burst: writeBucket?.burst ?? 0, readRateLimit: readRate, faults: describeFaultSpec(faults) },
  });

  const reply = (res: ServerResponse, r: SimResponse) => {
    counters.statuses[r.status] = (counters.statuses[r.status] ?? 0) + 1;
    if (r.status === 429) counters.rateLimited++;
    sendJson(res, r.status, r.body, { 'x-request-id': newId('req'), ...r.headers });
  };
  const replyError = (res: ServerResponse, e: unknown) => {
    if (e instanceof SimApiError) {
      reply(res, { status: e.status, body: e.body(), ...(e.more.headers ? { headers: e.more.headers } : {}) });
    } else {
      reply(res, { status: 500, body: { message: 'Internal Server Error', code: 'server_error' } });
    }
  };
  const hold = (res: ServerResponse) => {
    const timer = setTimeout(() => res.socket?.destroy(), holdMs);
    heldTimers.add(timer);
    res.on('close', () => {
      clearTimeout(timer);
      heldTimers.delete(timer);
    });
  };
  const serverError = (res: ServerResponse) => {
    const status = [500, 502, 503][Math.floor(random() * 3)]!;
    counters.statuses[status] = (counters.statuses[status] ?? 0) + 1;
    if (status === 502) sendBadGatewayHtml(res);
    else sendJson(res, status, { message: status === 500 ? 'Internal Server Error' : 'Service Unavailable', code: 'server_error' });
  };
  /** Applies a fault; true when the request is finished (no normal response). */
  const applyFault = (kind: FaultKind, req: IncomingMessage, res: ServerResponse): void => {
    counters.faults[kind]++;
    if (kind.startsWith('5xx')) serverError(res);
    else if (kind.startsWith('timeout')) hold(res);
    else req.socket.destroy();
  };

  async function simEndpoint(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    if (path === '/_sim/stats' && req.method === 'GET') return sendJson(res, 200, stats());
    if (path === '/_sim/outbox' && req.method === 'GET') return sendJson(res, 200, { data: store.outbox });
    if (path === '/_sim/config' && req.method === 'POST') {
      const body = parseJsonObject(await readBody(req));
      if (typeof body.faults === 'string') faults = parseFaultSpec(body.faults);
      if (typeof body.rateLimit === 'number') {
        writeRate = body.rateLimit;
        writeBucket = bucket(writeRate, typeof body.burst === 'number' ? body.burst : undefined);
      }
      return sendJson(res, 200, stats().config);
    }
    return sendJson(res, 404, { message: 'Not Found', code: 'not_found' });
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://sim.invalid');
    const path = url.pathname;
    if (path.startsWith('/_sim/')) return simEndpoint(req, res, path);
    if (path === '/health') return sendJson(res, 200, { status: 'ok' });
    const method = req.method ?? 'GET';
    const isWrite = method === 'POST' || method === 'PUT' || method === 'DELETE';
    counters.requests++;
    if (isWrite) counters.writes++;
    else counters.reads++;

    const latency = pickLatency(faults, random);
    if (latency > 0) await sleep(latency);

    const found = match(method, path);
    const auth = req.headers.authorization;
    const isLogin = found !== 'no-route' && found.route.kind === 'login';
    if (auth !== `Bearer ${apiKey}` && !(isLogin && auth === undefined)) {
      counters.unauthorized++;
      return reply(res, { status: 401, body: { message: 'Unauthorized', code: 'unauthorized' } });
    }
    if (found === 'no-route') return reply(res, { status: 404, body: { message: 'Not Found', code: 'not_found' } });

    const limiter = found.route.kind === 'write' ? writeBucket : found.route.kind === 'read' ? (opts.sharedBudget ? writeBucket : readBucket) : undefined;
    if (limiter) {
      const take = limiter.take();
      if (!take.ok) {
        return reply(res, {
          status: 429,
          body: { message: `Rate limit exceeded. Retry after ${take.retryAfterSeconds} seconds.`, code: 'rate_limit_exceeded' },
          headers: { 'retry-after': String(take.retryAfterSeconds) },
        });
      }
    }
    // WorkOS's own limit on organization deletes, on top of the general one (per API key).
    const orgDelete = method === 'DELETE' && /^\/organizations\/[^/]+$/.test(path) ? orgDeleteLimiter?.take(apiKey) : undefined;
    if (orgDelete && !orgDelete.ok) {
      return reply(res, {
        status: 429,
        body: { message: `Rate limit exceeded. Retry after ${orgDelete.retryAfterSeconds} seconds.`, code: 'rate_limit_exceeded' },
        headers: { 'retry-after': String(orgDelete.retryAfterSeconds) },
      });
    }
    if (found.route.kind === 'write') counters.acceptedWrites++;
    else if (found.route.kind === 'read') counters.acceptedReads++;

    const text = isWrite ? await readBody(req) : '';
    const fault = pickFault(faults, random);
    if (fault && !fault.endsWith('-after-commit')) return applyFault(fault, req, res);

    let result: SimResponse | undefined;
    let failure: unknown;
    try {
      const body = isWrite ? parseJsonObject(text) : {};
      result = await found.route.handle(ctx, { method, params: found.params, query: url.searchParams, headers: req.headers, body });
    } catch (e) {
      failure = e;
    }
    if (fault) return applyFault(fault, req, res);
    if (result) reply(res, result);
    else replyError(res, failure);
  }

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((e) => replyError(res, e));
  });
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => resolve());
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;

  return {
    url: `http://${host}:${address.port}`,
    port: address.port,
    apiKey,
    clientId,
    stats,
    users: () => [...store.users.values()].map((u) => ({ ...userJson(u), password_source: u.password?.source ?? null })),
    organizations: () => [...store.organizations.values()].map(organizationJson),
    memberships: () => [...store.memberships.values()].map((m) => membershipJson(m, store.organizations.get(m.organizationId))),
    outbox: () => store.outbox.map((m) => ({ ...m })),
    setFaults(spec) {
      faults = typeof spec === 'string' ? parseFaultSpec(spec) : spec;
    },
    setRateLimit(rate, burst) {
      writeRate = rate;
      writeBucket = bucket(rate, burst);
    },
    async stop() {
      for (const t of heldTimers) clearTimeout(t);
      heldTimers.clear();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    },
  };
}
