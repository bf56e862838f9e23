import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import type { SsoSide, SsoStore } from '../../state/sso/types.js';
import { withTimeout } from '../timeout.js';
import { checkFlip, type SsoProxyConfig, type SsoProxyConnection, type SsoSideUrls } from './config.js';
import { sideFor, type FlagCache } from './flags.js';
import { looksLikeEmail, rawQuery, singleParams, trackingKey, withQuery } from './forward.js';
import type { DecidedBy, RefusalReason, SsoMetrics } from './metrics.js';
import type { OutcomeLog } from './outcomes.js';
import { pathSpecs, resolveConnection, sharedLegacyCallback } from './resolve.js';
import { peekPostBinding, peekRedirectBinding } from './saml-peek.js';

export interface RouteDeps {
  config: SsoProxyConfig;
  store: SsoStore;
  flags: FlagCache;
  outcomes: OutcomeLog;
  metrics: SsoMetrics;
  log: Logger;
  /** Guards POST /v1/sso/outcome and GET /v1/sso/status (the gateway's ops token check). */
  authorize: (req: FastifyRequest, reply: FastifyReply) => boolean;
  /** Whether a token guards the outcome and flip endpoints (they are off without one). */
  opsEnabled: boolean;
  /** How long a tracking read may take before the response is routed by its flag (default 300 ms). */
  trackingTimeoutMs: number;
  status: () => Promise<unknown>;
}

const FORM = 'application/x-www-form-urlencoded';
const LOCAL_TRACKED = 10_000;
const SAML_FIELDS = ['SAMLResponse', 'RelayState'] as const;
const OIDC_FIELDS = ['code', 'state', 'error', 'error_description', 'iss', 'id_token', 'session_state'] as const;

/** Request logs on these routes carry the method and the path: never a query (codes, state) nor a body. */
const logSerializers = { req: (req: { method?: string; url?: string }) => ({ method: req.method, url: (req.url ?? '').split('?')[0] }) };

function noStore(reply: FastifyReply): FastifyReply {
  return reply.header('cache-control', 'no-store').header('referrer-policy', 'no-referrer');
}

export function registerSsoRoutes(app: FastifyInstance, d: RouteDeps): void {
  const byName = new Map(d.config.connections.map((c) => [c.name, c]));
  const specs = pathSpecs(d.config.connections);
  const ttlMs = d.config.requestTtlSeconds * 1000;

  const refuse = (reply: FastifyReply, status: number, reason: RefusalReason, message: string) => {
    d.metrics.refused.inc({ reason });
    return noStore(reply).code(status).send({ ok: false, error: { code: reason, message } });
  };

  // Only form posts are parsed here (SAML POST binding, OIDC form_post), as a string of at most maxBodyBytes.
  app.addContentTypeParser(FORM, { parseAs: 'string', bodyLimit: d.config.maxBodyBytes }, (_req, body, done) => done(null, body));

  const urlsFor = (c: SsoProxyConnection, side: SsoSide): { side: SsoSide; urls: SsoSideUrls } => {
    if (side === 'target' && !c.target) {
      d.metrics.refused.inc({ reason: 'no_target' });
      return { side: 'legacy', urls: c.legacy };
    }
    return { side, urls: side === 'target' ? c.target! : c.legacy };
  };

  // Requests this instance relayed, kept here too (bounded, oldest out first): a response that comes
  // back to the instance that relayed its request needs no state-store read.
  const local = new Map<string, { connection: string; side: SsoSide; expires: number }>();
  const remember = (key: string, connection: string, side: SsoSide) => {
    if (local.size >= LOCAL_TRACKED) local.delete(local.keys().next().value!);
    local.set(key, { connection, side, expires: Date.now() + ttlMs });
  };
  const tracked = async (key: string | undefined) => {
    if (!key) return undefined;
    const hit = local.get(key);
    if (hit && hit.expires >= Date.now()) return { connection: hit.connection, side: hit.side };
    try {
      return await withTimeout(d.store.tracked(key), d.trackingTimeoutMs, 'reading a tracked request');
    } catch {
      d.metrics.trackingErrors.inc({ operation: 'read' });
      return undefined;
    }
  };

  /** The parameters of a form post or a query, one value per name; undefined when malformed. */
  const paramsOf = (req: FastifyRequest): URLSearchParams | RefusalReason => {
    if (req.method === 'GET') return new URLSearchParams(rawQuery(req.url));
    const type = String(req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    if (type !== FORM || typeof req.body !== 'string') return 'content_type';
    return new URLSearchParams(req.body);
  };

  // ---- responses: SAML POST to the ACS path, OIDC callback (GET, or form_post) ----
  for (const [path, list] of specs) {
    app.route({
      method: ['GET', 'POST'],
      url: path,
      bodyLimit: d.config.maxBodyBytes,
      logSerializers,
      handler: async (req, reply) => {
        const end = d.metrics.routeSeconds.startTimer({ kind: 'response' });
        try {
          const params = paramsOf(req);
          if (typeof params === 'string') return refuse(reply, 415, params, 'a SAML response or OIDC form_post must be application/x-www-form-urlencoded');
          const query = new URLSearchParams(rawQuery(req.url));
          const saml = singleParams(params, SAML_FIELDS);
          const oidc = singleParams(params, OIDC_FIELDS);
          if (!saml || !oidc) return refuse(reply, 400, 'malformed', 'a parameter is repeated');
          let key: string | undefined;
          let issuer: string | undefined;
          let subject: { email?: string; key?: string } = {};
          if (saml.SAMLResponse !== undefined) {
            if (req.method !== 'POST') return refuse(reply, 405, 'method', 'a SAML response arrives by POST');
            const peek = peekPostBinding(saml.SAMLResponse);
            if (!peek) return refuse(reply, 400, 'malformed', 'SAMLResponse is not base64');
            if (peek.inResponseTo) key = trackingKey('saml', peek.inResponseTo);
            issuer = peek.issuer;
            if (peek.nameId) subject = looksLikeEmail(peek.nameId) ? { email: peek.nameId } : { key: peek.nameId };
          } else if (oidc.code !== undefined || oidc.error !== undefined || oidc.id_token !== undefined) {
            if (oidc.state) key = trackingKey('oidc', oidc.state);
            issuer = oidc.iss;
          } else {
            return refuse(reply, 400, 'malformed', 'neither a SAMLResponse nor an OIDC code or error');
          }
          const t = await tracked(key);
          const found = resolveConnection(list, { query, ...(t ? { tracked: t.connection } : {}), ...(issuer ? { issuer } : {}) });
          let dest: string;
          let side: SsoSide;
          let connection: string;
          let by: DecidedBy;
          if (!found) {
            const shared = sharedLegacyCallback(list);
            if (!shared) return refuse(reply, 400, 'unknown_connection', 'the connection this response belongs to cannot be told');
            // Nothing tells the connection; every connection on this path answered here before the proxy: legacy.
            dest = shared;
            side = 'legacy';
            connection = '(unmatched)';
            by = 'unmatched';
          } else {
            connection = found.connection.name;
            by = found.by;
            const chosen = t && t.connection === connection ? t.side : sideFor(connection, d.flags.get(connection), d.config.defaultSide, subject).side;
            const u = urlsFor(found.connection, chosen);
            side = u.side;
            dest = u.urls.callbackUrl;
            d.outcomes.add(connection, side, 'response');
          }
          d.metrics.responses.inc({ connection, side, decided_by: by });
          req.log.info({ connection, side, decidedBy: by, tracked: Boolean(t) }, 'sso response routed');
          // The query the IdP used was addressed to the legacy provider (Auth0's `?connection=&organization=`):
          // it goes on to legacy as it came; the target gets the OIDC parameters without the legacy
          // path's own selector, and a SAML post its configured URL as it is.
          const q = rawQuery(req.url);
          const own = found ? list.filter((s) => s.connection === found.connection && s.param).map((s) => s.param!.name) : [];
          // POST: 307 keeps the method and the body, so the browser re-posts the IdP's bytes as they were.
          if (req.method === 'POST') return noStore(reply).code(307).header('location', side === 'legacy' ? withQuery(dest, q) : dest).send();
          return noStore(reply).code(302).header('location', withQuery(dest, q, side === 'legacy' ? [] : own)).send();
        } finally {
          end();
        }
      },
    });
  }

  // ---- SP-initiated start: /v1/sso/start?connection=… and the legacy start paths ----
  const startSpecs = pathSpecs(d.config.startPaths.map((p) => ({ name: '', protocol: 'saml', callbackPaths: [p], legacy: { callbackUrl: 'http://unused.invalid/' } })));
  const start = async (req: FastifyRequest, reply: FastifyReply) => {
    const end = d.metrics.routeSeconds.startTimer({ kind: 'start' });
    try {
      const query = new URLSearchParams(rawQuery(req.url));
      const p = singleParams(query, ['connection', 'login_hint', 'email']);
      if (!p) return refuse(reply, 400, 'malformed', 'a parameter is repeated');
      const c = p.connection ? byName.get(p.connection) : undefined;
      if (!c) return refuse(reply, 404, 'unknown_connection', 'connection names no proxied connection');
      const hint = [p.login_hint, p.email].find(looksLikeEmail);
      const u = urlsFor(c, sideFor(c.name, d.flags.get(c.name), d.config.defaultSide, hint ? { email: hint } : {}).side);
      const startUrl = u.urls.startUrl ?? (u.side === 'target' ? undefined : c.legacy.startUrl);
      if (!startUrl) return refuse(reply, 404, 'unknown_connection', `no start URL for ${c.name} at ${u.side}`);
      d.metrics.starts.inc({ connection: c.name, side: u.side });
      d.outcomes.add(c.name, u.side, 'start');
      req.log.info({ connection: c.name, side: u.side }, 'sso start routed');
      const keep = req.url.startsWith('/v1/sso/start') ? ['connection'] : [];
      return noStore(reply).code(302).header('location', withQuery(startUrl, rawQuery(req.url), keep)).send();
    } finally {
      end();
    }
  };
  app.get('/v1/sso/start', { logSerializers }, start);
  for (const path of startSpecs.keys()) app.get(path, { logSerializers }, start);

  // ---- relay: each side's AuthnRequest / authorization request on its way to the IdP ----
  app.route({
    method: ['GET', 'POST'],
    url: '/v1/sso/relay/:side/:connection',
    bodyLimit: d.config.maxBodyBytes,
    logSerializers,
    handler: async (req, reply) => {
      const end = d.metrics.routeSeconds.startTimer({ kind: 'relay' });
      try {
        const { side, connection } = req.params as { side: string; connection: string };
        if (side !== 'legacy' && side !== 'target') return refuse(reply, 404, 'unknown_connection', 'side must be legacy or target');
        const c = byName.get(connection);
        if (!c || !c.idpSignInUrl) return refuse(reply, 404, 'unknown_connection', 'no such connection, or it has no idpSignInUrl');
        const params = paramsOf(req);
        if (typeof params === 'string') return refuse(reply, 415, params, 'a relayed SAMLRequest by POST must be application/x-www-form-urlencoded');
        const p = singleParams(params, ['SAMLRequest', 'state']);
        if (!p) return refuse(reply, 400, 'malformed', 'a parameter is repeated');
        let key: string | undefined;
        if (p.SAMLRequest !== undefined) {
          const peek = req.method === 'GET' ? peekRedirectBinding(p.SAMLRequest) : peekPostBinding(p.SAMLRequest);
          if (peek?.id) key = trackingKey('saml', peek.id);
        } else if (p.state !== undefined) key = trackingKey('oidc', p.state);
        if (!key) return refuse(reply, 400, 'malformed', 'neither a SAMLRequest with an ID nor an OIDC state');
        remember(key, c.name, side);
        try {
          await withTimeout(d.store.track(key, c.name, side, ttlMs), 2000, 'tracking a request');
        } catch {
          // The response will be routed by the flag instead; the login is not held up.
          d.metrics.trackingErrors.inc({ operation: 'write' });
        }
        d.metrics.relayed.inc({ connection: c.name, side });
        req.log.info({ connection: c.name, side }, 'sso request relayed to the IdP');
        if (req.method === 'POST') return noStore(reply).code(307).header('location', c.idpSignInUrl).send();
        return noStore(reply).code(302).header('location', withQuery(c.idpSignInUrl, rawQuery(req.url))).send();
      } finally {
        end();
      }
    },
  });

  // ---- return: each side's redirect back to the application, counted on the way ----
  app.get('/v1/sso/return/:side/:connection', { logSerializers }, async (req, reply) => {
    const end = d.metrics.routeSeconds.startTimer({ kind: 'return' });
    try {
      const { side, connection } = req.params as { side: string; connection: string };
      const c = byName.get(connection);
      if (!c || (side !== 'legacy' && side !== 'target')) return refuse(reply, 404, 'unknown_connection', 'no such connection or side');
      const returnUrl = side === 'target' ? c.target?.returnUrl : c.legacy.returnUrl;
      if (!returnUrl) return refuse(reply, 404, 'unknown_connection', `no returnUrl for ${c.name} at ${side}`);
      const q = new URLSearchParams(rawQuery(req.url));
      const outcome = q.has('error') ? 'failed' : 'completed';
      d.metrics.logins.inc({ connection: c.name, side, outcome });
      d.outcomes.add(c.name, side, outcome);
      req.log.info({ connection: c.name, side, outcome }, 'sso login ended');
      return noStore(reply).code(302).header('location', withQuery(returnUrl, rawQuery(req.url))).send();
    } finally {
      end();
    }
  });

  // ---- outcome: the application reports a login it finished (or could not) ----
  app.post(
    '/v1/sso/outcome',
    {
      logSerializers,
      bodyLimit: 1024,
      schema: {
        body: {
          // No additionalProperties: false (Fastify's validator would drop extra keys silently); the handler refuses them.
          type: 'object',
          required: ['connection', 'side', 'outcome'],
          properties: { connection: { type: 'string', maxLength: 128 }, side: { type: 'string', enum: ['legacy', 'target'] }, outcome: { type: 'string', enum: ['completed', 'failed'] } },
        },
      },
    },
    async (req, reply) => {
      if (!d.opsEnabled) return refuse(reply, 404, 'unknown_connection', 'the outcome endpoint is off (no ops token)');
      if (!d.authorize(req, reply)) return reply;
      const b = req.body as { connection: string; side: SsoSide; outcome: 'completed' | 'failed' };
      // Fastify's validator drops unknown properties; a report with any is refused instead.
      if (Object.keys(b).length !== 3) return refuse(reply, 400, 'malformed', 'the body must be exactly {connection, side, outcome}');
      if (!byName.has(b.connection)) return refuse(reply, 404, 'unknown_connection', 'connection names no proxied connection');
      d.metrics.logins.inc({ connection: b.connection, side: b.side, outcome: b.outcome });
      d.outcomes.add(b.connection, b.side, b.outcome);
      return reply.code(202).send({ ok: true });
    },
  );

  // ---- flip over HTTP, for runbooks without database access (ops token; `who` defaults to the token) ----
  app.post('/v1/sso/flip', { bodyLimit: 64 * 1024, schema: { body: { type: 'object', required: ['connection', 'to'], properties: { connection: { type: 'string' }, to: { type: 'string' }, percent: { type: 'integer' }, domains: { type: 'array', items: { type: 'string' } }, who: { type: 'string', maxLength: 200 } } } } }, async (req, reply) => {
    if (!d.opsEnabled) return refuse(reply, 404, 'unknown_connection', 'flipping over HTTP is off (no ops token)');
    if (!d.authorize(req, reply)) return reply;
    const b = req.body as { connection: string; to: string; percent?: number; domains?: string[]; who?: string };
    if (Object.keys(b).some((k) => !['connection', 'to', 'percent', 'domains', 'who'].includes(k))) return refuse(reply, 400, 'malformed', 'unknown property');
    let checked: ReturnType<typeof checkFlip>;
    try {
      checked = checkFlip(b);
    } catch (e) {
      return refuse(reply, 400, 'malformed', (e as Error).message);
    }
    if (!byName.has(checked.connection)) return refuse(reply, 404, 'unknown_connection', 'connection names no proxied connection');
    const who = b.who?.trim() ? `${b.who.trim()} (ops token)` : 'ops token';
    const flip = await d.store.flip({ ...checked, who, reason: 'manual' });
    if (!flip) return reply.code(409).send({ ok: false, error: { code: 'conflict', message: 'flipped by someone else at the same moment; try again' } });
    await d.flags.refresh();
    req.log.info({ connection: flip.connection, from: flip.from, to: flip.to, who }, 'sso connection flipped');
    return reply.code(200).send({ ok: true, flip });
  });

  app.get('/v1/sso/status', async (req, reply) => {
    if (!d.authorize(req, reply)) return reply;
    return reply.code(200).header('cache-control', 'no-store').send(await d.status());
  });
}
