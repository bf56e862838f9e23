import Fastify, { type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { Registry, collectDefaultMetrics } from 'prom-client';
import type { SsoStore } from '../../state/sso/types.js';
import { BruteForceGuard } from '../limiter.js';
import { createGatewayLogger } from '../logger.js';
import { opsAuthorized } from '../ops-auth.js';
import { withTimeout } from '../timeout.js';
import type { SsoAutoRollback, SsoProxyConfig } from './config.js';
import { renderSsoPage } from './panel.js';
import { createSsoProxy, type SsoProxy } from './proxy.js';

/**
 * `flagless serve --sso-config` without `--from/--to`: a gateway that is only the SSO cutover
 * proxy (no password logins), with /healthz, /readyz (the state store), /metrics and /dashboard
 * (the SSO panel) behind the ops token as in the full gateway. Inside the full gateway the same
 * proxy is mounted by `createGateway({ sso })`.
 */
export interface SsoGatewayOptions {
  config: SsoProxyConfig;
  store: SsoStore;
  opsToken?: string;
  autoRollback?: SsoAutoRollback;
  trustProxy?: boolean;
  logger?: Logger;
  flushMs?: number;
  instance?: string;
  defaultMetrics?: boolean;
  /** Close the store with the gateway (default true). */
  ownsStore?: boolean;
}

export interface SsoGateway {
  app: FastifyInstance;
  proxy: SsoProxy;
  registry: Registry;
  listen(opts: { port: number; host?: string }): Promise<string>;
  close(): Promise<void>;
}

export async function createSsoGateway(o: SsoGatewayOptions): Promise<SsoGateway> {
  const logger = o.logger ?? createGatewayLogger();
  const registry = new Registry();
  if (o.defaultMetrics) collectDefaultMetrics({ register: registry, prefix: 'flagless_gateway_' });
  const ops = { guard: new BruteForceGuard(), ...(o.opsToken ? { opsToken: o.opsToken } : {}) };
  const app = Fastify({ loggerInstance: logger, trustProxy: o.trustProxy ?? false, bodyLimit: 64 * 1024, ajv: { customOptions: { coerceTypes: false } } }) as unknown as FastifyInstance;
  app.setNotFoundHandler((_req, reply) => reply.code(404).send({ ok: false, error: { code: 'not_found', message: 'no such endpoint' } }));
  const proxy = await createSsoProxy({
    config: o.config,
    store: o.store,
    registry,
    logger,
    authorize: (req, reply) => opsAuthorized(ops, req, reply),
    outcomeToken: Boolean(o.opsToken),
    ...(o.autoRollback ? { autoRollback: o.autoRollback } : {}),
    ...(o.flushMs !== undefined ? { flushMs: o.flushMs } : {}),
    ...(o.instance ? { instance: o.instance } : {}),
  });
  await proxy.register(app);
  app.get('/healthz', async (_req, reply) => reply.code(200).send({ status: 'ok' }));
  app.get('/readyz', async (_req, reply) => {
    try {
      await withTimeout(o.store.ping(), 2000, 'checking the state store');
      return reply.code(200).send({ status: 'ready', checks: { state: 'ok' } });
    } catch (e) {
      return reply.code(503).send({ status: 'not_ready', checks: { state: `failing: ${(e as Error).message.slice(0, 200)}` } });
    }
  });
  app.get('/metrics', async (req, reply) => {
    if (!opsAuthorized(ops, req, reply)) return reply;
    return reply.code(200).header('content-type', registry.contentType).send(await registry.metrics());
  });
  app.get('/dashboard/data', async (req, reply) => {
    if (!opsAuthorized(ops, req, reply)) return reply;
    return reply.code(200).send({ sso: await proxy.status() });
  });
  app.get('/dashboard', async (req, reply) => {
    if (!opsAuthorized(ops, req, reply)) return reply;
    return reply.code(200).header('content-type', 'text/html; charset=utf-8').header('cache-control', 'no-store').send(renderSsoPage(await proxy.status()));
  });
  await app.ready();
  let closed = false;
  return {
    app,
    proxy,
    registry,
    listen: ({ port, host = '127.0.0.1' }) => app.listen({ port, host }),
    async close() {
      if (closed) return;
      closed = true;
      await app.close();
      await proxy.close();
      if (o.ownsStore !== false) await o.store.close().catch(() => undefined);
    },
  };
}
