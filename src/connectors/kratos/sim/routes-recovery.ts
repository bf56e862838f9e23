import { randomInt, randomUUID } from 'node:crypto';
import { HttpError, type SimContext, type SimReply } from './http.js';

/**
 * Account recovery, the two ways Kratos offers it (spec/api.json; selfservice/strategy/code):
 * - self-service, native: GET /self-service/recovery/api → a flow; POST /self-service/recovery?flow=<id>
 *   {method: 'code', email} → Kratos's courier mails a six-digit recovery code to the address when it
 *   is a recovery address of an active identity (the answer is the same either way, state
 *   `sent_email`, so it tells nobody whether an account exists);
 * - admin: POST /admin/recovery/code {identity_id, expires_in?, flow_type?} → 201 {recovery_link,
 *   recovery_code, expires_at} and POST /admin/recovery/link {identity_id, expires_in?} → 200
 *   {recovery_link, expires_at}: nothing is mailed, the operator hands them over.
 * `expires_in` is a Go duration (`^([0-9]+(ns|us|ms|s|m|h))*$`); default the flow lifespan (1h).
 * The courier's outbox keeps who was mailed what kind of message, never the code.
 */

export interface SimCourierMessage {
  template: 'recovery_code_valid';
  to: string;
  identityId: string;
  sentAt: string;
}

const FLOW_LIFESPAN_MS = 60 * 60 * 1000;
const DURATION = /^([0-9]+(ns|us|ms|s|m|h))+$/;
const UNIT_MS: Record<string, number> = { ns: 1e-6, us: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

function durationMs(raw: unknown): number {
  if (raw === undefined) return FLOW_LIFESPAN_MS;
  if (typeof raw !== 'string' || !DURATION.test(raw)) throw new HttpError(400, 'expires_in must be a duration such as 1h or 15m');
  let ms = 0;
  for (const m of raw.matchAll(/([0-9]+)(ns|us|ms|s|m|h)/g)) ms += Number(m[1]) * UNIT_MS[m[2]!]!;
  if (ms <= 0) throw new HttpError(400, 'expires_in must be positive');
  return ms;
}

function only(body: Record<string, unknown>, allowed: readonly string[]): void {
  const extra = Object.keys(body).filter((k) => !allowed.includes(k));
  if (extra.length) throw new HttpError(400, `json: unknown field "${extra[0]}"`);
}

export class RecoveryFlows {
  readonly #flows = new Map<string, { expiresAt: number; issuedAt: string; state: 'choose_method' | 'sent_email' }>();
  readonly outbox: SimCourierMessage[] = [];

  #json(ctx: SimContext, id: string, f: { expiresAt: number; issuedAt: string; state: string }, messages: unknown[] = []) {
    return {
      id,
      type: 'api',
      expires_at: new Date(f.expiresAt).toISOString(),
      issued_at: f.issuedAt,
      request_url: `${ctx.url}/self-service/recovery/api`,
      active: 'code',
      state: f.state,
      ui: {
        action: `${ctx.url}/self-service/recovery?flow=${id}`,
        method: 'POST',
        nodes: [
          { type: 'input', group: 'code', attributes: { name: 'email', type: 'email', required: true, disabled: false, node_type: 'input' }, messages: [], meta: { label: { id: 1070007, text: 'Email', type: 'info' } } },
          { type: 'input', group: 'code', attributes: { name: 'method', type: 'submit', value: 'code', disabled: false, node_type: 'input' }, messages: [], meta: { label: { id: 1070005, text: 'Submit', type: 'info' } } },
        ],
        ...(messages.length ? { messages } : {}),
      },
    };
  }

  create(ctx: SimContext): SimReply {
    const id = randomUUID();
    const now = Date.now();
    const f = { expiresAt: now + FLOW_LIFESPAN_MS, issuedAt: new Date(now).toISOString(), state: 'choose_method' as const };
    this.#flows.set(id, f);
    return { status: 200, body: this.#json(ctx, id, f) };
  }

  submit(ctx: SimContext, flowId: string | null, body: unknown): SimReply {
    const f = flowId ? this.#flows.get(flowId) : undefined;
    if (!flowId || !f) throw new HttpError(404, 'The recovery flow could not be found.');
    if (f.expiresAt < Date.now()) {
      return { status: 410, body: { error: { code: 410, status: 'Gone', id: 'self_service_flow_expired', reason: 'The recovery flow has expired.', message: 'The requested resource is no longer available' } } };
    }
    const b = (body ?? {}) as Record<string, unknown>;
    if (b.method !== 'code' && b.method !== 'link') throw new HttpError(400, 'Could not find a strategy to recover your account with. Did you fill out the form correctly?');
    const email = typeof b.email === 'string' ? b.email.trim() : '';
    if (email === '' || !/^[^@\s]+@[^@\s]+$/.test(email)) {
      return { status: 400, body: this.#json(ctx, flowId, f, [{ id: 4000001, text: `"${email}" is not valid "email"`, type: 'error', context: {} }]) };
    }
    const identity = [...ctx.store.identities.values()].find((i) => i.state === 'active' && i.recovery_addresses.some((a) => a.value.toLowerCase() === email.toLowerCase()));
    if (identity) {
      randomInt(0, 1_000_000); // the code itself is only in the (simulated) email
      this.outbox.push({ template: 'recovery_code_valid', to: email.toLowerCase(), identityId: identity.id, sentAt: new Date().toISOString() });
    }
    f.state = 'sent_email';
    return { status: 200, body: this.#json(ctx, flowId, f, [{ id: 1060003, text: 'An email containing a recovery code has been sent to the email address you provided. If you have not received an email, check the spelling of the address and make sure to use the address you registered with.', type: 'info', context: {} }]) };
  }

  /** POST /admin/recovery/code and /admin/recovery/link. */
  admin(ctx: SimContext, kind: 'code' | 'link', body: unknown): SimReply {
    if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new HttpError(400, 'The request body must be a JSON object');
    const b = body as Record<string, unknown>;
    only(b, kind === 'code' ? ['identity_id', 'expires_in', 'flow_type'] : ['identity_id', 'expires_in']);
    if (typeof b.identity_id !== 'string' || !/^[0-9a-f-]{36}$/i.test(b.identity_id)) throw new HttpError(400, 'identity_id must be a UUID');
    if (b.flow_type !== undefined && b.flow_type !== 'api' && b.flow_type !== 'browser') throw new HttpError(400, 'flow_type must be api or browser');
    const ms = durationMs(b.expires_in);
    const identity = ctx.store.identities.get(b.identity_id);
    if (!identity) throw new HttpError(404, 'The requested resource could not be found');
    if (identity.state !== 'active') throw new HttpError(400, 'The identity is not active, so it cannot be recovered.');
    const flow = randomUUID();
    this.#flows.set(flow, { expiresAt: Date.now() + ms, issuedAt: new Date().toISOString(), state: 'sent_email' });
    const expires_at = new Date(Date.now() + ms).toISOString();
    if (kind === 'link') return { status: 200, body: { recovery_link: `${ctx.url}/self-service/recovery?flow=${flow}&token=${randomUUID().replace(/-/g, '')}`, expires_at } };
    return { status: 201, body: { recovery_link: `${ctx.url}/self-service/recovery?flow=${flow}`, recovery_code: String(randomInt(0, 1_000_000)).padStart(6, '0'), expires_at } };
  }
}
