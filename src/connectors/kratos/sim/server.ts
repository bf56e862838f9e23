import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HttpError, readJson, send, type SimContext, type SimReply } from './http.js';
import { batchPatch, createIdentity, getIdentity, listIdentities, patchIdentity, updateIdentity } from './routes-identities.js';
import { createRelationship, deleteRelationships, getRelationships } from './routes-keto.js';
import { LoginFlows } from './routes-login.js';
import { RecoveryFlows, type SimCourierMessage } from './routes-recovery.js';
import { SimStore } from './state.js';
import { DEFAULT_IDENTITY_SCHEMA } from './traits.js';

/**
 * A strict local stand-in for Ory Kratos (admin + public API) and Keto's relationship API on one
 * port: Kratos and Keto are Go servers that cannot run here. Paths, bodies and answers follow
 * Kratos's and Keto's OpenAPI specs and handlers (see routes-*.ts); passwords verify for real.
 *
 * Optional Ory Network behaviour: a bearer token on the admin APIs (401 without it), and the
 * project rate limit of the `kratos-admin-low` bucket that PATCH/POST/PUT /admin/identities
 * belong to (burst per second and sustained per minute, 429 with x-ratelimit-* headers).
 * `/_sim/stats` (GET) needs no token.
 */

export interface KratosSimulatorOptions {
  port?: number;
  host?: string;
  /** Bearer token the admin APIs require (Ory Network API key); none = self-hosted, open admin port. */
  adminToken?: string;
  /** Identity schemas by id; default `{default: DEFAULT_IDENTITY_SCHEMA}`. */
  schemas?: Record<string, unknown>;
  defaultSchemaId?: string;
  /** The password-migration hook (Kratos `selfservice.methods.password.config.migrate_hook`). */
  migrationHookUrl?: string;
  migrationHookToken?: string;
  /** Cost of the bcrypt hashes the simulator makes itself (Kratos default 12). */
  bcryptCost?: number;
  /** Identity write limit, as Ory Network's project limits: burst per second and sustained per minute. */
  rateLimit?: { perSecond: number; perMinute: number };
  /** Test hook: runs after a batch PATCH was applied, before its answer is sent (crash tests kill the client here). */
  afterBatchApplied?: (created: number) => void | Promise<void>;
}

export interface KratosSimulatorStats {
  requests: number;
  writeRequests: number;
  writesApplied: number;
  rateLimited: number;
  unauthorized: number;
  identities: number;
  tuples: number;
  logins: { succeeded: number; failed: number };
  hookCalls: number;
  statuses: Record<string, number>;
}

export interface KratosSimulator {
  url: string;
  port: number;
  store: SimStore;
  stats(): KratosSimulatorStats;
  /** Messages Kratos's courier sent (recovery codes), oldest first, without the codes. */
  outbox(): SimCourierMessage[];
  /** Changes the hook URL at run time (tests start the gateway after the simulator). */
  setMigrationHook(url: string | undefined, token?: string): void;
  stop(): Promise<void>;
}

const WRITE_PATHS = /^\/admin\/identities(\/[^/]+)?$/;

export async function startKratosSimulator(options: KratosSimulatorOptions = {}): Promise<KratosSimulator> {
  const store = new SimStore();
  const schemas = new Map(Object.entries(options.schemas ?? { default: DEFAULT_IDENTITY_SCHEMA }));
  const defaultSchemaId = options.defaultSchemaId ?? 'default';
  if (!schemas.has(defaultSchemaId)) throw new Error(`the default schema "${defaultSchemaId}" is not among the schemas`);
  const counters = { requests: 0, writeRequests: 0, rateLimited: 0, unauthorized: 0, statuses: {} as Record<string, number> };
  const ctx: SimContext = {
    store,
    url: '',
    schemas,
    defaultSchemaId,
    schemaUrl: (id) => `${ctx.url}/schemas/${Buffer.from(id).toString('base64url')}`,
    bcryptCost: options.bcryptCost ?? 12,
    migrationHookUrl: options.migrationHookUrl,
    migrationHookToken: options.migrationHookToken,
    stats: { writesApplied: 0, logins: { succeeded: 0, failed: 0 }, hookCalls: 0 },
  };
  const flows = new LoginFlows();
  const recovery = new RecoveryFlows();
  const writeTimes: number[] = [];

  const limited = (): HttpError | undefined => {
    const limit = options.rateLimit;
    if (!limit) return undefined;
    const now = Date.now();
    while (writeTimes.length && writeTimes[0]! <= now - 60_000) writeTimes.shift();
    const lastSecond = writeTimes.filter((t) => t > now - 1000).length;
    if (lastSecond >= limit.perSecond || writeTimes.length >= limit.perMinute) {
      const resetMs = lastSecond >= limit.perSecond ? 1000 - (now - writeTimes.find((t) => t > now - 1000)!) : 60_000 - (now - writeTimes[0]!);
      return new HttpError(429, 'Rate limit exceeded', {
        'x-ratelimit-limit': `${limit.perSecond}, ${limit.perSecond};w=1, ${limit.perMinute};w=60`,
        'x-ratelimit-remaining': '0',
        'x-ratelimit-reset': String(Math.max(1, Math.ceil(resetMs / 1000))),
      });
    }
    writeTimes.push(now);
    return undefined;
  };

  const route = async (req: IncomingMessage, url: URL): Promise<SimReply> => {
    const method = req.method ?? 'GET';
    const path = url.pathname.replace(/\/+$/, '') || '/';
    if (path === '/_sim/stats' && method === 'GET') return { status: 200, body: stats() };
    if (path === '/health/alive' || path === '/health/ready') return { status: 200, body: { status: 'ok' } };
    const admin = path.startsWith('/admin/');
    if (admin && options.adminToken !== undefined && req.headers.authorization !== `Bearer ${options.adminToken}`) {
      counters.unauthorized++;
      throw new HttpError(401, 'The request could not be authorized: a valid API key is required.');
    }
    if (method !== 'GET' && WRITE_PATHS.test(path)) {
      counters.writeRequests++;
      const tooMany = limited();
      if (tooMany) {
        counters.rateLimited++;
        throw tooMany;
      }
    }
    if (path === '/admin/identities') {
      if (method === 'PATCH') {
        const reply = await batchPatch(ctx, await readJson(req));
        const created = (reply.body as { identities: { action: string }[] }).identities.filter((i) => i.action === 'create').length;
        await options.afterBatchApplied?.(created);
        return reply;
      }
      if (method === 'POST') return createIdentity(ctx, await readJson(req));
      if (method === 'GET') return listIdentities(ctx, url);
    }
    const byExternal = /^\/admin\/identities\/by\/external\/([^/]+)$/.exec(path);
    if (byExternal && method === 'GET') {
      const id = store.byExternalId.get(decodeURIComponent(byExternal[1]!));
      return getIdentity(ctx, id ? store.identities.get(id) : undefined, url);
    }
    const one = /^\/admin\/identities\/([^/]+)$/.exec(path);
    if (one) {
      const id = decodeURIComponent(one[1]!);
      if (method === 'GET') return getIdentity(ctx, store.identities.get(id), url);
      if (method === 'PUT') return updateIdentity(ctx, id, await readJson(req));
      if (method === 'PATCH') return patchIdentity(ctx, id, await readJson(req));
      if (method === 'DELETE') {
        if (!store.delete(id)) throw new HttpError(404, 'Unable to locate the resource');
        ctx.stats.writesApplied++;
        return { status: 204 };
      }
    }
    if (path === '/schemas' && method === 'GET') {
      return { status: 200, body: [...schemas].map(([id, schema]) => ({ id, schema })) };
    }
    const schema = /^\/schemas\/([^/]+)$/.exec(path);
    if (schema && method === 'GET') {
      const raw = decodeURIComponent(schema[1]!);
      const found = schemas.get(raw) ?? schemas.get(Buffer.from(raw, 'base64url').toString('utf8'));
      if (!found) throw new HttpError(404, 'The requested resource could not be found');
      return { status: 200, body: found };
    }
    if (path === '/self-service/login/api' && method === 'GET') return flows.create(ctx);
    if (path === '/self-service/recovery/api' && method === 'GET') return recovery.create(ctx);
    if (path === '/self-service/recovery' && method === 'POST') return recovery.submit(ctx, url.searchParams.get('flow'), await readJson(req));
    if ((path === '/admin/recovery/code' || path === '/admin/recovery/link') && method === 'POST') return recovery.admin(ctx, path.endsWith('code') ? 'code' : 'link', await readJson(req));
    if (path === '/self-service/login' && method === 'POST') return flows.submit(ctx, url.searchParams.get('flow'), await readJson(req));
    if (path === '/admin/relation-tuples') {
      if (method === 'PUT') return createRelationship(ctx, await readJson(req));
      if (method === 'DELETE') return deleteRelationships(ctx, url, (await readJson(req)) === undefined);
    }
    if (path === '/relation-tuples' && method === 'GET') return getRelationships(ctx, url);
    throw new HttpError(404, `no route for ${method} ${url.pathname}`);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    counters.requests++;
    let reply: SimReply;
    try {
      reply = await route(req, new URL(req.url ?? '/', ctx.url));
    } catch (e) {
      reply = e instanceof HttpError ? { status: e.status, body: e.body(), headers: e.headers } : { status: 500, body: new HttpError(500, (e as Error).message).body() };
    }
    counters.statuses[reply.status] = (counters.statuses[reply.status] ?? 0) + 1;
    send(res, reply);
  };

  const stats = (): KratosSimulatorStats => ({
    requests: counters.requests,
    writeRequests: counters.writeRequests,
    writesApplied: ctx.stats.writesApplied,
    rateLimited: counters.rateLimited,
    unauthorized: counters.unauthorized,
    identities: store.identities.size,
    tuples: store.tuples.size,
    logins: { ...ctx.stats.logins },
    hookCalls: ctx.stats.hookCalls,
    statuses: { ...counters.statuses },
  });

  const server = createServer((req, res) => void handle(req, res));
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  ctx.url = `http://${options.host ?? '127.0.0.1'}:${port}`;
  return {
    url: ctx.url,
    port,
    store,
    stats,
    outbox: () => recovery.outbox.map((m) => ({ ...m })),
    setMigrationHook(url, token) {
      ctx.migrationHookUrl = url;
      ctx.migrationHookToken = token;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
