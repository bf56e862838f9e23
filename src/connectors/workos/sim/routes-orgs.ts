import { SimApiError, invalid, notFound } from './http.js';
import type { Route, SimContext, SimRequest, SimResponse } from './routes-users.js';
import { listJson, listParams, membershipJson, newId, organizationJson, paginate, type SimMembership, type SimOrganization } from './state.js';
import { mergeMetadata, validateOrganizationBody, validateRoleSlugs } from './validate.js';

/**
 * Organizations (`/organizations`) and organization memberships
 * (`/user_management/organization_memberships`) of the WorkOS simulator.
 *
 * - An organization's external_id is unique (workos.com/docs/authkit/metadata); a second one is
 *   409 `external_id_already_used` (simulator's choice: the code is not documented).
 * - POST /organizations honours `Idempotency-Key` (documented for this endpoint): the same key
 *   replays the first response.
 * - A second active membership of a user in an organization is 409 `Membership already exists`
 *   (workos/emulate); creating one where an inactive membership exists reactivates it.
 * - Without a role, a membership gets the environment's default role `member`.
 */

const SEG = '([^/]+)';

function orgOr404(ctx: SimContext, id: string): SimOrganization {
  const org = ctx.store.organizations.get(id);
  if (!org) throw notFound('Organization');
  return org;
}

function membershipOr404(ctx: SimContext, id: string): SimMembership {
  const m = ctx.store.memberships.get(id);
  if (!m) throw notFound('Organization Membership');
  return m;
}

function createOrganization(ctx: SimContext, req: SimRequest): SimResponse {
  const { store } = ctx;
  const key = req.headers['idempotency-key'];
  const idempotencyKey = typeof key === 'string' && key !== '' ? key : undefined;
  if (idempotencyKey !== undefined) {
    const replay = store.idempotentResponses.get(idempotencyKey);
    if (replay) return { status: replay.status, body: replay.body };
  }
  const fields = validateOrganizationBody(req.body, 'create');
  if (fields.externalId && store.organizationsByExternalId.has(fields.externalId)) {
    throw new SimApiError(409, 'An organization with this external ID already exists.', 'external_id_already_used');
  }
  const now = new Date().toISOString();
  const org: SimOrganization = {
    id: newId('org'),
    name: fields.name!,
    externalId: fields.externalId ?? null,
    metadata: mergeMetadata({}, fields.metadata ?? {}),
    domains: (fields.domains ?? []).map((d) => ({ id: newId('org_domain'), ...d })),
    createdAt: now,
    updatedAt: now,
  };
  store.organizations.set(org.id, org);
  if (org.externalId) store.organizationsByExternalId.set(org.externalId, org.id);
  ctx.commit();
  const response = { status: 201, body: organizationJson(org) };
  if (idempotencyKey !== undefined) store.idempotentResponses.set(idempotencyKey, response);
  return response;
}

function updateOrganization(ctx: SimContext, req: SimRequest): SimResponse {
  const org = orgOr404(ctx, req.params[0]!);
  const fields = validateOrganizationBody(req.body, 'update');
  const { store } = ctx;
  if (fields.externalId) {
    const other = store.organizationsByExternalId.get(fields.externalId);
    if (other !== undefined && other !== org.id) {
      throw new SimApiError(409, 'An organization with this external ID already exists.', 'external_id_already_used');
    }
  }
  const metadata = fields.metadata ? mergeMetadata(org.metadata, fields.metadata) : org.metadata;
  if (fields.name !== undefined) org.name = fields.name;
  if (fields.externalId !== undefined) {
    if (org.externalId) store.organizationsByExternalId.delete(org.externalId);
    org.externalId = fields.externalId;
    if (org.externalId) store.organizationsByExternalId.set(org.externalId, org.id);
  }
  if (fields.domains) org.domains = fields.domains.map((d) => ({ id: newId('org_domain'), ...d }));
  org.metadata = metadata;
  org.updatedAt = new Date().toISOString();
  ctx.commit();
  return { status: 200, body: organizationJson(org) };
}

function deleteOrganization(ctx: SimContext, req: SimRequest): SimResponse {
  const org = orgOr404(ctx, req.params[0]!);
  const { store } = ctx;
  for (const m of store.membershipsOf({ organizationId: org.id })) store.memberships.delete(m.id);
  store.organizations.delete(org.id);
  if (org.externalId) store.organizationsByExternalId.delete(org.externalId);
  ctx.commit();
  return { status: 204 };
}

function listOrganizations(ctx: SimContext, req: SimRequest): SimResponse {
  const p = listParams(req.query);
  const domains = req.query.getAll('domains').flatMap((d) => d.split(',')).filter((d) => d !== '');
  let orgs: Iterable<SimOrganization> = ctx.store.organizations.values();
  if (domains.length) orgs = [...orgs].filter((o) => o.domains.some((d) => domains.includes(d.domain)));
  return { status: 200, body: listJson(paginate(orgs, p), organizationJson) };
}

function requiredId(body: Record<string, unknown>, field: string): string {
  const v = body[field];
  if (typeof v !== 'string' || v === '') throw invalid(`${field} is required`, [{ field, code: 'required' }]);
  return v;
}

function createMembership(ctx: SimContext, req: SimRequest): SimResponse {
  const { store } = ctx;
  const unknown = Object.keys(req.body).filter((k) => !['organization_id', 'user_id', 'role_slug', 'role_slugs'].includes(k));
  if (unknown.length) throw invalid(`Unknown parameter: ${unknown.join(', ')}`, unknown.map((field) => ({ field, code: 'unknown_field' })));
  const organizationId = requiredId(req.body, 'organization_id');
  const userId = requiredId(req.body, 'user_id');
  const roles = validateRoleSlugs(req.body, ctx.roles);
  const org = orgOr404(ctx, organizationId);
  if (!store.users.has(userId)) throw notFound('User');
  const existing = store.membershipsOf({ userId, organizationId });
  if (existing.some((m) => m.status !== 'inactive')) throw new SimApiError(409, 'Membership already exists', 'conflict');
  const now = new Date().toISOString();
  const inactive = existing[0];
  if (inactive) {
    inactive.status = 'active';
    if (roles) inactive.roles = roles;
    inactive.updatedAt = now;
    ctx.commit();
    return { status: 201, body: membershipJson(inactive, org) };
  }
  const m: SimMembership = { id: newId('om'), userId, organizationId, roles: roles ?? ['member'], status: 'active', createdAt: now, updatedAt: now };
  store.memberships.set(m.id, m);
  ctx.commit();
  return { status: 201, body: membershipJson(m, org) };
}

function listMemberships(ctx: SimContext, req: SimRequest): SimResponse {
  const p = listParams(req.query);
  const userId = req.query.get('user_id') ?? undefined;
  const organizationId = req.query.get('organization_id') ?? undefined;
  if (userId === undefined && organizationId === undefined) {
    throw invalid('Either user_id or organization_id is required', [{ field: 'user_id', code: 'required' }]);
  }
  const statusText = req.query.get('statuses');
  const statuses = statusText === null ? undefined : statusText.split(',').filter((s) => s !== '');
  const rows = ctx.store.membershipsOf({ ...(userId !== undefined ? { userId } : {}), ...(organizationId !== undefined ? { organizationId } : {}), ...(statuses ? { statuses } : {}) });
  return { status: 200, body: listJson(paginate(rows, p), (m) => membershipJson(m, ctx.store.organizations.get(m.organizationId))) };
}

function updateMembership(ctx: SimContext, req: SimRequest): SimResponse {
  const m = membershipOr404(ctx, req.params[0]!);
  const unknown = Object.keys(req.body).filter((k) => !['role_slug', 'role_slugs'].includes(k));
  if (unknown.length) throw invalid(`Unknown parameter: ${unknown.join(', ')}`, unknown.map((field) => ({ field, code: 'unknown_field' })));
  const roles = validateRoleSlugs(req.body, ctx.roles);
  if (roles) m.roles = roles;
  m.updatedAt = new Date().toISOString();
  ctx.commit();
  return { status: 200, body: membershipJson(m, ctx.store.organizations.get(m.organizationId)) };
}

function setMembershipStatus(status: 'active' | 'inactive') {
  return (ctx: SimContext, req: SimRequest): SimResponse => {
    const m = membershipOr404(ctx, req.params[0]!);
    if (m.status === status) throw invalid(`Membership is already ${status}`, [{ field: 'status', code: `already_${status}` }]);
    m.status = status;
    m.updatedAt = new Date().toISOString();
    ctx.commit();
    return { status: 200, body: membershipJson(m, ctx.store.organizations.get(m.organizationId)) };
  };
}

/**
 * `GET /authorization/roles`: the environment's roles (shape of the SDK's deserializeEnvironmentRole).
 * With `roles` configured they are those; otherwise WorkOS's two defaults, admin and member.
 */
function listEnvironmentRoles(ctx: SimContext): SimResponse {
  const now = new Date(0).toISOString();
  const slugs = ctx.roles ?? ['admin', 'member'];
  return {
    status: 200,
    body: {
      object: 'list',
      data: slugs.map((slug) => ({ object: 'role', id: `role_${slug}`, name: slug, slug, description: null, permissions: [], resource_type_slug: 'organization', type: 'EnvironmentRole', created_at: now, updated_at: now })),
    },
  };
}

export const organizationRoutes: Route[] = [
  { method: 'GET', pattern: /^\/authorization\/roles$/, kind: 'read', handle: listEnvironmentRoles },
  { method: 'POST', pattern: /^\/organizations$/, kind: 'write', handle: createOrganization },
  { method: 'GET', pattern: /^\/organizations$/, kind: 'read', handle: listOrganizations },
  {
    method: 'GET',
    pattern: new RegExp(`^/organizations/external_id/${SEG}$`),
    kind: 'read',
    handle: (ctx, req) => {
      const id = ctx.store.organizationsByExternalId.get(req.params[0]!);
      return { status: 200, body: organizationJson(orgOr404(ctx, id ?? '')) };
    },
  },
  { method: 'GET', pattern: new RegExp(`^/organizations/${SEG}$`), kind: 'read', handle: (ctx, req) => ({ status: 200, body: organizationJson(orgOr404(ctx, req.params[0]!)) }) },
  { method: 'PUT', pattern: new RegExp(`^/organizations/${SEG}$`), kind: 'write', handle: updateOrganization },
  { method: 'DELETE', pattern: new RegExp(`^/organizations/${SEG}$`), kind: 'write', handle: deleteOrganization },
  { method: 'POST', pattern: /^\/user_management\/organization_memberships$/, kind: 'write', handle: createMembership },
  { method: 'GET', pattern: /^\/user_management\/organization_memberships$/, kind: 'read', handle: listMemberships },
  {
    method: 'GET',
    pattern: new RegExp(`^/user_management/organization_memberships/${SEG}$`),
    kind: 'read',
    handle: (ctx, req) => {
      const m = membershipOr404(ctx, req.params[0]!);
      return { status: 200, body: membershipJson(m, ctx.store.organizations.get(m.organizationId)) };
    },
  },
  { method: 'PUT', pattern: new RegExp(`^/user_management/organization_memberships/${SEG}$`), kind: 'write', handle: updateMembership },
  { method: 'PUT', pattern: new RegExp(`^/user_management/organization_memberships/${SEG}/deactivate$`), kind: 'write', handle: setMembershipStatus('inactive') },
  { method: 'PUT', pattern: new RegExp(`^/user_management/organization_memberships/${SEG}/reactivate$`), kind: 'write', handle: setMembershipStatus('active') },
  {
    method: 'DELETE',
    pattern: new RegExp(`^/user_management/organization_memberships/${SEG}$`),
    kind: 'write',
    handle: (ctx, req) => {
      const m = membershipOr404(ctx, req.params[0]!);
      ctx.store.memberships.delete(m.id);
      ctx.commit();
      return { status: 204 };
    },
  },
];
