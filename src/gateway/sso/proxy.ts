import { randomUUID } from 'node:crypto';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { readSsoStatus, type SsoConnectionState } from '../../state/sso/status.js';
import type { SsoStore } from '../../state/sso/types.js';
import type { SsoAutoRollback, SsoProxyConfig } from './config.js';
import { FlagCache } from './flags.js';
import { SsoMetrics } from './metrics.js';
import { OutcomeLog } from './outcomes.js';
import { registerSsoRoutes } from './routes.js';

/**
 * The SSO cutover proxy inside `flagless serve` (the playbook's phase 4): it stands on the legacy
 * provider's callback URLs, which every customer's IdP is configured with, and sends each
 * connection's SAML responses and OIDC callbacks to the legacy or the new provider by that
 * connection's flag in the shared state store, so a connection moves, or moves back, on the next
 * request, with nothing changed in the customer's IdP.
 *
 * ## Endpoints (stable; the paths are part of what IdPs and providers are configured with)
 *
 * | endpoint | what it does |
 * | --- | --- |
 * | `POST <callbackPath>` (SAML, form `SAMLResponse` [+ `RelayState`]) | decides the connection and the side, answers **307** to that side's `callbackUrl`: the browser re-posts the body it sent, byte for byte (the IdP's signature stays intact; nothing is re-encoded, no HTML or script is served, and the proxy never keeps the body) |
 * | `GET <callbackPath>?code&state` (OIDC) / `POST` (form_post) | 302 (GET, the query appended as received) or 307 (POST) to the side's `callbackUrl` |
 * | `GET /v1/sso/start?connection=c[&login_hint=e]` and each `startPaths` path | 302 to the chosen side's `startUrl` with the query (minus `connection`) |
 * | `GET\|POST /v1/sso/relay/<side>/<connection>` | a side's AuthnRequest (`SAMLRequest`, Redirect or POST binding) or OIDC authorization request (`state`) on its way to the IdP: its ID / state is recorded (as a SHA-256 digest, `requestTtlSeconds`) → side, then 302/307 to the connection's `idpSignInUrl` with the request as sent. Configure each provider's IdP sign-in URL as this endpoint and a response always returns to the provider that asked for it, whatever the flag says by then. |
 * | `GET /v1/sso/return/<side>/<connection>?…` | a side's redirect back to the application: counted (completed, or failed when it carries `error`), then 302 to that side's `returnUrl` with the query |
 * | `POST /v1/sso/outcome` `{connection, side, outcome: completed\|failed}` | the application reports a login (ops token required; off without one) |
 * | `GET /v1/sso/status` | every connection's flag, last flip and counts since (ops token) |
 * | `POST /v1/sso/flip` `{connection, to, percent?, domains?, who?}` | flips a configured connection (ops token; off without one; recorded as `<who> (ops token)`); this instance follows at once, the others at their next refresh |
 *
 * ## How a response is routed
 * Connection: the path and its required parameter (Auth0 `/login/callback?connection=c`), a
 * `connection` parameter, the tracked request id (`InResponseTo`) or OIDC `state`, the response's
 * unverified Issuer / `iss` (routing only: the receiving provider verifies the signature), or the
 * only connection mounted on the path. A response none of these tells goes to the legacy callback
 * all connections on its path share (as before the proxy), else 400. Side: the side the tracked
 * request was issued by; otherwise the flag (a rollout buckets users by the unverified NameID).
 *
 * ## Options
 * `config` (parsed `--sso-config`, see config.ts), `store` (the shared state), `registry` (the
 * gateway's Prometheus registry), `logger`, `authorize` (the ops-token check), `outcomeToken`
 * (whether /v1/sso/outcome and /v1/sso/flip are on: an ops token exists), `autoRollback` (overrides the config's), `flushMs` (counts to
 * the store, default 1000), `instance` (names this instance in flips it writes).
 *
 * Never logged nor stored: SAMLResponse, assertions, RelayState, codes, state values (request
 * logs on these routes carry the method and path only).
 */
export interface SsoProxyOptions {
  config: SsoProxyConfig;
  store: SsoStore;
  registry: Registry;
  logger: Logger;
  authorize: (req: FastifyRequest, reply: FastifyReply) => boolean;
  outcomeToken?: boolean;
  autoRollback?: SsoAutoRollback;
  flushMs?: number;
  instance?: string;
}

export interface SsoStatusConnection extends SsoConnectionState {
  protocol: 'saml' | 'oidc';
  hasTarget: boolean;
  certificateNotAfter?: string;
  certificateExpiresInDays?: number;
}

export interface SsoStatus {
  connections: SsoStatusConnection[];
  /** The flags in force may be stale: the last read of the store failed. */
  flagsStale: boolean;
  autoRollback?: SsoAutoRollback;
}

export interface SsoProxy {
  readonly metrics: SsoMetrics;
  readonly flags: FlagCache;
  /** Mounts the proxy's routes (in their own scope: the form parser and error handling stay there). */
  register(app: FastifyInstance): Promise<void>;
  status(): Promise<SsoStatus>;
  /** Writes the pending counts to the store now (tests, shutdown). */
  flush(): Promise<void>;
  close(): Promise<void>;
}

export async function createSsoProxy(o: SsoProxyOptions): Promise<SsoProxy> {
  const metrics = new SsoMetrics(o.registry);
  const log = o.logger.child({ component: 'sso-proxy' });
  const flags = new FlagCache(o.store, { ttlMs: o.config.flagTtlMs, metrics, onError: (e) => log.warn({ error: (e as Error).message }, 'sso flags cannot be read from the state store; routing with the last flags read') });
  const autoRollback = o.autoRollback ?? o.config.autoRollback;
  const outcomes = new OutcomeLog(o.store, flags, metrics, log, { flushMs: o.flushMs ?? 1000, ...(autoRollback ? { autoRollback } : {}), instance: o.instance ?? `${process.pid}-${randomUUID().slice(0, 8)}` });
  for (const c of o.config.connections) {
    if (c.certificateNotAfter) metrics.certificateExpiry.set({ connection: c.name }, Math.floor(Date.parse(c.certificateNotAfter) / 1000));
  }
  await flags.start();

  const status = async (): Promise<SsoStatus> => {
    const byName = new Map(o.config.connections.map((c) => [c.name, c]));
    const states = await readSsoStatus(o.store, o.config.connections.map((c) => c.name), o.config.defaultSide);
    const now = Date.now();
    return {
      connections: states.map((s) => {
        const c = byName.get(s.name);
        const out: SsoStatusConnection = { ...s, protocol: c?.protocol ?? 'saml', hasTarget: Boolean(c?.target) };
        if (c?.certificateNotAfter) {
          out.certificateNotAfter = c.certificateNotAfter;
          out.certificateExpiresInDays = Math.floor((Date.parse(c.certificateNotAfter) - now) / 86_400_000);
        }
        return out;
      }),
      flagsStale: flags.stale,
      ...(autoRollback ? { autoRollback } : {}),
    };
  };

  return {
    metrics,
    flags,
    async register(app) {
      await app.register(async (scope) => {
        scope.setErrorHandler((err: FastifyError, req, reply) => {
          const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
          if (status === 413) metrics.refused.inc({ reason: 'too_large' });
          else if (status === 415) metrics.refused.inc({ reason: 'content_type' });
          else if (status !== 500) metrics.refused.inc({ reason: 'malformed' });
          if (status === 500) req.log.error({ code: err.code ?? 'E_INTERNAL' }, 'sso request failed');
          const message = status === 413 ? 'the body is too large' : status === 415 ? 'a SAML response or OIDC form_post must be application/x-www-form-urlencoded' : status === 500 ? 'internal error' : 'the request is malformed';
          return reply.code(status).header('cache-control', 'no-store').send({ ok: false, error: { code: status === 500 ? 'internal' : 'bad_request', message } });
        });
        registerSsoRoutes(scope, {
          config: o.config,
          store: o.store,
          flags,
          outcomes,
          metrics,
          log,
          authorize: o.authorize,
          opsEnabled: o.outcomeToken === true,
          trackingTimeoutMs: 300,
          status,
        });
      });
    },
    status,
    flush: () => outcomes.flush(),
    async close() {
      flags.stop();
      await outcomes.close().catch(() => undefined);
    },
  };
}
