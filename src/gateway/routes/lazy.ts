import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { tokenMatches } from '../auth.js';
import type { GatewayContext } from '../context.js';
import { normalizeIdentifier } from '../identifier.js';
import { toAuth0CustomDatabaseProfile } from '../lazy/auth0-custom-database.js';
import { toKeycloakUserMigrationLegacyUser } from '../lazy/keycloak-user-migration-provider.js';
import type { LoginRoute } from '../metrics.js';
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
 * `--token` the endpoints answer 404. Failed password checks count against the identifier's
 * brute-force window; the caller's address is the target's server, so it is not limited per address.
 */
function authorized(ctx: GatewayContext, req: FastifyRequest, reply: FastifyReply): boolean {
  if (!ctx.token) {
    void reply.code(404).send({ ok: false, error: { code: 'not_found', message: 'lazy-migration endpoints are off: start the gateway with --token' } });
    return false;
  }
  if (!tokenMatches(req.headers.authorization, ctx.token)) {
    void reply.code(401).header('www-authenticate', 'Bearer realm="flagless"').send({ ok: false, error: { code: 'unauthorized', message: 'a valid bearer token (or basic credentials) is required' } });
    return false;
  }
  return true;
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

/** A failed check as the callers expect it: 503 when the legacy side could not answer, 403 otherwise (never 401: that means a bad token). */
function refused(reply: FastifyReply, r: Extract<LoginAnswer, { ok: false }>): FastifyReply {
  return reply.code(r.status === 503 ? 503 : 403).send({ ok: false, error: { code: r.code, message: r.message } });
}

const IDENTIFIER = LOGIN_BODY_SCHEMA.properties.identifier;

const PASSWORD_BODY = {
  type: 'object',
  required: ['password'],
  properties: { password: LOGIN_BODY_SCHEMA.properties.password },
} as const;

export function registerLazy(app: FastifyInstance, ctx: GatewayContext): void {
  const organization = (id: string) => ctx.index?.organization(id);

  app.get<{ Params: { username: string } }>('/v1/lazy/keycloak/:username', async (req, reply) => {
    if (!authorized(ctx, req, reply)) return reply;
    const found = await ctx.router.lookup(req.params.username).catch(() => undefined);
    if (!found) return reply.code(404).send({ ok: false, error: { code: 'not_found', message: 'no such user' } });
    return reply.code(200).send(toKeycloakUserMigrationLegacyUser(found.user, organization));
  });

  app.post<{ Params: { username: string }; Body: { password: string } }>('/v1/lazy/keycloak/:username', { schema: { body: PASSWORD_BODY } }, async (req, reply) => {
    if (!authorized(ctx, req, reply)) return reply;
    const r = await check(ctx, 'lazy_keycloak', req.params.username, req.body.password);
    if ('limited' in r) return rateLimited(reply, r.limited);
    if (r.ok) return reply.code(200).send({ ok: true });
    return refused(reply, r);
  });

  app.post<{ Body: { identifier: string; password: string } }>(
    '/v1/lazy/kratos/password-migration',
    { schema: { body: { type: 'object', required: ['identifier', 'password'], properties: { identifier: IDENTIFIER, password: PASSWORD_BODY.properties.password } } } },
    async (req, reply) => {
      if (!authorized(ctx, req, reply)) return reply;
      const r = await check(ctx, 'lazy_kratos', req.body.identifier, req.body.password);
      if ('limited' in r) return rateLimited(reply, r.limited);
      if (r.ok) return reply.code(200).send({ status: 'password_match' });
      return refused(reply, r);
    },
  );

  app.post<{ Body: { username: string; password: string } }>(
    '/v1/lazy/auth0/login',
    { schema: { body: { type: 'object', required: ['username', 'password'], properties: { username: IDENTIFIER, password: PASSWORD_BODY.properties.password } } } },
    async (req, reply) => {
      if (!authorized(ctx, req, reply)) return reply;
      const r = await check(ctx, 'lazy_auth0', req.body.username, req.body.password);
      if ('limited' in r) return rateLimited(reply, r.limited);
      // 403, not 401: the script must tell a wrong password from a gateway refusing its token.
      if (!r.ok) return refused(reply, r);
      const found = await ctx.router.lookup(req.body.username).catch(() => undefined);
      const profile = found && found.sourceId === r.sourceId ? toAuth0CustomDatabaseProfile(found.user) : { user_id: r.sourceId, ...(req.body.username.includes('@') ? { email: req.body.username } : { username: req.body.username }) };
      return reply.code(200).send(profile);
    },
  );

  app.get<{ Params: { identifier: string } }>('/v1/lazy/auth0/users/:identifier', async (req, reply) => {
    if (!authorized(ctx, req, reply)) return reply;
    const found = await ctx.router.lookup(req.params.identifier).catch(() => undefined);
    if (!found) return reply.code(404).send({ ok: false, error: { code: 'not_found', message: 'no such user' } });
    return reply.code(200).send(toAuth0CustomDatabaseProfile(found.user));
  });
}
