// Organizations as realm groups, for Keycloak servers without organization groups (before 26.6;
// organizations themselves arrived in 26.0), or when KEYCLOAK_ORGANIZATIONS=groups asks for it:
//
//   /organizations                 a top-level group, created on first use
//   /organizations/<name>          one group per organization: attribute flagless_source_id, metadata.*
//   /organizations/<name>/<role>   one subgroup per membership role (attribute flagless_role)
//
// A member joins the organization's group and one subgroup per role. Only the realm groups API is
// used (GET/POST /groups, /groups/{id}/children, PUT/DELETE /users/{id}/groups/{groupId}), which
// every Keycloak since 23 has. Found again by the source-id attribute, so re-runs write nothing.
import type { Organization } from '../../model/user.js';
import { FlaglessError } from '../../protocol/errors.js';
import type { TargetOrgRef, TargetUserRef, TargetUserView } from '../../protocol/target.js';
import type { KeycloakAdminHttp } from './admin-http.js';
import { decodeSourceId, ROLE_ATTRIBUTE, roleGroupName, roleGroupNames, sameAttributes, SOURCE_ID_ATTRIBUTE, toKeycloakOrganization, withoutFlaglessAttributes } from './map.js';
import { RoleGroups, type GroupRep } from './role-groups.js';

export const ORGANIZATIONS_GROUP = 'organizations';

function externalIdOf(g: GroupRep): string | undefined {
  const stored = g.attributes?.[SOURCE_ID_ATTRIBUTE]?.[0];
  return stored ? decodeSourceId(stored) : undefined;
}

export class OrganizationGroups {
  readonly #http: KeycloakAdminHttp;
  #parent: Promise<string> | undefined;
  /** The organization groups under the parent, by id, loaded once (and again after a clash). */
  #orgs: Promise<Map<string, GroupRep>> | undefined;
  /** Each organization group's role subgroups. */
  readonly #roles: RoleGroups;

  constructor(http: KeycloakAdminHttp) {
    this.#http = http;
    this.#roles = new RoleGroups({
      list: (orgGroupId) => this.#children(orgGroupId),
      create: async (orgGroupId, body) => (await http.request('POST', `/groups/${encodeURIComponent(orgGroupId)}/children`, { what: 'create role group', body, accept: [409] })).createdId,
    });
  }

  /** The id of the top-level `organizations` group, created when missing. */
  #parentId(): Promise<string> {
    this.#parent ??= (async () => {
      for (let attempt = 0; attempt < 2; attempt++) {
        const { body } = await this.#http.get<GroupRep[]>('/groups', { what: 'find the organizations group', query: { search: ORGANIZATIONS_GROUP, exact: true, briefRepresentation: true, max: 10 } });
        const found = body.find((g) => g.name === ORGANIZATIONS_GROUP && (g.path === undefined || g.path === `/${ORGANIZATIONS_GROUP}`));
        if (found?.id) return found.id;
        const r = await this.#http.request('POST', '/groups', { what: 'create the organizations group', body: { name: ORGANIZATIONS_GROUP }, accept: [409] });
        if (r.createdId) return r.createdId;
        // 409: created meanwhile by another worker: read it again.
      }
      throw new FlaglessError('E_TARGET_CONFLICT', `Keycloak group /${ORGANIZATIONS_GROUP} exists but cannot be read`, { errorClass: 'retriable' });
    })();
    this.#parent.catch(() => (this.#parent = undefined));
    return this.#parent;
  }

  async #children(parentId: string): Promise<GroupRep[]> {
    const out: GroupRep[] = [];
    for await (const page of this.#http.pages<GroupRep>(`/groups/${encodeURIComponent(parentId)}/children`, { what: 'list subgroups', query: { briefRepresentation: false } }, 500)) out.push(...page);
    return out;
  }

  #organizations(reload = false): Promise<Map<string, GroupRep>> {
    if (reload) this.#orgs = undefined;
    this.#orgs ??= (async () => new Map((await this.#children(await this.#parentId())).filter((g) => g.id).map((g) => [g.id!, g])))();
    this.#orgs.catch(() => (this.#orgs = undefined));
    return this.#orgs;
  }

  async find(key: { externalId: string; name: string }): Promise<TargetOrgRef | undefined> {
    const orgs = [...(await this.#organizations()).values()];
    const hit = orgs.find((g) => externalIdOf(g) === key.externalId);
    if (hit) return ref(hit);
    const name = key.name.trim();
    const same = name ? orgs.filter((g) => g.name === name) : [];
    return same.length === 1 ? ref(same[0]!) : undefined;
  }

  async create(org: Organization): Promise<TargetOrgRef> {
    const parentId = await this.#parentId();
    for (const disambiguate of [false, true]) {
      const rep = toKeycloakOrganization(org, disambiguate);
      const body = { name: rep.name, attributes: rep.attributes };
      const r = await this.#http.request('POST', `/groups/${encodeURIComponent(parentId)}/children`, { what: 'create organization group', body, accept: disambiguate ? [] : [409] });
      if (r.createdId) {
        const group: GroupRep = { id: r.createdId, name: rep.name ?? org.name, attributes: rep.attributes ?? {} };
        (await this.#organizations()).set(r.createdId, group);
        return ref(group);
      }
      // 409: the name is taken. By this organization itself (an earlier write whose answer was lost)?
      const again = [...(await this.#organizations(true)).values()].find((g) => externalIdOf(g) === org.sourceId);
      if (again) return ref(again);
    }
    throw new FlaglessError('E_TARGET_UNAVAILABLE', 'Keycloak create organization group: no Location in the answer', { errorClass: 'retriable' });
  }

  /**
   * PUT /groups/{id} with the name and flagless's attributes (source id, `metadata.*`) replaced,
   * other attributes kept (Keycloak replaces the attribute map it is given). A name a sibling holds
   * (409) gets the source id appended, as at creation. Nothing is sent when the group already matches.
   */
  async update(target: TargetOrgRef, org: Organization): Promise<TargetOrgRef> {
    const path = `/groups/${encodeURIComponent(target.id)}`;
    const current = await this.#http.get<GroupRep>(path, { what: 'read organization group', accept: [404] });
    if (current.status === 404) throw new FlaglessError('E_TARGET_VALIDATION', `Keycloak organization group ${target.id} no longer exists`, { errorClass: 'skippable' });
    const stored = current.body;
    for (const disambiguate of [false, true]) {
      const rep = toKeycloakOrganization(org, disambiguate);
      const attributes = { ...withoutFlaglessAttributes(stored.attributes), ...(rep.attributes ?? {}) };
      const name = rep.name ?? org.name;
      if (sameAttributes(stored.attributes, attributes) && (stored.name === name || (!disambiguate && stored.name === toKeycloakOrganization(org, true).name))) return ref(stored);
      const r = await this.#http.request('PUT', path, { what: 'update organization group', body: { ...stored, name, attributes }, accept: disambiguate ? [] : [409] });
      if (r.status !== 409) {
        const group: GroupRep = { ...stored, name, attributes };
        (await this.#organizations()).set(target.id, group);
        return ref(group);
      }
    }
    throw new FlaglessError('E_TARGET_CONFLICT', `Keycloak organization group ${target.id}: the name is taken`, { errorClass: 'skippable' });
  }

  /** DELETE /groups/{id}: its role subgroups and every membership go with it. A 404 is `absent`. */
  async delete(target: TargetOrgRef): Promise<'deleted' | 'absent'> {
    const r = await this.#http.request('DELETE', `/groups/${encodeURIComponent(target.id)}`, { what: 'delete organization group', accept: [404] });
    (await this.#organizations()).delete(target.id);
    this.#roles.forget(target.id);
    return r.status === 404 ? 'absent' : 'deleted';
  }

  /** The user's groups (with ids, paths and attributes). */
  async #userGroups(userId: string): Promise<GroupRep[]> {
    const { body } = await this.#http.get<GroupRep[]>(`/users/${encodeURIComponent(userId)}/groups`, { what: "read the user's groups", query: { briefRepresentation: false, max: 1000 } });
    return body;
  }

  async ensureMembership(user: TargetUserRef, org: TargetOrgRef, roles: string[]): Promise<'created' | 'updated' | 'exists'> {
    const current = await this.#userGroups(user.id);
    const userGroups = `/users/${encodeURIComponent(user.id)}/groups`;
    let created = false;
    if (!current.some((g) => g.id === org.id)) {
      await this.#http.request('PUT', `${userGroups}/${encodeURIComponent(org.id)}`, { what: 'join organization group', accept: [409] });
      created = true;
    }
    const wanted = roleGroupNames(roles);
    // No roles in the source: the user is a plain member; role groups are left as they are.
    if (wanted.length === 0) return created ? 'created' : 'exists';
    const roleGroups = await this.#roles.of(org.id);
    const mineNow = current.filter((g) => g.id !== undefined && [...roleGroups.values()].some((r) => r.id === g.id));
    let changed = false;
    for (const name of wanted) {
      if (mineNow.some((g) => g.name === name)) continue;
      const role = roles.find((r) => roleGroupName(r) === name) ?? name;
      const group = await this.#roles.ensure(org.id, name, role);
      await this.#http.request('PUT', `${userGroups}/${encodeURIComponent(group.id!)}`, { what: 'join role group', accept: [409] });
      changed = true;
    }
    for (const g of mineNow) {
      // A role the source no longer gives: leave flagless's group for it (groups made by hand stay).
      if (g.id && g.name && g.attributes?.[ROLE_ATTRIBUTE] && !wanted.includes(g.name)) {
        await this.#http.request('DELETE', `${userGroups}/${encodeURIComponent(g.id)}`, { what: 'leave role group', accept: [404] });
        changed = true;
      }
    }
    return created ? 'created' : changed ? 'updated' : 'exists';
  }

  /** Leaves the organization group and its role subgroups. */
  async removeMembership(user: TargetUserRef, org: TargetOrgRef): Promise<'removed' | 'absent'> {
    const current = await this.#userGroups(user.id);
    if (!current.some((g) => g.id === org.id)) return 'absent';
    const userGroups = `/users/${encodeURIComponent(user.id)}/groups`;
    const roleIds = new Set([...(await this.#roles.of(org.id)).values()].map((r) => r.id));
    for (const g of current) {
      if (g.id && roleIds.has(g.id)) await this.#http.request('DELETE', `${userGroups}/${encodeURIComponent(g.id)}`, { what: 'leave role group', accept: [404] });
    }
    await this.#http.request('DELETE', `${userGroups}/${encodeURIComponent(org.id)}`, { what: 'leave organization group', accept: [404] });
    return 'removed';
  }

  /** Every user's organizations and roles, by user id: per group, not per user (for listUsers). */
  async allMemberships(): Promise<Map<string, TargetUserView['memberships']>> {
    const out = new Map<string, TargetUserView['memberships']>();
    for (const org of (await this.#organizations(true)).values()) {
      const entries = new Map<string, string[]>();
      for (const id of await groupMembers(this.#http, org.id!)) entries.set(id, []);
      for (const role of (await this.#roles.of(org.id!)).values()) {
        for (const id of await groupMembers(this.#http, role.id!)) entries.get(id)?.push(role.name!);
      }
      const ext = externalIdOf(org);
      for (const [userId, roles] of entries) {
        const list = out.get(userId) ?? [];
        list.push({ organizationId: org.id!, ...(ext ? { organizationExternalId: ext } : {}), roles });
        out.set(userId, list);
      }
    }
    return out;
  }

  /** The user's organizations (groups directly under /organizations) with the role subgroups they are in. */
  async memberships(userId: string): Promise<TargetUserView['memberships']> {
    const groups = await this.#userGroups(userId);
    let orgs = await this.#organizations();
    // An organization group another process created since the list was read: read it again.
    // (Only a group right under /organizations: role subgroups are one level deeper.)
    const prefix = `/${ORGANIZATIONS_GROUP}/`;
    if (groups.some((g) => g.id && !orgs.has(g.id) && g.path?.startsWith(prefix) && !g.path.slice(prefix.length).includes('/'))) orgs = await this.#organizations(true);
    const out: TargetUserView['memberships'] = [];
    for (const g of groups) {
      const org = g.id ? orgs.get(g.id) : undefined;
      if (!org) continue;
      const roleIds = new Set([...(await this.#roles.of(org.id!)).values()].map((r) => r.id));
      const roles = groups.filter((r) => roleIds.has(r.id)).map((r) => r.name ?? '').filter((n) => n);
      const ext = externalIdOf(org);
      out.push({ organizationId: org.id!, ...(ext ? { organizationExternalId: ext } : {}), roles });
    }
    return out;
  }
}

/** Members of one group, every page. */
async function groupMembers(http: KeycloakAdminHttp, groupId: string): Promise<string[]> {
  const ids: string[] = [];
  for await (const page of http.pages<{ id?: string }>(`/groups/${encodeURIComponent(groupId)}/members`, { what: 'list group members', query: { briefRepresentation: true } }, 500)) {
    for (const m of page) if (m.id) ids.push(m.id);
  }
  return ids;
}

function ref(g: GroupRep): TargetOrgRef {
  const ext = externalIdOf(g);
  return { id: g.id ?? '', name: g.name ?? '', ...(ext ? { externalId: ext } : {}) };
}
