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
    return reply.code(200).send({ ...data, ...(ctx.sync ? { sync: await ctx.sync.store.stats() } : {}), ...(ctx.sso ? { sso: await ctx.sso.status() } : {}) });
  });
  // The switch-off checks read more of the state than the counts: their own endpoint, and a card.
  const switchOff = async () => {
    if (!ctx.switchOff) return undefined;
    try {
      return await ctx.switchOff();
    } catch (e) {
      return { error: (e as Error).message };
    }
  };
  app.get('/dashboard/status', async (req, reply) => {
    if (!opsAuthorized(ctx, req, reply)) return reply;
    const r = await switchOff();
    if (!r) return reply.code(404).send({ error: 'the switch-off checks are not available in this gateway' });
    return reply.code('error' in r ? 503 : 200).send(r);
  });
  app.get('/dashboard', async (req, reply) => {
    if (!opsAuthorized(ctx, req, reply)) return reply;
    const panels = [...(ctx.sso ? [renderSsoPanel(await ctx.sso.status())] : []), ...(ctx.sync ? [renderSyncPanel(await ctx.sync.store.stats())] : [])];
    const html = renderDashboard(await load(), ctx.labels, new Date(), await switchOff(), panels);
    return reply.code(200).header('content-type', 'text/html; charset=utf-8').header('cache-control', 'no-store').send(html);
  });
}
