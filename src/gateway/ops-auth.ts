import type { FastifyReply, FastifyRequest } from 'fastify';
import { tokenMatches } from './auth.js';
import type { GatewayContext } from './context.js';
import { rateLimited } from './routes/login.js';

/**
 * Guards the operator pages (/metrics, /dashboard): with an ops token (`--ops-token`, else
 * `--token`) they need it as a Bearer token or as the password of HTTP Basic (a browser asks for
 * it). Wrong tokens count per calling address, like the lazy endpoints'. Without any token they are
 * public, as the gateway is meant to listen on a private address.
 */
export function opsAuthorized(ctx: Pick<GatewayContext, 'opsToken' | 'guard'>, req: FastifyRequest, reply: FastifyReply): boolean {
  if (!ctx.opsToken) return true;
  const wait = ctx.guard.badTokens.retryAfterSeconds(req.ip);
  if (wait > 0) {
    void rateLimited(reply, wait);
    return false;
  }
  if (tokenMatches(req.headers.authorization, ctx.opsToken)) return true;
  ctx.guard.badTokens.hit(req.ip);
  void reply
    .code(401)
    .header('www-authenticate', 'Basic realm="flagless gateway", charset="UTF-8"')
    .send({ ok: false, error: { code: 'unauthorized', message: 'this page needs the ops token (Bearer, or Basic with the token as password)' } });
  return false;
}
