import Fastify, { type FastifyError, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { LegacyVerifier } from '../protocol/legacy.js';
import type { Target } from '../protocol/target.js';
import type { GatewayContext } from './context.js';
import { FailureLog } from './failure-log.js';
import type { ExportIndex } from './legacy/export-index.js';
import { BruteForceGuard, type BruteForceOptions } from './limiter.js';
import { createGatewayLogger } from './logger.js';
import { GatewayMetrics } from './metrics.js';
import type { JitPasswordMode } from './provision.js';
import { LoginRouter } from './router.js';
import { registerDashboard } from './routes/dashboard.js';
import { registerLazy } from './routes/lazy.js';
import { registerLogin } from './routes/login.js';
import { registerOps } from './routes/ops.js';
import type { GatewayStore } from '../state/gateway/types.js';
import type { SsoStore } from '../state/sso/types.js';
import { opsAuthorized } from './ops-auth.js';
import type { SsoAutoRollback, SsoProxyConfig } from './sso/config.js';
import { createSsoProxy } from './sso/proxy.js';
import type { ApplyDeps } from '../engine/sync/apply-change.js';
import { SyncWorker, type SyncWorkerOptions } from '../engine/sync/worker.js';
import type { WebhookReceiver } from '../protocol/sync.js';
import type { SyncStore } from '../state/sync/store.js';
import { registerSync } from './routes/sync.js';

/**
 * `flagless serve`: one gateway instance. It owns nothing but its HTTP server, metrics and
 * counters; the store, verifier, target and index are opened by the caller (the CLI, a test, the
 * benchmark) and handed in, and `close()` closes them in order (stop taking requests, flush the
 * failure counts, then the dependencies).
 */
export interface GatewayOptions {
  store: GatewayStore;
  legacy: LegacyVerifier;
  target: Target;
  index?: ExportIndex;
  /** Token for the lazy-migration endpoints (off without one); also guards /metrics and /dashboard unless `opsToken` is set. */
  token?: string;
  /** Token for /metrics and /dashboard (Bearer, or Basic with the token as password); defaults to `token`. */
  opsToken?: string;
  limits?: BruteForceOptions;
  passwordMode?: JitPasswordMode;
  /** Trust X-Forwarded-For from this many proxies / these addresses (Fastify's `trustProxy`). */
  trustProxy?: boolean | string | string[];
  logger?: Logger;
  /** Timing knobs (tests shorten them). */
  leaseMs?: number;
  waitMs?: number;
  targetTimeoutMs?: number;
  legacyTimeoutMs?: number;
  failureFlushMs?: number;
  defaultMetrics?: boolean;
  labels?: Partial<GatewayContext['labels']>;
  /** The switch-off checks for the dashboard (app's `flagless status` on this state). */
  switchOff?: GatewayContext['switchOff'];
  /**
   * Sync from the legacy provider's webhooks (`POST /v1/sync/<vendor>`): the receivers, the inbox
   * (on the state's driver), and how each vendor's events are applied. The gateway runs the worker
   * that drains the inbox and stops it on close.
   */
  sync?: {
    receivers: ReadonlyMap<string, WebhookReceiver>;
    store: SyncStore;
    appliers: ReadonlyMap<string, ApplyDeps>;
    worker?: Omit<SyncWorkerOptions, 'store' | 'appliers' | 'onSettled' | 'onFailed'>;
  };
  /** Close the store, verifier and target with the gateway (default true). */
  ownsDependencies?: boolean;
  /** The SSO cutover proxy (`--sso-config`): its connections, its store (on the same state), auto-rollback. See sso/proxy.ts. */
  sso?: { config: SsoProxyConfig; store: SsoStore; autoRollback?: SsoAutoRollback; flushMs?: number; instance?: string };
}

export interface Gateway {
  app: FastifyInstance;
  context: GatewayContext;
  listen(opts: { port: number; host?: string }): Promise<string>;
  close(): Promise<void>;
}

export async function createGateway(opts: GatewayOptions): Promise<Gateway> {
  const logger = opts.logger ?? createGatewayLogger();
  const metrics = new GatewayMetrics({ defaultMetrics: opts.defaultMetrics ?? false });
  const failures = new FailureLog(opts.store, opts.failureFlushMs ?? 5000);
  const guard = new BruteForceGuard(opts.limits);
  const router = new LoginRouter({
    guard,
    store: opts.store,
    legacy: opts.legacy,
    target: opts.target,
    ...(opts.index ? { index: opts.index } : {}),
    metrics,
    failures,
    ...(opts.passwordMode ? { passwordMode: opts.passwordMode } : {}),
    ...(opts.leaseMs !== undefined ? { leaseMs: opts.leaseMs } : {}),
    ...(opts.waitMs !== undefined ? { waitMs: opts.waitMs } : {}),
    ...(opts.targetTimeoutMs !== undefined ? { targetTimeoutMs: opts.targetTimeoutMs } : {}),
    ...(opts.legacyTimeoutMs !== undefined ? { legacyTimeoutMs: opts.legacyTimeoutMs } : {}),
    log: logger,
  });
  const context: GatewayContext = {
    router,
    store: opts.store,
    target: opts.target,
    legacy: opts.legacy,
    ...(opts.index ? { index: opts.index } : {}),
    metrics,
    failures,
    guard,
    ...(opts.token ? { token: opts.token } : {}),
    ...((opts.opsToken ?? opts.token) ? { opsToken: (opts.opsToken ?? opts.token)! } : {}),
    ...(opts.switchOff ? { switchOff: opts.switchOff } : {}),
    labels: { legacy: opts.legacy.name, target: opts.target.capabilities.displayName, state: opts.store.location, ...opts.labels },
  };
  let worker: SyncWorker | undefined;
  if (opts.sync) {
    const { store: syncStore, appliers } = opts.sync;
    worker = new SyncWorker({
      ...opts.sync.worker,
      store: syncStore,
      appliers,
      onSettled: (row, result, lagMs) => {
        metrics.syncEvents.inc({ vendor: row.vendor, outcome: result.state });
        metrics.syncLagSeconds.observe({ vendor: row.vendor }, lagMs / 1000);
      },
      onFailed: (row, error, quarantined) => {
        metrics.syncEvents.inc({ vendor: row.vendor, outcome: quarantined ? 'quarantined' : 'failed' });
        logger.warn({ vendor: row.vendor, type: row.type, code: error.code, quarantined }, 'sync event failed');
      },
    });
    context.sync = { store: syncStore };
  }

  const app = Fastify({
    loggerInstance: logger,
    trustProxy: opts.trustProxy ?? false,
    // Request logs carry method, URL and status; never a body or a header value.
    bodyLimit: 64 * 1024,
    // Fastify's default Ajv coerces types (["pw"] becomes "pw", 1 becomes "1"): a body is taken
    // exactly as sent, or refused with 400.
    ajv: { customOptions: { coerceTypes: false } },
  }) as unknown as FastifyInstance;

  // Fastify's own messages for malformed bodies can quote the body (a JSON syntax error shows the
  // text around the fault, which may be the password), so none of them reaches a client or a log.
  app.setErrorHandler((err: FastifyError, req, reply) => {
    const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
    if (status === 500) req.log.error({ code: err.code ?? 'E_INTERNAL' }, 'request failed');
    else req.log.info({ code: err.code ?? 'bad_request', status }, 'request rejected');
    const message = err.validation
      ? `the body does not match the expected shape (${err.validation.map((v) => `${v.instancePath || '/'} ${v.message ?? ''}`.trim()).join('; ')})`
      : status === 415
        ? 'the body must be application/json'
        : status === 413
          ? 'the body is too large'
          : status === 500
            ? 'internal error'
            : 'the request is malformed';
    return reply.code(status).send({ ok: false, error: { code: status === 500 ? 'internal' : 'bad_request', message } });
  });
  app.setNotFoundHandler((_req, reply) => reply.code(404).send({ ok: false, error: { code: 'not_found', message: 'no such endpoint' } }));

  registerLogin(app, context);
  registerLazy(app, context);
  registerOps(app, context);
  registerDashboard(app, context);
  if (opts.sso) {
    context.sso = await createSsoProxy({
      ...opts.sso,
      registry: metrics.registry,
      logger,
      authorize: (req, reply) => opsAuthorized(context, req, reply),
      outcomeToken: Boolean(context.opsToken),
    });
    await context.sso.register(app);
  }
  if (opts.sync && worker) registerSync(app, context, { receivers: opts.sync.receivers, store: opts.sync.store, worker });
  await app.ready();
  worker?.start();
  // Verification processes and the decoy's measured cost, before the first login.
  await opts.legacy.warm?.();

  let closed = false;
  return {
    app,
    context,
    async listen({ port, host = '127.0.0.1' }) {
      return app.listen({ port, host });
    },
    async close() {
      if (closed) return;
      closed = true;
      await app.close();
      await worker?.stop();
      await failures.close();
      await context.sso?.close();
      if (opts.ownsDependencies !== false) {
        await opts.legacy.close().catch(() => undefined);
        await opts.target.close().catch(() => undefined);
        await opts.store.close().catch(() => undefined);
        await opts.index?.close().catch(() => undefined);
        await opts.sso?.store.close().catch(() => undefined);
      }
    },
  };
}
