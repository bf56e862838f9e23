/**
 * A small, strict stand-in for the parts of the Auth0 Management API the source reads, for tests
 * with the real `auth0` SDK pointed at it: the client-credentials token endpoint, `GET /users`
 * (offset paging, per_page ≤ 100, the 1000-record paging limit, `include_totals`, and the one
 * `q` form flagless sends: `created_at:[A TO B]`), `GET /organizations` and
 * `GET /organizations/{id}/members` (checkpoint paging with `from`/`take`, roles only with
 * `fields=roles`), `GET /connections` (checkpoint paging, `strategy` repeated, an unknown strategy is
 * 400) and `GET /organizations/{id}/enabled_connections` (offset paging, `page`/`per_page`),
 * rate-limit headers on every answer and 429s on demand.
 * Anything else it does not know is refused, so a client drifting from the API fails here first.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Auth0DumpMembership, Auth0Organization, Auth0Role, Auth0User } from '../types.js';

export interface Auth0SimulatorOptions {
  domain?: string;
  clientId?: string;
  clientSecret?: string;
  users?: Auth0User[];
  organizations?: Auth0Organization[];
  memberships?: Auth0DumpMembership[];
  /** Connections (`GET /connections`), in the API's shape, options included. */
  connections?: Record<string, unknown>[];
  /** Which connections each organization has enabled. */
  enabledConnections?: { organization_id: string; connection_id: string; assign_membership_on_login?: boolean }[];
  /** Management API tokens accepted without a token request (as AUTH0_MGMT_TOKEN gives one). */
  tokens?: string[];
}

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  status: number;
}

export interface Auth0Simulator {
  /** Base URL to pass as `apiUrl` (http://127.0.0.1:<port>). */
  url: string;
  domain: string;
  clientId: string;
  clientSecret: string;
  requests: RecordedRequest[];
  tokensIssued: number;
  /** The next `count` API requests answer 429 with these headers. */
  rateLimitNext(count: number, headers: { retryAfterSeconds?: number; resetInSeconds?: number }): void;
  /**
   * Changes at the tenant, each queued in `outbox` as the Event Streams CloudEvent Auth0 sends for
   * it (`user.created`, `user.updated`, `user.deleted`; `data.object` the user as the API shows it),
   * and for memberships `organization.member.added|deleted` (`{organization: {id, name}, user:
   * {user_id}}`) and one `organization.member.role.assigned|deleted` per role (`{organization: {id},
   * user: {user_id}, role: {id, name}}`), as the auth0 SDK's EventStreamCloudEventOrgMember* types say.
   */
  change: {
    createUser(u: Auth0User): void;
    updateUser(userId: string, patch: Partial<Auth0User>): void;
    deleteUser(userId: string): void;
    /** POST /organizations/{id}/members, then the roles given (POST …/members/{user}/roles). */
    addMember(orgId: string, userId: string, roles?: Auth0Role[]): void;
    /** DELETE /organizations/{id}/members: its roles in the organization go with it (no role events). */
    removeMember(orgId: string, userId: string): void;
    assignMemberRoles(orgId: string, userId: string, roles: Auth0Role[]): void;
    removeMemberRoles(orgId: string, userId: string, roleIds: string[]): void;
  };
  outbox: Record<string, unknown>[];
  close(): Promise<void>;
}

const USERS_PARAMS = new Set(['page', 'per_page', 'include_totals', 'sort', 'connection', 'fields', 'include_fields', 'q', 'search_engine', 'primary_order']);
const CHECKPOINT_PARAMS = new Set(['from', 'take', 'include_totals', 'fields', 'include_fields', 'sort', 'page', 'per_page']);
const CONNECTION_PARAMS = new Set(['from', 'take', 'include_totals', 'strategy', 'name', 'fields', 'include_fields', 'page', 'per_page']);
const OFFSET_PARAMS = new Set(['page', 'per_page', 'include_totals']);
/** The strategies Auth0 documents for connections (ConnectionStrategyEnum); anything else is 400. */
const STRATEGIES = new Set(['ad', 'adfs', 'amazon', 'apple', 'dropbox', 'bitbucket', 'auth0-oidc', 'auth0', 'baidu', 'bitly', 'box', 'custom', 'daccount', 'dwolla', 'email', 'evernote-sandbox', 'evernote', 'exact', 'facebook', 'fitbit', 'github', 'google-apps', 'google-oauth2', 'instagram', 'ip', 'line', 'linkedin', 'oauth1', 'oauth2', 'office365', 'oidc', 'okta', 'paypal', 'paypal-sandbox', 'pingfederate', 'planningcenter', 'salesforce-community', 'salesforce-sandbox', 'salesforce', 'samlp', 'sharepoint', 'shopify', 'shop', 'sms', 'soundcloud', 'thirtysevensignals', 'twitter', 'untappd', 'vkontakte', 'waad', 'weibo', 'windowslive', 'wordpress', 'yahoo', 'yandex']);
const RANGE = /^created_at:\[(\S+) TO (\S+)\]$/;
const RATE_LIMIT = 50;

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: Record<string, unknown>,
  ) {
    super(String(body.message ?? body.error));
  }
}

function badRequest(message: string, errorCode = 'invalid_query_string'): HttpError {
  return new HttpError(400, { statusCode: 400, error: 'Bad Request', message, errorCode });
}

function intParam(query: Record<string, string>, name: string, def: number, min: number, max: number): number {
  const v = query[name];
  if (v === undefined) return def;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) throw badRequest(`Query validation error: '${name}' must be an integer between ${min} and ${max}.`);
  return n;
}

function checkParams(query: Record<string, string>, allowed: Set<string>): void {
  for (const k of Object.keys(query)) if (!allowed.has(k)) throw badRequest(`Query validation error: 'Additional properties not allowed: ${k}'.`);
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function cursor(i: number): string {
  return Buffer.from(`i:${i}`).toString('base64url');
}

function fromCursor(from: string | undefined): number {
  if (from === undefined) return 0;
  const m = /^i:(\d+)$/.exec(Buffer.from(from, 'base64url').toString());
  if (!m) throw badRequest("Query validation error: 'from' is not a valid checkpoint.");
  return Number(m[1]);
}

/** Checkpoint paging shared by organizations and members: `{<key>: [...], next?}`. */
function checkpoint<T>(items: T[], query: Record<string, string>, key: string): Record<string, unknown> {
  const take = intParam(query, 'take', 50, 1, 100);
  const start = fromCursor(query.from);
  const slice = items.slice(start, start + take);
  return { [key]: slice, ...(start + take < items.length ? { next: cursor(start + take) } : {}) };
}

export async function startAuth0Simulator(options: Auth0SimulatorOptions = {}): Promise<Auth0Simulator> {
  const domain = options.domain ?? 'flagless-test.eu.auth0.com';
  const clientId = options.clientId ?? 'sim-client-id';
  const clientSecret = options.clientSecret ?? 'sim-client-secret';
  let users = [...(options.users ?? [])].sort((a, b) => String(a.created_at).localeCompare(String(b.created_at)) || String(a.user_id).localeCompare(String(b.user_id)));
  const organizations = options.organizations ?? [];
  // A copy: membership changes (change.addMember...) do not reach into the caller's arrays.
  const memberships = (options.memberships ?? []).map((m) => ({ ...m, ...(m.roles ? { roles: [...m.roles] } : {}) }));
  const connections = options.connections ?? [];
  const enabledConnections = options.enabledConnections ?? [];
  const tokens = new Set<string>(options.tokens ?? []);
  const requests: RecordedRequest[] = [];
  let limited = 0;
  let limitHeaders: { retryAfterSeconds?: number; resetInSeconds?: number } = {};
  let tokensIssued = 0;

  function token(body: Record<string, string>): Record<string, unknown> {
    if (body.grant_type !== 'client_credentials') throw new HttpError(403, { error: 'unsupported_grant_type', error_description: 'Unsupported grant type' });
    if (body.client_id !== clientId || body.client_secret !== clientSecret) throw new HttpError(401, { error: 'access_denied', error_description: 'Unauthorized' });
    if (body.audience !== `https://${domain}/api/v2/`) throw new HttpError(403, { error: 'access_denied', error_description: `Service not enabled within domain: ${body.audience}` });
    const access = randomBytes(24).toString('base64url');
    tokens.add(access);
    tokensIssued++;
    return { access_token: access, token_type: 'Bearer', expires_in: 86400, scope: 'read:users read:organizations read:organization_members read:organization_member_roles' };
  }

  function listUsers(query: Record<string, string>): unknown {
    checkParams(query, USERS_PARAMS);
    const page = intParam(query, 'page', 0, 0, Number.MAX_SAFE_INTEGER);
    const perPage = intParam(query, 'per_page', 50, 1, 100);
    let matched = users;
    if (query.q !== undefined) {
      if (query.search_engine !== 'v3') throw badRequest('the q parameter needs search_engine=v3 here.');
      const m = RANGE.exec(query.q);
      if (!m || Number.isNaN(Date.parse(m[1]!)) || Number.isNaN(Date.parse(m[2]!))) throw badRequest(`this simulator only understands q=created_at:[<ISO> TO <ISO>], got "${query.q}".`);
      const from = Date.parse(m[1]!);
      const to = Date.parse(m[2]!);
      matched = users.filter((u) => {
        const t = Date.parse(String(u.created_at));
        return t >= from && t <= to;
      });
    }
    if (query.sort !== undefined && query.sort !== 'created_at:1') throw badRequest(`this simulator only sorts by created_at:1, got "${query.sort}".`);
    if (page * perPage >= 1000) {
      throw badRequest('You can only page through the first 1000 records. See https://auth0.com/docs/users/search/v3/view-search-results-by-page#limitation', 'invalid_paging');
    }
    const start = page * perPage;
    const slice = matched.slice(start, Math.min(start + perPage, 1000));
    if (query.include_totals !== 'true') return slice;
    return { start, limit: perPage, length: slice.length, total: matched.length, users: slice };
  }

  function listMembers(orgId: string, query: Record<string, string>): unknown {
    checkParams(query, CHECKPOINT_PARAMS);
    if (!organizations.some((o) => o.id === orgId)) throw new HttpError(404, { statusCode: 404, error: 'Not Found', message: 'No organization found by that id or name', errorCode: 'inexistent_organization' });
    const fields = query.fields?.split(',').map((f) => f.trim());
    const include = query.include_fields !== 'false';
    const members = memberships
      .filter((m) => m.organization_id === orgId)
      .map((m) => {
        const u = users.find((x) => x.user_id === m.user_id);
        const full: Record<string, unknown> = { user_id: m.user_id, email: u?.email, name: u?.name, picture: u?.picture };
        // Roles are only sent when asked for with fields=roles.
        if (fields?.includes('roles') && include) full.roles = (m.roles ?? []).map((r) => ({ id: r.id, name: r.name }));
        if (!fields) return full;
        return Object.fromEntries(Object.entries(full).filter(([k]) => fields.includes(k) === include));
      });
    return checkpoint(members, query, 'members');
  }

  const outbox: Record<string, unknown>[] = [];
  let clock = Date.now();
  const stamp = () => new Date((clock = Math.max(clock + 1, Date.now()))).toISOString();
  const emit = (type: string, object: Record<string, unknown>, at: string) =>
    outbox.push({ specversion: '1.0', type, source: `urn:auth0:${domain}`, id: `evt_${randomBytes(8).toString('hex')}`, time: at, data: { object }, a0tenant: domain.split('.')[0], a0stream: 'est_sim' });
  const change: Auth0Simulator['change'] = {
    createUser(u) {
      const at = stamp();
      const full = { ...u, created_at: u.created_at ?? at, updated_at: at };
      users.push(full);
      emit('user.created', full, at);
    },
    updateUser(userId, patch) {
      const i = users.findIndex((x) => x.user_id === userId);
      if (i < 0) throw new Error(`no user ${userId}`);
      const at = stamp();
      const full = { ...users[i]!, ...patch, user_id: userId, updated_at: at };
      users[i] = full;
      emit('user.updated', full, at);
    },
    deleteUser(userId) {
      const u = users.find((x) => x.user_id === userId);
      if (!u) throw new Error(`no user ${userId}`);
      const at = stamp();
      users = users.filter((x) => x !== u);
      emit('user.deleted', { ...u, deleted_at: at }, at);
    },
    addMember(orgId, userId, roles = []) {
      const org = organizations.find((o) => o.id === orgId);
      if (!org) throw new Error(`no organization ${orgId}`);
      if (!users.some((u) => u.user_id === userId)) throw new Error(`no user ${userId}`);
      if (!memberships.some((m) => m.organization_id === orgId && m.user_id === userId)) {
        memberships.push({ organization_id: orgId, user_id: userId, roles: [] });
        emit('organization.member.added', { organization: { id: orgId, name: org.name }, user: { user_id: userId } }, stamp());
      }
      if (roles.length) change.assignMemberRoles(orgId, userId, roles);
    },
    removeMember(orgId, userId) {
      const i = memberships.findIndex((m) => m.organization_id === orgId && m.user_id === userId);
      if (i < 0) throw new Error(`${userId} is not a member of ${orgId}`);
      memberships.splice(i, 1);
      const org = organizations.find((o) => o.id === orgId);
      emit('organization.member.deleted', { organization: { id: orgId, ...(org?.name ? { name: org.name } : {}) }, user: { user_id: userId } }, stamp());
    },
    assignMemberRoles(orgId, userId, roles) {
      const m = memberships.find((x) => x.organization_id === orgId && x.user_id === userId);
      if (!m) throw new Error(`${userId} is not a member of ${orgId}`);
      for (const r of roles) {
        if ((m.roles ??= []).some((x) => x.id === r.id)) continue;
        m.roles.push(r);
        emit('organization.member.role.assigned', { organization: { id: orgId }, user: { user_id: userId }, role: { id: r.id, name: r.name } }, stamp());
      }
    },
    removeMemberRoles(orgId, userId, roleIds) {
      const m = memberships.find((x) => x.organization_id === orgId && x.user_id === userId);
      if (!m) throw new Error(`${userId} is not a member of ${orgId}`);
      for (const id of roleIds) {
        const r = (m.roles ?? []).find((x) => x.id === id);
        if (!r) continue;
        m.roles = (m.roles ?? []).filter((x) => x !== r);
        emit('organization.member.role.deleted', { organization: { id: orgId }, user: { user_id: userId }, role: { id: r.id, name: r.name } }, stamp());
      }
    },
  };
  const offsetPage = <T>(items: T[], query: Record<string, string>, key: string): unknown => {
    const page = intParam(query, 'page', 0, 0, Number.MAX_SAFE_INTEGER);
    const perPage = intParam(query, 'per_page', 50, 1, 100);
    const slice = items.slice(page * perPage, page * perPage + perPage);
    return query.include_totals === 'true' ? { start: page * perPage, limit: perPage, total: items.length, [key]: slice } : slice;
  };
  const noUser = () => new HttpError(404, { statusCode: 404, error: 'Not Found', message: 'The user does not exist.', errorCode: 'inexistent_user' });


  function listConnections(query: Record<string, string>, all: URLSearchParams): unknown {
    checkParams(query, CONNECTION_PARAMS);
    const strategies = all.getAll('strategy');
    for (const st of strategies) if (!STRATEGIES.has(st)) throw badRequest(`Query validation error: 'strategy' must be one of the documented strategies; got "${st}".`);
    let list = connections.filter((c) => (strategies.length === 0 || strategies.includes(String(c.strategy))) && (query.name === undefined || c.name === query.name));
    const fields = query.fields?.split(',').map((f) => f.trim());
    if (fields) {
      const include = query.include_fields !== 'false';
      list = list.map((c) => Object.fromEntries(Object.entries(c).filter(([k]) => fields.includes(k) === include)));
    }
    if (query.from !== undefined || query.take !== undefined) return checkpoint(list, query, 'connections');
    const page = intParam(query, 'page', 0, 0, Number.MAX_SAFE_INTEGER);
    const perPage = intParam(query, 'per_page', 50, 1, 100);
    const slice = list.slice(page * perPage, page * perPage + perPage);
    return query.include_totals === 'true' ? { start: page * perPage, limit: perPage, total: list.length, connections: slice } : slice;
  }

  function listEnabledConnections(orgId: string, query: Record<string, string>): unknown {
    checkParams(query, OFFSET_PARAMS);
    if (!organizations.some((o) => o.id === orgId)) throw new HttpError(404, { statusCode: 404, error: 'Not Found', message: 'No organization found by that id or name', errorCode: 'inexistent_organization' });
    const page = intParam(query, 'page', 0, 0, Number.MAX_SAFE_INTEGER);
    const perPage = intParam(query, 'per_page', 50, 1, 100);
    const all = enabledConnections
      .filter((e) => e.organization_id === orgId)
      .map((e) => {
        const c = connections.find((x) => x.id === e.connection_id);
        return { connection_id: e.connection_id, assign_membership_on_login: e.assign_membership_on_login ?? false, show_as_button: true, is_signup_enabled: false, connection: { name: c?.name, strategy: c?.strategy } };
      });
    const slice = all.slice(page * perPage, page * perPage + perPage);
    return query.include_totals === 'true' ? { enabled_connections: slice, start: page * perPage, limit: perPage, total: all.length } : slice;
  }

  async function handle(req: IncomingMessage, res: ServerResponse, path: string, query: Record<string, string>, all: URLSearchParams): Promise<unknown> {
    if (req.method === 'POST' && path === '/oauth/token') {
      const text = await readBody(req);
      const type = req.headers['content-type'] ?? '';
      const body = type.includes('application/json') ? (JSON.parse(text) as Record<string, string>) : Object.fromEntries(new URLSearchParams(text));
      return token(body);
    }
    if (!path.startsWith('/api/v2/')) throw new HttpError(404, { statusCode: 404, error: 'Not Found', message: 'Not Found' });
    const auth = req.headers.authorization ?? '';
    if (!auth.startsWith('Bearer ') || !tokens.has(auth.slice(7))) throw new HttpError(401, { statusCode: 401, error: 'Unauthorized', message: 'Invalid token', attributes: { error: 'Invalid token' } });
    const reset = Math.ceil(Date.now() / 1000) + (limitHeaders.resetInSeconds ?? 1);
    if (limited > 0) {
      limited--;
      res.setHeader('x-ratelimit-limit', String(RATE_LIMIT));
      res.setHeader('x-ratelimit-remaining', '0');
      res.setHeader('x-ratelimit-reset', String(reset));
      if (limitHeaders.retryAfterSeconds !== undefined) res.setHeader('retry-after', String(limitHeaders.retryAfterSeconds));
      throw new HttpError(429, { statusCode: 429, error: 'Too Many Requests', message: 'Global limit has been reached', errorCode: 'too_many_requests' });
    }
    res.setHeader('x-ratelimit-limit', String(RATE_LIMIT));
    res.setHeader('x-ratelimit-remaining', String(RATE_LIMIT - 1));
    res.setHeader('x-ratelimit-reset', String(reset));
    if (req.method !== 'GET') throw new HttpError(405, { statusCode: 405, error: 'Method Not Allowed', message: `${req.method} is not simulated` });
    if (path === '/api/v2/users') return listUsers(query);
    if (path === '/api/v2/connections') return listConnections(query, all);
    const enabled = /^\/api\/v2\/organizations\/([^/]+)\/enabled_connections$/.exec(path);
    if (enabled) return listEnabledConnections(decodeURIComponent(enabled[1]!), query);
    if (path === '/api/v2/organizations') {
      checkParams(query, CHECKPOINT_PARAMS);
      return checkpoint(organizations, query, 'organizations');
    }
    const one = /^\/api\/v2\/users\/([^/]+)(\/organizations)?$/.exec(path);
    if (one) {
      const id = decodeURIComponent(one[1]!);
      const u = users.find((x) => x.user_id === id);
      if (!u) throw noUser();
      if (!one[2]) return u;
      const mine = memberships.filter((m) => m.user_id === id).map((m) => organizations.find((o) => o.id === m.organization_id)).filter((o) => o !== undefined);
      return offsetPage(mine, query, 'organizations');
    }
    const roles = /^\/api\/v2\/organizations\/([^/]+)\/members\/([^/]+)\/roles$/.exec(path);
    if (roles) {
      const m = memberships.find((x) => x.organization_id === decodeURIComponent(roles[1]!) && x.user_id === decodeURIComponent(roles[2]!));
      if (!m) throw new HttpError(404, { statusCode: 404, error: 'Not Found', message: 'No membership found', errorCode: 'inexistent_member' });
      return offsetPage((m.roles ?? []).map((r) => ({ id: r.id, name: r.name, description: '' })), query, 'roles');
    }
    const org = /^\/api\/v2\/organizations\/([^/]+)$/.exec(path);
    if (org) {
      const o = organizations.find((x) => x.id === decodeURIComponent(org[1]!));
      if (!o) throw new HttpError(404, { statusCode: 404, error: 'Not Found', message: 'No organization found by that id or name', errorCode: 'inexistent_organization' });
      return o;
    }
    const members = /^\/api\/v2\/organizations\/([^/]+)\/members$/.exec(path);
    if (members) return listMembers(decodeURIComponent(members[1]!), query);
    throw new HttpError(404, { statusCode: 404, error: 'Not Found', message: 'Not Found' });
  }

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const query = Object.fromEntries(url.searchParams);
    const record: RecordedRequest = { method: req.method ?? 'GET', path: url.pathname, query, status: 200 };
    requests.push(record);
    handle(req, res, url.pathname, query, url.searchParams).then(
      (body) => {
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      },
      (e: unknown) => {
        const err = e instanceof HttpError ? e : new HttpError(500, { statusCode: 500, error: 'Internal Server Error', message: String(e) });
        record.status = err.status;
        res.writeHead(err.status, { 'content-type': 'application/json' }).end(JSON.stringify(err.body));
      },
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    domain,
    clientId,
    clientSecret,
    requests,
    get tokensIssued() {
      return tokensIssued;
    },
    rateLimitNext(count, headers) {
      limited = count;
      limitHeaders = headers;
    },
    change,
    outbox,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((e) => (e ? reject(e) : resolve()));
      }),
  };
}
