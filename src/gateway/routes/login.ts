import type { FastifyInstance, FastifyReply } from 'fastify';
import { normalizeIdentifier } from '../identifier.js';
import type { LoginAnswer } from '../router.js';
import type { GatewayContext } from '../context.js';

/**
 * `POST /v1/login {identifier, password, clientIp?}`: the one call an application makes instead
 * of its provider's password sign-in. The caller is the application's server, so the end user's
 * address comes in `clientIp` (or X-Forwarded-For with --trust-proxy); without either, the
 * per-address limit counts the application server itself. The gateway is an internal service:
 * bind it to a private address. Answers:
 *   200 {ok: true, route: 'target'|'legacy', userId, sourceId?, migration?}
 *       `userId` is the user's id in the TARGET (the new provider), whichever side verified.
 *   401 invalid_credentials · 403 disabled · 409 conflict · 429 rate_limited (Retry-After)
 *   503 legacy_unavailable | target_unavailable | state_unavailable | busy (Retry-After when known)
 * Errors are `{ok: false, error: {code, message}}`. New sign-ups do not come here: the
 * application creates them in the target with the target's own sign-up API.
 */
export const LOGIN_BODY_SCHEMA = {
  type: 'object',
  required: ['identifier', 'password'],
  properties: {
    identifier: { type: 'string', minLength: 1, maxLength: 320 },
    password: { type: 'string', minLength: 1, maxLength: 4096 },
    clientIp: { type: 'string', minLength: 1, maxLength: 64 },
  },
} as const;

export function sendAnswer(reply: FastifyReply, answer: LoginAnswer): FastifyReply {
  if (answer.ok) {
    return reply.code(200).send({
      ok: true,
      route: answer.route,
      userId: answer.userId,
      ...(answer.sourceId ? { sourceId: answer.sourceId } : {}),
      ...(answer.migration ? { migration: answer.migration } : {}),
    });
  }
  if (answer.retryAfterSeconds !== undefined) reply.header('retry-after', String(Math.max(1, Math.ceil(answer.retryAfterSeconds))));
  return reply.code(answer.status).send({ ok: false, error: { code: answer.code, message: answer.message } });
}

export function rateLimited(reply: FastifyReply, retryAfterSeconds: number): FastifyReply {
  reply.header('retry-after', String(retryAfterSeconds));
  return reply.code(429).send({ ok: false, error: { code: 'rate_limited', message: `Too many attempts; retry in ${retryAfterSeconds} s.` } });
}

export function registerLogin(app: FastifyInstance, ctx: GatewayContext): void {
  app.post<{ Body: { identifier: string; password: string; clientIp?: string } }>('/v1/login', { schema: { body: LOGIN_BODY_SCHEMA } }, async (req, reply) => {
    const { identifier, password } = req.body;
    const clientIp = req.body.clientIp ?? req.ip;
    const key = normalizeIdentifier(identifier);
    const admitted = ctx.guard.admit(key, clientIp);
    if (!admitted.ok) {
      ctx.metrics.logins.inc({ route: 'none', outcome: 'rate_limited' });
      ctx.failures.add('rate_limited');
      req.log.warn({ scope: admitted.scope }, 'login rate limited');
      return rateLimited(reply, admitted.retryAfterSeconds);
    }
    const answer = await ctx.router.login(identifier, password, { clientIp });
    if (answer.ok) ctx.guard.succeeded(key);
    else if (answer.status === 401 || answer.status === 403) ctx.guard.failed(key);
    return sendAnswer(reply, answer);
  });
}
