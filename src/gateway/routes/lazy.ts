import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { tokenMatches } from '../auth.js';
import type { GatewayContext } from '../context.js';
import { normalizeIdentifier } from '../identifier.js';
import { toAuth0CustomDatabaseProfile } from '../lazy/auth0-custom-database.js';
import { toKeycloakUserMigrationLegacyUser } from '../lazy/keycloak-user-migration-provider.js';
import type { LazyOutcome, LoginRoute } from '../metrics.js';
import type { LoginAnswer } from '../router.js';
import { LOGIN_BODY_SCHEMA, rateLimited } from './login.js';

/**
 * The contracts targets call to pull users lazily, so the target can stay in charge of login:
 *
 * Keycloak (daniel-frak/keycloak-user-migration, provider URI = `<gateway>/v1/lazy/keycloak`):
 *   GET  /v1/lazy/keycloak/{usernameOrEmail}  → 200 LegacyUser JSON | 404
 *   POST /v1/lazy/keycloak/{username} {password} → 200 (valid) | 403 (anything else is invalid to the plugin)
 * Ory Kratos password-migration hook (`selfservice.methods.password.config.migrate_hook`):
 *   POST /v1/lazy/kratos/password-migration {identifier, password}
 *        → 200 {"status":"password_match"} | 403 | 503 (Kratos shows a 502 "try again later")
 * Auth0 custom database (scripts from `flagless serve --auth0-script`):
 *   POST /v1/lazy/auth0/login {username, password} → 200 profile | 403 (wrong credentials) | 401 (bad token)
 *   GET  /v1/lazy/auth0/users/{usernameOrEmail}    → 200 profile | 404
 *
 * Every call needs `Authorization: Bearer <token>` or Basic with the token as password; without
 * `--token` the endpoints answer 404. Wrong tokens count per calling address (429 past the
 * window). Failed password checks count against the identifier's and the account's brute-force
 * windows; the caller's address is the target's server, so passwords are not limited per address.
 *
 * The callers hide what happened (the Keycloak plugin reports a 401, 429 or 503 from here as
 * "invalid credentials"), so every call is logged (endpoint, operation, outcome; never the
 * identifier or the password) and counted in `flagless_gateway_lazy_calls_total`.
 */
type Endpoint = 'keycloak' | 'kratos' | 'auth0';

function record(ctx: GatewayContext, req: FastifyRequest, endpoint: Endpoint, operation: 'lookup' | 'verify', outcome: LazyOutcome): void {
  ctx.metrics.lazyCalls.inc({ endpoint, operation, outcome });
  const level = outcome === 'unauthorized' || outcome === 'rate_limited' || outcome === 'unavailable' || outcome === 'error' || outcome === 'needs_decision' ? 'warn' : 'info';
  req.log[level]({ endpoint, operation, outcome }, 'lazy-migration call answered');
}

function authorized(ctx: GatewayContext, req: FastifyRequest, reply: FastifyReply, endpoint: Endpoint, operation: 'lookup' | 'verify'): boolean {
  if (!ctx.token) {
    void reply.code(404).send({ ok: false, error: { code: 'not_found', message: 'lazy-migration endpoints are off: start the gateway with --token' } });
    return false;
  }
  const wait = ctx.guard.badTokens.retryAfterSeconds(req.ip);
  if (wait > 0) {
    record(ctx, req, endpoint, operation, 'rate_limited');
    void rateLimited(reply, wait);
    return false;
  }
  if (!tokenMatches(req.headers.authorization, ctx.token)) {
    ctx.guard.badTokens.hit(req.ip);
    record(ctx, req, endpoint, operation, 'unauthorized');
    void reply.code(401).header('www-authenticate', 'Bearer realm="flagless"').send({ ok: false, error: { code: 'unauthorized', message: 'a valid bearer token (or basic credentials) is required' } });
    return false;
  }
  return true;
}

function verifyOutcome(r: LoginAnswer | { limited: number }): LazyOutcome {
  if ('limited' in r) return 'rate_limited';
  if (r.ok) return 'ok';
  if (r.code === 'rate_limited') return 'rate_limited';
  if (r.code === 'needs_decision') return 'needs_decision';
  return r.status === 503 ? 'unavailable' : r.status === 401 || r.status === 403 ? 'rejected' : 'error';
}

async function check(ctx: GatewayContext, route: LoginRoute, identifier: string, password: string): Promise<LoginAnswer | { limited: number }> {
  const key = normalizeIdentifier(identifier);
  const wait = ctx.guard.identifiers.retryAfterSeconds(key);
  if (wait > 0) {
    ctx.metrics.logins.inc({ route, outcome: 'rate_limited' });
    ctx.failures.add('rate_limited');
    return { limited: wait };
  }
  const answer = await ctx.router.verifyForTarget(identifier, password, route);
  if (answer.ok) ctx.guard.succeeded(key);
  else if (answer.status === 401 || answer.status === 403) ctx.guard.failed(key);
  return answer;
}

/** A failed check as the callers expect it: 503 when the legacy side could not answer, 429 when limited, 403 otherwise (never 401: that means a bad token). */
function refused(reply: FastifyReply, r: Extract<LoginAnswer, { ok: false }>): FastifyReply {
  if (r.status === 429) return rateLimited(reply, r.retryAfterSeconds ?? 1);
  return reply.code(r.status === 503 ? 503 : 403).send({ ok: false, error: { code: r.code, message: r.message } });
}

const IDENTIFIER = LOGIN_BODY_SCHEMA.properties.identifier;

const PASSWORD_BODY = {
  type: 'object',
  required: ['password'],
  properties: { password: LOGIN_BODY_SCHEMA.properties.password },
} as const;

/**
 * The identifier to check a Keycloak password under: the path's username, unless only the gateway
 * knows it (a fallback username the GET answered): then one of the user's export identifiers.
 */
async function keycloakIdentifier(ctx: GatewayContext, username: string): Promise<string> {
  const index = ctx.index;
  if (!index || index.sourceIdsFor(username).length > 0) return username;
  const resolved = await ctx.store.resolve(normalizeIdentifier(username)).catch(() => undefined);
  const user = resolved?.kind === 'source' ? index.user(resolved.sourceId) : undefined;
  if (!user) return username;
  const candidates = [user.username, ...user.emails.map((e) => e.address)].filter((x): x is string => Boolean(x));
  return candidates.find((c) => index.sourceIdsFor(c).length === 1) ?? username;
}

export function registerLazy(app: FastifyInstance, ctx: GatewayContext): void {
  const organization = (id: string) => ctx.index?.organization(id);

  app.get<{ Params: { username: string } }>('/v1/lazy/keycloak/:username', async (req, reply) => {
    if (!authorized(ctx, req, reply, 'keycloak', 'lookup')) return reply;
    let failed = false;
    const found = await ctx.router.lookup(req.params.username).catch(() => {
      failed = true;
      return undefined;
    });
    if (!found) {
      record(ctx, req, 'keycloak', 'lookup', failed ? 'unavailable' : 'not_found');
      return reply.code(failed ? 503 : 404).send({ ok: false, error: { code: failed ? 'legacy_unavailable' : 'not_found', message: failed ? 'the lookup failed' : 'no such user' } });
    }
    const shape = toKeycloakUserMigrationLegacyUser(found.user, organization);
    // The plugin checks the password under the username we answer; when the Keycloak rules made
    // it differ from every identifier of the export (a fallback `user-…`), remember what it names.
    const key = normalizeIdentifier(shape.username);
    if (!ctx.index?.sourceIdsFor(key).includes(found.sourceId)) await ctx.store.remember(key, found.sourceId).catch(() => undefined);
    record(ctx, req, 'keycloak', 'lookup', 'found');
    return reply.code(200).send(shape);
  });

  app.post<{ Params: { username: string }; Body: { password: string } }>('/v1/lazy/keycloak/:username', { schema: { body: PASSWORD_BODY } }, async (req, reply) => {
    if (!authorized(ctx, req, reply, 'keycloak', 'verify')) return reply;
    const identifier = await keycloakIdentifier(ctx, req.params.username);
    const r = await check(ctx, 'lazy_keycloak', identifier, req.body.password);
    record(ctx, req, 'keycloak', 'verify', verifyOutcome(r));
    if ('limited' in r) return rateLimited(reply, r.limited);
    if (r.ok) return reply.code(200).send({ ok: true });
    return refused(reply, r);
  });

  app.post<{ Body: { identifier: string; password: string } }>(
    '/v1/lazy/kratos/password-migration',
    { schema: { body: { type: 'object', required: ['identifier', 'password'], properties: { identifier: IDENTIFIER, password: PASSWORD_BODY.properties.password } } } },
    async (req, reply) => {
      if (!authorized(ctx, req, reply, 'kratos', 'verify')) return reply;
      const r = await check(ctx, 'lazy_kratos', req.body.identifier, req.body.password);
      record(ctx, req, 'kratos', 'verify', verifyOutcome(r));
      if ('limited' in r) return rateLimited(reply, r.limited);
      if (r.ok) return reply.code(200).send({ status: 'password_match' });
      return refused(reply, r);
    },
  );

  app.post<{ Body: { username: string; password: string } }>(
    '/v1/lazy/auth0/login',
    { schema: { body: { type: 'object', required: ['username', 'password'], properties: { username: IDENTIFIER, password: PASSWORD_BODY.properties.password } } } },
    async (req, reply) => {
      if (!authorized(ctx, req, reply, 'auth0', 'verify')) return reply;
      const r = await check(ctx, 'lazy_auth0', req.body.username, req.body.password);
      record(ctx, req, 'auth0', 'verify', verifyOutcome(r));
      if ('limited' in r) return rateLimited(reply, r.limited);
      // 403, not 401: the script must tell a wrong password from a gateway refusing its token.
      if (!r.ok) return refused(reply, r);
      const found = await ctx.router.lookup(req.body.username).catch(() => undefined);
      const profile = found && found.sourceId === r.sourceId ? toAuth0CustomDatabaseProfile(found.user) : { user_id: r.sourceId, ...(req.body.username.includes('@') ? { email: req.body.username } : { username: req.body.username }) };
      return reply.code(200).send(profile);
    },
  );

  app.get<{ Params: { identifier: string } }>('/v1/lazy/auth0/users/:identifier', async (req, reply) => {
    if (!authorized(ctx, req, reply, 'auth0', 'lookup')) return reply;
    const found = await ctx.router.lookup(req.params.identifier).catch(() => undefined);
    record(ctx, req, 'auth0', 'lookup', found ? 'found' : 'not_found');
    if (!found) return reply.code(404).send({ ok: false, error: { code: 'not_found', message: 'no such user' } });
    return reply.code(200).send(toAuth0CustomDatabaseProfile(found.user));
  });
}
