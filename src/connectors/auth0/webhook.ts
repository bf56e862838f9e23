import { createHash, timingSafeEqual } from 'node:crypto';
import { FlaglessError } from '../../protocol/errors.js';
import type { InboundEvent, SourceChange, SyncFactoryOptions, WebhookReceiver } from '../../protocol/sync.js';
import { mapAuth0User, mapOrganization } from './map.js';
import type { Auth0Organization, Auth0User } from './types.js';

/**
 * Auth0's two push channels, on one endpoint:
 *
 *  - Event Streams (webhook destination): one CloudEvent per request, `{specversion, type, source,
 *    id, time, data: {object}, a0tenant, a0stream}` with `type` `user.created`, `user.updated` or
 *    `user.deleted` and `data.object` the user as the Management API returns it (deleted: with
 *    `deleted_at`); and `organization.created|updated|deleted` with `data.object` the organization
 *    `{id, name, display_name, metadata}`; and `organization.member.added|deleted`,
 *    `organization.member.role.assigned|deleted` with `data.object` `{organization: {id}, user:
 *    {user_id}, role?}`, about the member (its memberships are read from the API). Authentication is what the stream's `webhook_authorization` says: `bearer`
 *    (Authorization: Bearer <token>) or `basic` (username and password).
 *  - Log Streams (custom webhook): log records as a JSON array, JSON lines or one object, each
 *    `{log_id, data: {type, date, user_id, ...}}`, with the stream's "Authorization Token" sent
 *    verbatim as the Authorization header. Types synced: `ss` (successful signup: the user is read
 *    from the API), `sdu` (successful user deletion), `scp` (successful password change) and
 *    `sce`/`scu` (email or username changed: read from the API).
 *
 * Secrets: AUTH0_WEBHOOK_TOKEN (bearer token, or the log stream's whole Authorization value), or
 * AUTH0_WEBHOOK_USERNAME + AUTH0_WEBHOOK_PASSWORD (basic). Compared in constant time.
 */
const LOG_TYPES: Record<string, 'created' | 'deleted' | 'password' | 'touched'> = { ss: 'created', sdu: 'deleted', scp: 'password', sce: 'touched', scu: 'touched' };
const MAX_EVENTS = 1000;

function digest(s: string): Buffer {
  return createHash('sha256').update(s).digest();
}

function same(a: string, b: string): boolean {
  return timingSafeEqual(digest(a), digest(b));
}

function header(headers: Readonly<Record<string, string | string[] | undefined>>, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function str(v: unknown, max = 300): string | undefined {
  return typeof v === 'string' && v !== '' && v.length <= max ? v : undefined;
}

function parseBody(raw: Buffer): unknown[] {
  const text = raw.toString('utf8').trim();
  if (text === '') throw new FlaglessError('E_WEBHOOK_PAYLOAD', 'the delivery is empty');
  try {
    const parsed: unknown = JSON.parse(text);
    return Array.isArray(parsed) ? parsed : [parsed];
  } catch {
    // JSON lines (a log stream's "JSON Lines" format).
    try {
      return text.split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as unknown);
    } catch {
      throw new FlaglessError('E_WEBHOOK_PAYLOAD', 'the delivery is neither JSON nor JSON lines');
    }
  }
}

/** The organization events of an event stream (auth0 7.1 `EventStreamCloudEventOrg{Created,Updated,Deleted}CloudEvent`): `data.object` is `{id, name, display_name?, metadata?, branding?}`. */
const ORG_EVENTS = ['organization.created', 'organization.updated', 'organization.deleted'];
/**
 * The membership events of an event stream (auth0 7.1 `EventStreamCloudEventOrgMember{Added,Deleted}CloudEvent`,
 * `EventStreamCloudEventOrgMemberRole{Assigned,Deleted}CloudEvent`): `data.object` is
 * `{organization: {id, name?}, user: {user_id, ...}}`, the role events add `role: {id, name}`.
 */
const MEMBER_EVENTS = ['organization.member.added', 'organization.member.deleted', 'organization.member.role.assigned', 'organization.member.role.deleted'];

/** The member's user id of a membership event's object, if it has one. */
function memberUserId(object: Record<string, unknown> | undefined): string | undefined {
  const user = object && isObject(object.user) ? object.user : undefined;
  const org = object && isObject(object.organization) ? object.organization : undefined;
  return user && org && str(org.id) ? str(user.user_id) : undefined;
}

function cloudEvent(e: Record<string, unknown>): InboundEvent {
  const id = str(e.id, 200);
  const type = str(e.type, 100);
  const data = isObject(e.data) ? e.data : undefined;
  const object = data && isObject(data.object) ? data.object : undefined;
  // A user event is about its user, and so is a membership event (the member's memberships are
  // read whole when it is applied); an organization event about `org:<id>` (its events in order).
  const orgId = type && ORG_EVENTS.includes(type) && object ? str(object.id) : undefined;
  const member = type && MEMBER_EVENTS.includes(type);
  const subject = orgId ? `org:${orgId}` : member ? memberUserId(object) : object ? str(object.user_id) : undefined;
  if (!id || !type || !subject) {
    throw new FlaglessError(
      'E_WEBHOOK_PAYLOAD',
      'an Auth0 event lacks its id, type or data.object.user_id (data.object.id for an organization event, data.object.user.user_id and data.object.organization.id for a membership event)',
    );
  }
  const time = Date.parse(str(e.time) ?? '');
  return { id: `evt:${id}`, type, subject, occurredAtMs: Number.isFinite(time) ? time : Date.now(), body: JSON.stringify(e) };
}

function logEvent(e: Record<string, unknown>): InboundEvent {
  const data = isObject(e.data) ? e.data : e;
  const id = str(e.log_id, 200) ?? str(data.log_id, 200) ?? str(data._id, 200);
  const type = str(data.type, 20);
  if (!id || !type) throw new FlaglessError('E_WEBHOOK_PAYLOAD', 'an Auth0 log record lacks its log_id or type');
  const userId = str(data.user_id);
  const time = Date.parse(str(data.date) ?? '');
  return { id: `log:${id}`, type: `log.${type}`, subject: userId ?? `other:log`, occurredAtMs: Number.isFinite(time) ? time : Date.now(), body: JSON.stringify(e) };
}

export function decodeAuth0Event(event: InboundEvent): SourceChange {
  const e = JSON.parse(event.body) as Record<string, unknown>;
  // A CloudEvent (Event Streams) or a log record (Log Streams), told apart by shape as on receipt.
  if (typeof e.specversion === 'string') {
    if (typeof e.type === 'string' && ORG_EVENTS.includes(e.type)) {
      const raw = (e.data as { object: Auth0Organization }).object;
      if (e.type === 'organization.deleted') return { kind: 'organization-deleted', organizationId: String(raw.id), atMs: event.occurredAtMs };
      const organization = mapOrganization(raw);
      if (!organization) return { kind: 'ignored', reason: 'the event organization has no id' };
      // The object carries no updated_at: it is the organization as of the event's time.
      return { kind: 'organization', organization, updatedAtMs: event.occurredAtMs };
    }
    if (typeof e.type === 'string' && MEMBER_EVENTS.includes(e.type)) {
      // Added, removed, a role assigned or taken away: the event says what changed, not the member's
      // memberships as a whole, and a later change may have happened since (events arrive out of
      // order and twice). So the member's current memberships and roles are read from the API and
      // applied whole, as for Clerk's organizationMembership events.
      return { kind: 'user-touched', userId: event.subject };
    }
    const object = (e.data as { object: Auth0User }).object;
    const userId = String(object.user_id);
    switch (e.type) {
      case 'user.created':
      case 'user.updated': {
        const { user } = mapAuth0User(object, { password: { kind: 'no-file' } });
        if (!user) return { kind: 'ignored', reason: 'the event user cannot be read' };
        const updatedAtMs = Date.parse(object.updated_at ?? '');
        return { kind: 'user', user, ...(Number.isFinite(updatedAtMs) ? { updatedAtMs } : {}), membershipsKnown: false };
      }
      case 'user.deleted':
        return { kind: 'user-deleted', userId, atMs: event.occurredAtMs };
      default:
        return { kind: 'ignored', reason: `Auth0 event type ${String(e.type).slice(0, 100)} is not synced` };
    }
  }
  const data = (isObject(e.data) ? e.data : e) as Record<string, unknown>;
  const what = LOG_TYPES[String(data.type)];
  const userId = str(data.user_id);
  if (!what || !userId) return { kind: 'ignored', reason: `Auth0 log type ${String(data.type).slice(0, 20)} is not synced` };
  switch (what) {
    case 'deleted':
      return { kind: 'user-deleted', userId, atMs: event.occurredAtMs };
    case 'password':
      return { kind: 'password-changed', userId, atMs: event.occurredAtMs };
    default:
      return { kind: 'user-touched', userId };
  }
}

export async function auth0Webhooks(options: SyncFactoryOptions): Promise<WebhookReceiver> {
  const token = options.env.AUTH0_WEBHOOK_TOKEN;
  const username = options.env.AUTH0_WEBHOOK_USERNAME;
  const password = options.env.AUTH0_WEBHOOK_PASSWORD;
  if (!token && !(username && password)) {
    throw new FlaglessError(
      'E_USAGE',
      "set AUTH0_WEBHOOK_TOKEN to the event stream's bearer token (or the log stream's Authorization token), or AUTH0_WEBHOOK_USERNAME and AUTH0_WEBHOOK_PASSWORD for an event stream with basic authorization, to receive Auth0 events.",
    );
  }
  const authorized = (auth: string | undefined): boolean => {
    if (!auth) return false;
    if (token) {
      if (same(auth, token) || same(auth, `Bearer ${token}`)) return true;
      const m = /^Bearer\s+(.+)$/i.exec(auth);
      if (m && same(m[1]!.trim(), token)) return true;
    }
    if (username && password) {
      const m = /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(auth);
      if (m && same(Buffer.from(m[1]!, 'base64').toString('utf8'), `${username}:${password}`)) return true;
    }
    return false;
  };
  return {
    vendor: 'auth0',
    receive(headers, rawBody) {
      if (!authorized(header(headers, 'authorization'))) throw new FlaglessError('E_WEBHOOK_AUTH', 'the Authorization header does not carry the configured Auth0 webhook token or credentials');
      const items = parseBody(rawBody);
      if (items.length > MAX_EVENTS) throw new FlaglessError('E_WEBHOOK_PAYLOAD', `a delivery may hold at most ${MAX_EVENTS} events`);
      return items.map((item) => {
        if (!isObject(item)) throw new FlaglessError('E_WEBHOOK_PAYLOAD', 'an Auth0 event is not an object');
        return typeof item.specversion === 'string' ? cloudEvent(item) : logEvent(item);
      });
    },
    decode: decodeAuth0Event,
  };
}
