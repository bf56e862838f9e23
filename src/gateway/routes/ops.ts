import type { FastifyInstance } from 'fastify';
import type { GatewayContext } from '../context.js';
import { opsAuthorized } from '../ops-auth.js';
import { withTimeout } from '../timeout.js';

/**
 * `/healthz`: the process answers (liveness; never touches a dependency, so a database blip does
 * not get the gateway restarted). `/readyz`: the state store and the target answer within 2 s
 * (readiness; checked at most every 2 s). `/metrics`: Prometheus text format, behind the ops token
 * when there is one.
 */
export function registerOps(app: FastifyInstance, ctx: GatewayContext): void {
  let cached: { at: number; status: number; body: unknown } | undefined;

  app.get('/healthz', async (_req, reply) => reply.code(200).send({ status: 'ok' }));

  app.get('/readyz', async (_req, reply) => {
    if (!cached || Date.now() - cached.at > 2000) {
      const checks: Record<string, string> = {};
      const probe = async (name: string, fn: () => Promise<unknown>) => {
        try {
          await withTimeout(fn(), 2000, `checking ${name}`);
          checks[name] = 'ok';
        } catch (e) {
          checks[name] = `failing: ${(e as Error).message.slice(0, 200)}`;
        }
      };
      await Promise.all([
        probe('state', () => ctx.store.ping()),
        // A read of a user that cannot exist: exercises the target's API and credentials, writes nothing.
        probe('target', () => ctx.target.findUser({ externalId: 'flagless-readiness-probe' })),
      ]);
      const ok = Object.values(checks).every((v) => v === 'ok');
      cached = { at: Date.now(), status: ok ? 200 : 503, body: { status: ok ? 'ready' : 'not_ready', checks } };
    }
    return reply.code(cached.status).send(cached.body);
  });

  app.get('/metrics', async (req, reply) => {
    if (!opsAuthorized(ctx, req, reply)) return reply;
    // The gauge reads the shared state (every instance reports the same number); a state outage leaves it out, not the rest.
    try {
      const d = await ctx.store.dashboard(ctx.index?.stats.users, new Date().toISOString());
      if (d.legacyTotal !== undefined) ctx.metrics.usersOnLegacy.set(Math.max(0, d.legacyTotal - d.migrated));
      else ctx.metrics.usersOnLegacy.reset();
    } catch {
      ctx.metrics.usersOnLegacy.reset();
    }
    if (ctx.sync) {
      try {
        ctx.metrics.syncPending.set((await ctx.sync.store.stats()).pending);
      } catch {
        ctx.metrics.syncPending.reset();
      }
    }
    const text = await ctx.metrics.registry.metrics();
    return reply.code(200).header('content-type', ctx.metrics.registry.contentType).send(text);
  });
}
