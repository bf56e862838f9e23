import { FlaglessError } from '../../protocol/errors.js';
import type { InboundEvent, SourceChange, SyncFactoryOptions, WebhookReceiver } from '../../protocol/sync.js';
import { membershipFromJson, organizationFromJson, userFromApiJson } from './map.js';
import type { ClerkMembershipJson, ClerkOrganizationJson, ClerkUserJson } from './types.js';

/**
 * Clerk's webhooks, delivered by Svix and verified with the `svix` library (the one Clerk's own
 * `verifyWebhook` wraps): `svix-id`, `svix-timestamp`, `svix-signature` headers, an HMAC-SHA256
 * over `id.timestamp.body` with the endpoint's `whsec_…` secret (CLERK_WEBHOOK_SECRET), and a
 * timestamp older or newer than 5 minutes refused (svix's tolerance). Svix retries a delivery with
 * the same `svix-id`, which is the inbox key.
 *
 * The body is `{type, object: "event", data, timestamp, instance_id, event_attributes}`
 * (@clerk/backend `WebhookEvent`): `user.created|updated` carry the Backend API's UserJSON,
 * `user.deleted` a DeletedObjectJSON `{object, id, deleted}`, `organization.*` an OrganizationJSON
 * (deleted: DeletedObjectJSON), `organizationMembership.*` an OrganizationMembershipJSON.
 */
export const CLERK_EVENTS = [
  'user.created',
  'user.updated',
  'user.deleted',
  'organization.created',
  'organization.updated',
  'organization.deleted',
  'organizationMembership.created',
  'organizationMembership.updated',
  'organizationMembership.deleted',
] as const;

interface ClerkEventBody {
  type: string;
  object?: string;
  data: Record<string, unknown>;
  timestamp?: number;
}

function header(headers: Readonly<Record<string, string | string[] | undefined>>, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Which subject an event is about: the user for user and membership events, the organization otherwise. */
function subjectOf(body: ClerkEventBody): string {
  const d = body.data;
  if (body.type.startsWith('organizationMembership.')) {
    const m = membershipFromJson(d as unknown as ClerkMembershipJson);
    if (!m) throw new FlaglessError('E_WEBHOOK_PAYLOAD', `a Clerk ${body.type} event names no user or organization`);
    return m.userId;
  }
  if (typeof d.id !== 'string' || d.id === '' || d.id.length > 200) throw new FlaglessError('E_WEBHOOK_PAYLOAD', `a Clerk ${body.type} event has no id`);
  return body.type.startsWith('organization.') ? `org:${d.id}` : d.id;
}

export function decodeClerkEvent(event: InboundEvent): SourceChange {
  const body = JSON.parse(event.body) as ClerkEventBody;
  const d = body.data;
  switch (body.type) {
    case 'user.created':
    case 'user.updated': {
      const json = d as unknown as ClerkUserJson;
      const { user } = userFromApiJson(json);
      // The webhook's UserJSON lists no organization memberships: those come with their own events.
      return { kind: 'user', user, ...(typeof json.updated_at === 'number' ? { updatedAtMs: json.updated_at } : {}), membershipsKnown: false };
    }
    case 'user.deleted':
      return { kind: 'user-deleted', userId: String(d.id), atMs: event.occurredAtMs };
    case 'organization.created':
    case 'organization.updated': {
      const json = d as unknown as ClerkOrganizationJson & { updated_at?: unknown };
      // OrganizationJSON's updated_at (ms) orders the organization's states, as a user's does.
      const updatedAtMs = typeof json.updated_at === 'number' && Number.isFinite(json.updated_at) ? json.updated_at : event.occurredAtMs;
      return { kind: 'organization', organization: organizationFromJson(json), updatedAtMs };
    }
    case 'organization.deleted':
      return { kind: 'organization-deleted', organizationId: String(d.id), atMs: event.occurredAtMs };
    case 'organizationMembership.created':
    case 'organizationMembership.updated':
    case 'organizationMembership.deleted':
      // The user's memberships as a whole are read from the API: a membership event alone cannot say
      // whether a later one (a role change, a removal) has happened since.
      return { kind: 'user-touched', userId: event.subject };
    default:
      return { kind: 'ignored', reason: `Clerk event type ${body.type} is not synced` };
  }
}

export async function clerkWebhooks(options: SyncFactoryOptions): Promise<WebhookReceiver> {
  const secret = options.env.CLERK_WEBHOOK_SECRET;
  if (!secret || !secret.startsWith('whsec_')) {
    throw new FlaglessError('E_USAGE', "set CLERK_WEBHOOK_SECRET to the endpoint's signing secret (whsec_…, Clerk dashboard → Webhooks → the endpoint) to receive Clerk webhooks.");
  }
  const { Webhook } = await import('svix');
  let wh: InstanceType<typeof Webhook>;
  try {
    wh = new Webhook(secret);
  } catch {
    throw new FlaglessError('E_USAGE', 'CLERK_WEBHOOK_SECRET is not a valid Svix signing secret (whsec_ followed by base64).');
  }
  return {
    vendor: 'clerk',
    receive(headers, rawBody) {
      const id = header(headers, 'svix-id');
      const timestamp = header(headers, 'svix-timestamp');
      const signature = header(headers, 'svix-signature');
      if (!id || !timestamp || !signature) throw new FlaglessError('E_WEBHOOK_AUTH', 'the delivery lacks the svix-id, svix-timestamp or svix-signature header');
      if (id.length > 200) throw new FlaglessError('E_WEBHOOK_AUTH', 'the svix-id header is too long');
      let body: unknown;
      try {
        body = wh.verify(rawBody, { 'svix-id': id, 'svix-timestamp': timestamp, 'svix-signature': signature });
      } catch {
        // svix's messages say which check failed; neither the signature nor the body is repeated.
        throw new FlaglessError('E_WEBHOOK_AUTH', 'the Svix signature or timestamp does not verify (wrong secret, altered body, or a timestamp more than 5 minutes off)');
      }
      if (!isObject(body) || typeof body.type !== 'string' || !isObject(body.data)) throw new FlaglessError('E_WEBHOOK_PAYLOAD', 'the Clerk event is not {type, data}');
      const event = body as unknown as ClerkEventBody;
      const occurredAtMs = typeof event.timestamp === 'number' && Number.isFinite(event.timestamp) ? event.timestamp : Number(timestamp) * 1000;
      const subject = (CLERK_EVENTS as readonly string[]).includes(event.type) ? subjectOf(event) : `other:${event.type.slice(0, 100)}`;
      return [{ id, type: event.type.slice(0, 100), subject, occurredAtMs, body: rawBody.toString('utf8') }];
    },
    decode: decodeClerkEvent,
  };
}
