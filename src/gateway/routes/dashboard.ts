import type { FastifyInstance } from 'fastify';
import type { GatewayContext } from '../context.js';
import { renderDashboard } from '../dashboard-page.js';
import { opsAuthorized } from '../ops-auth.js';
import { renderSsoPanel } from '../sso/panel.js';
import { renderSyncPanel } from '../sync-panel.js';

/** `GET /dashboard` (HTML) and `GET /dashboard/data` (the same counts as JSON). Counts only; behind the ops token when there is one. */
export function registerDashboard(app: FastifyInstance, ctx: GatewayContext): void {
  const load = async () => {
    await ctx.failures.flush().catch(() => undefined);
    const since = new Date(Date.now() - 24 * 3600_000).toISOString();
    return ctx.store.dashboard(ctx.index?.stats.users, since);
  };
  app.get('/dashboard/data', async (req, reply) => {
    if (!opsAuthorized(ctx, req, reply)) return reply;
    const data = await load();
    return reply.code(200).send({ ...data, ...(ctx.sso ? { sso: await ctx.sso.status() } : {}), ...(ctx.sync ? { sync: await ctx.sync.store.stats() } : {}) });
  });
  app.get('/dashboard', async (req, reply) => {
    if (!opsAuthorized(ctx, req, reply)) return reply;
    const panels = [...(ctx.sso ? [renderSsoPanel(await ctx.sso.status())] : []), ...(ctx.sync ? [renderSyncPanel(await ctx.sync.store.stats())] : [])];
    const html = renderDashboard(await load(), ctx.labels, new Date(), panels);
    return reply.code(200).header('content-type', 'text/html; charset=utf-8').header('cache-control', 'no-store').send(html);
  });
}
