import type { FastifyInstance } from 'fastify';
import type { WebhookReceiver } from '../../protocol/sync.js';
import { isFlaglessError } from '../../protocol/errors.js';
import type { SyncWorker } from '../../engine/sync/worker.js';
import type { SyncStore } from '../../state/sync/store.js';
import type { GatewayContext } from '../context.js';

/**
 * `POST /v1/sync/<vendor>`: a vendor's change notifications. The body is taken as raw bytes (a
 * signature covers the exact bytes), at most `SYNC_BODY_LIMIT`; the receiver authenticates it
 * (401, nothing stored), the events are committed to the inbox, and only then the answer is 2xx,
 * so a crash after the answer loses nothing and a crash before it is retried by the vendor. A
 * retried event is a no-op (the inbox is keyed by the vendor's event id). The worker applies them.
 */
export const SYNC_BODY_LIMIT = 1024 * 1024;

export interface GatewaySync {
  receivers: ReadonlyMap<string, WebhookReceiver>;
  store: SyncStore;
  worker: SyncWorker;
}

export function registerSync(app: FastifyInstance, ctx: GatewayContext, sync: GatewaySync): void {
  void app.register(async (scope) => {
    // Raw bytes for every content type: the signature is over the body exactly as sent.
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: SYNC_BODY_LIMIT }, (_req, body, done) => done(null, body));
    scope.post<{ Params: { vendor: string } }>('/v1/sync/:vendor', { bodyLimit: SYNC_BODY_LIMIT }, async (req, reply) => {
      const vendor = req.params.vendor;
      const receiver = sync.receivers.get(vendor);
      if (!receiver) return reply.code(404).send({ ok: false, error: { code: 'not_found', message: `no ${vendor.slice(0, 40)} webhook receiver is configured here` } });
      const wait = ctx.guard.badTokens.retryAfterSeconds(req.ip);
      if (wait > 0) return reply.code(429).header('retry-after', String(wait)).send({ ok: false, error: { code: 'rate_limited', message: 'too many unauthenticated deliveries' } });
      const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      let events;
      try {
        events = receiver.receive(req.headers, body);
      } catch (e) {
        const code = isFlaglessError(e) ? e.code : 'E_WEBHOOK_PAYLOAD';
        const message = isFlaglessError(e) ? e.message : 'the delivery cannot be read';
        ctx.metrics.syncEvents.inc({ vendor, outcome: code === 'E_WEBHOOK_AUTH' ? 'unauthenticated' : 'unreadable' });
        if (code === 'E_WEBHOOK_AUTH') {
          ctx.guard.badTokens.hit(req.ip);
          req.log.warn({ vendor, code }, 'sync delivery refused');
          return reply.code(401).send({ ok: false, error: { code: 'unauthorized', message } });
        }
        req.log.warn({ vendor, code }, 'sync delivery unreadable');
        return reply.code(400).send({ ok: false, error: { code: 'bad_request', message } });
      }
      let stored;
      try {
        stored = await sync.store.enqueue(vendor, events);
      } catch (e) {
        req.log.error({ vendor, code: isFlaglessError(e) ? e.code : 'E_STATE' }, 'sync inbox unavailable');
        // Not stored: the vendor retries.
        return reply.code(503).header('retry-after', '5').send({ ok: false, error: { code: 'state_unavailable', message: 'the inbox cannot be written; retry later' } });
      }
      ctx.metrics.syncEvents.inc({ vendor, outcome: 'received' }, events.length);
      if (stored.duplicates > 0) ctx.metrics.syncEvents.inc({ vendor, outcome: 'duplicate' }, stored.duplicates);
      sync.worker.kick();
      return reply.code(200).send({ ok: true, received: events.length, duplicates: stored.duplicates });
    });
  });
}
