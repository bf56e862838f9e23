// The Keycloak target: one realm of a real Keycloak 26 server through its admin REST API.
//
// - Users: POST /users with the credentials inside (one request, nothing half-made), or in bulk
//   through the realm partial import (createUsers: one transaction, ifResourceExists FAIL, so a batch
//   is all or nothing). Found again by the `flagless_source_id` attribute (admin search `q`).
// - Organizations: Keycloak 26 organizations (on servers before 26.6, realm groups: org-groups.ts). Keycloak organizations have no roles: a membership
//   role becomes an organization group named after it (`org:admin` → group `admin`, Keycloak 26.6+),
//   created on first use and marked with the attribute `flagless_role`, so a changed role moves the
//   user between flagless's groups and leaves groups made by hand alone.
// - Sign-in (`login`): the OpenID Connect token endpoint, password grant (see realm.ts).
// Every request counts in `stats` (GET as a read, anything else as a write), so a re-run of a
// finished migration shows zero writes.
import type UserRepresentation from '@keycloak/keycloak-admin-client/lib/defs/userRepresentation.js';
import { type CanonicalUser, type LinkedIdentity, type LossyNote, type Organization } from '../../model/user.js';
import type { TargetCapabilities } from '../../protocol/capabilities.js';
import { FlaglessError } from '../../protocol/errors.js';
import { httpStatusError, isTransientStatus } from '../../protocol/http-status.js';
import type { CreateUserOptions, LoginResult, PasswordResetRequest, PasswordResetSent, Target, TargetOrgRef, TargetUserRef, TargetUserView } from '../../protocol/target.js';
import type { KeycloakAdminHttp } from './admin-http.js';
import { keycloakCapabilities } from './capabilities.js';
import {
  decodeSourceId,
  foreignAttributes,
  fromKeycloakUser,
  identityProviderFor,
  identityProviderName,
  isPlainEmail,
  ROLE_ATTRIBUTE,
  sameAttributes,
  roleGroupName,
  roleGroupNames,
  SOURCE_ID_ATTRIBUTE,
  sourceIdQuery,
  toKeycloakOrganization,
  keycloakOrganizationNames,
  toKeycloakUser,
  withoutFlaglessAttributes,
} from './map.js';
import { OrganizationGroups } from './org-groups.js';
import { RoleGroups, type GroupRep } from './role-groups.js';
import { enableOrganizations, ensureVerifyClient, IdentityProviders, VERIFY_CLIENT_ID, type RealmState } from './realm.js';

interface OrgRep {
  id?: string;
  name?: string;
  attributes?: Record<string, string[]>;
}
interface CredentialRep {
  id?: string;
  type?: string;
}
interface FederatedIdentityRep {
  identityProvider?: string;
  userId?: string;
  userName?: string;
}
/** One user of a partial import result. */
interface ImportResult {
  action?: string;
  resourceType?: string;
  resourceName?: string;
  id?: string;
}

/** At most `limit` of `items` at a time through `fn`. */
async function eachLimited<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) await fn(items[next++]!);
    }),
  );
}

function orgRef(o: OrgRep): TargetOrgRef {
  const stored = o.attributes?.[SOURCE_ID_ATTRIBUTE]?.[0];
  return { id: o.id ?? '', name: o.name ?? '', ...(stored ? { externalId: decodeSourceId(stored) } : {}) };
}

function userRef(u: UserRepresentation): TargetUserRef {
  const stored = u.attributes?.[SOURCE_ID_ATTRIBUTE]?.[0];
  return { id: u.id ?? '', ...(stored ? { externalId: decodeSourceId(stored) } : {}), ...(u.email ? { email: u.email } : {}) };
}

/** Keycloak's error_description as a reason code: "Invalid user credentials" → invalid_user_credentials. */
function reasonCode(description: string, fallback: string): string {
  const code = description.toLowerCase().replace(/[^a-z0-9]+/g, '_').replace(/^_|_$/g, '');
  return code || fallback;
}

/** The `sub` claim of a JWT (the Keycloak user id), read without verifying: it came from the token endpoint itself. */
function tokenSubject(jwt: string): string {
  try {
    const sub = (JSON.parse(Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString('utf8')) as { sub?: unknown }).sub;
    return typeof sub === 'string' ? sub : '';
  } catch {
    return '';
  }
}

export class KeycloakTarget implements Target {
  readonly capabilities: TargetCapabilities = keycloakCapabilities;
  readonly stats: { writes: number; reads: number };
  readonly #events = { resetEmailsSent: 0, resetEmailsFailed: 0 };
  readonly identityProviders: IdentityProviders;
  readonly #http: KeycloakAdminHttp;
  readonly #realm: RealmState;
  #verifySecret: Promise<string> | undefined;
  /** Each organization's groups (flagless's role groups and any others), loaded once per organization. */
  readonly #orgGroups: RoleGroups;
  /** Set when organizations become realm groups (servers before 26.6, or KEYCLOAK_ORGANIZATIONS=groups). */
  readonly #asGroups: OrganizationGroups | undefined;

  constructor(http: KeycloakAdminHttp, realm: RealmState) {
    this.#http = http;
    this.#realm = realm;
    this.#asGroups = realm.organizationMode === 'groups' ? new OrganizationGroups(http) : undefined;
    const base = (orgId: string) => `/organizations/${encodeURIComponent(orgId)}/groups`;
    this.#orgGroups = new RoleGroups({
      list: async (orgId) => {
        const all: GroupRep[] = [];
        for await (const page of http.pages<GroupRep>(base(orgId), { what: 'list organization groups', query: { briefRepresentation: false } }, 500)) all.push(...page);
        return all;
      },
      create: async (orgId, body) => (await http.request('POST', base(orgId), { what: 'create organization group', body, accept: [409] })).createdId,
    });
    this.stats = http.stats;
    this.identityProviders = new IdentityProviders(http);
  }

  get realm(): string {
    return this.#http.realm;
  }

  /** Whether open() created the realm. */
  get realmCreated(): boolean {
    return this.#realm.created;
  }

  lossyNotes(user: CanonicalUser, options: CreateUserOptions): LossyNote[] {
    return toKeycloakUser(user, options, this.#realm.profile, false).lossy;
  }

  roleName(role: string): string | undefined {
    return roleGroupName(role);
  }

  /** What `#identities` reads back for a link created from this identity (the alias's canonical name). */
  storedProviderName(identity: LinkedIdentity): string {
    const spec = identityProviderFor(identity);
    return spec ? identityProviderName(spec.alias) : identity.provider;
  }

  async findUser(key: { externalId: string; email?: string }): Promise<TargetUserRef | undefined> {
    const bySource = await this.#http.get<UserRepresentation[]>('/users', { what: 'find user by source id', query: { q: sourceIdQuery(key.externalId), exact: true, max: 2 } });
    const hit = bySource.body.find((u) => userRef(u).externalId === key.externalId);
    if (hit) return userRef(hit);
    if (key.email) {
      const byEmail = await this.#http.get<UserRepresentation[]>('/users', { what: 'find user by email', query: { email: key.email, exact: true, max: 2 } });
      const found = byEmail.body.find((u) => u.email?.toLowerCase() === key.email!.trim().toLowerCase());
      if (found) return userRef(found);
    }
    return undefined;
  }

  async createUser(user: CanonicalUser, options: CreateUserOptions): Promise<TargetUserRef> {
    const plan = toKeycloakUser(user, options, this.#realm.profile);
    await this.identityProviders.ensure(plan.identityProviders);
    const r = await this.#http.request('POST', '/users', { what: 'create user', body: { ...plan.rep, credentials: plan.credentials } });
    if (!r.createdId) throw new FlaglessError('E_TARGET_UNAVAILABLE', 'Keycloak create user: no Location in the answer', { errorClass: 'retriable' });
    await this.#resetEmail(r.createdId, plan.rep);
    return { id: r.createdId, externalId: user.sourceId, ...(plan.rep.email ? { email: plan.rep.email } : {}) };
  }

  /**
   * With KEYCLOAK_SEND_RESET_EMAIL, a user just created with the UPDATE_PASSWORD action and an email
   * gets Keycloak's own "update your password" email, once: only at creation, so a re-run (which
   * finds the user) never mails again. A refusal does not undo the user; it is counted in `events`
   * for the summary, and the email can be sent again from the admin console.
   */
  async #resetEmail(id: string, rep: UserRepresentation): Promise<void> {
    // Keycloak refuses the email to a disabled account: such a user is not mailed.
    if (!this.#realm.sendResetEmail || !rep.email || rep.enabled === false || !rep.requiredActions?.includes('UPDATE_PASSWORD')) return;
    const r = await this.#http
      .request('PUT', `/users/${encodeURIComponent(id)}/execute-actions-email`, { what: 'send the update-password email', body: ['UPDATE_PASSWORD'], accept: [400, 500] })
      .catch(() => undefined);
    if (r && r.status < 300) this.#events.resetEmailsSent++;
    else this.#events.resetEmailsFailed++;
  }

  /**
   * `flagless finish`: Keycloak's own "update your password" email (PUT
   * /users/{id}/execute-actions-email ["UPDATE_PASSWORD"]), the link valid for the realm's default
   * action-token lifespan. Keycloak answers 500 when its SMTP send failed and 400 for a user it
   * will not mail (disabled, no address): either way nothing went out.
   */
  async sendPasswordReset(ref: TargetUserRef, _request: PasswordResetRequest): Promise<PasswordResetSent> {
    const r = await this.#http.request('PUT', `/users/${encodeURIComponent(ref.id)}/execute-actions-email`, { what: 'send the update-password email', body: ['UPDATE_PASSWORD'], accept: [400, 500] });
    if (r.status === 500) throw new FlaglessError('E_TARGET_VALIDATION', `Keycloak could not send the update-password email to ${ref.id}: check the realm's email (SMTP) settings`, { errorClass: 'skippable' });
    if (r.status === 400) throw new FlaglessError('E_TARGET_VALIDATION', `Keycloak refused to email ${ref.id} (a disabled user, or one without an email address)`, { errorClass: 'skippable' });
    this.#events.resetEmailsSent++;
    return { via: 'keycloak:execute-actions-email', delivered: true };
  }

  /**
   * Bulk create through the realm partial import: one request, one transaction. With
   * ifResourceExists FAIL, a user that exists already (same username or email) fails the whole
   * batch with 409 and nothing is written; the engine then moves those users one by one. Users
   * whose email only Keycloak's own validator can judge are refused here for the same reason
   * (the partial import skips the user-profile validation that POST /users applies).
   */
  async createUsers(batch: readonly { user: CanonicalUser; options: CreateUserOptions }[]): Promise<TargetUserRef[]> {
    const plans = batch.map((b) => toKeycloakUser(b.user, b.options, this.#realm.profile));
    if (plans.some((p) => p.rep.email !== undefined && !isPlainEmail(p.rep.email))) {
      throw new FlaglessError('E_TARGET_VALIDATION', 'Keycloak partial import: an email address needs Keycloak\'s own validation; these users go one by one', { errorClass: 'skippable' });
    }
    await this.identityProviders.ensure(plans.flatMap((p) => p.identityProviders));
    const r = await this.#http.request<{ results?: ImportResult[] }>('POST', '/partialImport', {
      what: `import ${batch.length} users`,
      body: { ifResourceExists: 'FAIL', users: plans.map((p) => ({ ...p.rep, credentials: p.credentials })) },
    });
    const ids = new Map<string, string>();
    for (const x of r.body?.results ?? []) {
      if (x.resourceType === 'USER' && x.action === 'ADDED' && x.resourceName && x.id) ids.set(x.resourceName.toLowerCase(), x.id);
    }
    const refs = plans.map((p, i) => {
      const id = ids.get(p.rep.username!.toLowerCase());
      // Cannot happen with FAIL; if it does, the engine resolves every user of the batch by lookup.
      if (!id) throw new FlaglessError('E_TARGET_UNAVAILABLE', `Keycloak partial import: no result for user ${i + 1} of the batch`, { errorClass: 'retriable' });
      return { id, externalId: batch[i]!.user.sourceId, ...(p.rep.email ? { email: p.rep.email } : {}) };
    });
    for (let i = 0; i < refs.length; i++) await this.#resetEmail(refs[i]!.id, plans[i]!.rep);
    return refs;
  }

  async updateUser(ref: TargetUserRef, user: CanonicalUser, options: CreateUserOptions): Promise<TargetUserRef> {
    const plan = toKeycloakUser(user, options, this.#realm.profile);
    const path = `/users/${encodeURIComponent(ref.id)}`;
    const current = await this.#http.get<UserRepresentation>(path, { what: 'read user', accept: [404] });
    if (current.status === 404) throw new FlaglessError('E_TARGET_VALIDATION', `Keycloak user ${ref.id} no longer exists`, { errorClass: 'skippable' });
    const existing = current.body;
    const { federatedIdentities: links = [], createdTimestamp: _created, username: _username, ...fields } = plan.rep;
    const credentials = [...plan.credentials.filter((c) => c.type === 'password')];
    if (plan.credentials.some((c) => c.type === 'otp')) {
      // A user who enrolled an authenticator in Keycloak keeps it; the source's secret is added only to users without one.
      const stored = await this.#http.get<CredentialRep[]>(`${path}/credentials`, { what: 'read credentials' });
      if (!stored.body.some((c) => c.type === 'otp')) credentials.push(...plan.credentials.filter((c) => c.type === 'otp'));
    }
    await this.identityProviders.ensure(plan.identityProviders);
    const body: UserRepresentation = {
      ...existing,
      ...fields,
      // The account keeps its username (applications may key on it); never un-verify an address verified since.
      username: existing.username,
      emailVerified: fields.email === undefined || (existing.email?.toLowerCase() === fields.email.toLowerCase() && existing.emailVerified) ? existing.emailVerified : (fields.emailVerified ?? false),
      attributes: { ...foreignAttributes(existing.attributes), ...fields.attributes },
      requiredActions: [...new Set([...(existing.requiredActions ?? []), ...(fields.requiredActions ?? [])])],
      // A password credential in a PUT replaces the stored password (Keycloak keeps one per user).
      ...(credentials.length ? { credentials } : {}),
    };
    await this.#http.request('PUT', path, { what: 'update user', body });
    if (links.length) {
      const { body: have } = await this.#http.get<FederatedIdentityRep[]>(`${path}/federated-identity`, { what: 'read linked identities' });
      for (const l of links) {
        if (have.some((h) => h.identityProvider === l.identityProvider)) continue;
        await this.#http.request('POST', `${path}/federated-identity/${encodeURIComponent(l.identityProvider)}`, { what: 'link identity', body: l, accept: [409] });
      }
    }
    return { id: ref.id, externalId: user.sourceId, ...(fields.email ? { email: fields.email } : {}) };
  }

  /** Reset emails sent and refused, for the migrate summary: only when KEYCLOAK_SEND_RESET_EMAIL asks for them. */
  get events(): Readonly<Record<string, number>> | undefined {
    return this.#realm.sendResetEmail ? { ...this.#events } : undefined;
  }

  /** Where organizations go: `organizations` or `groups`. */
  get organizationMode(): RealmState['organizationMode'] {
    return this.#realm.organizationMode;
  }

  async findOrganization(key: { externalId: string; name: string }): Promise<TargetOrgRef | undefined> {
    if (this.#asGroups) return this.#asGroups.find(key);
    if (!this.#realm.organizationsEnabled) return undefined;
    const bySource = await this.#http.get<OrgRep[]>('/organizations', { what: 'find organization by source id', query: { q: sourceIdQuery(key.externalId), exact: true, briefRepresentation: false, max: 2 } });
    const hit = bySource.body.find((o) => orgRef(o).externalId === key.externalId);
    if (hit) return orgRef(hit);
    const name = key.name.trim();
    if (!name) return undefined;
    const byName = await this.#http.get<OrgRep[]>('/organizations', { what: 'find organization by name', query: { search: name, exact: true, briefRepresentation: false, max: 10 } });
    const same = byName.body.filter((o) => o.name === name);
    return same.length === 1 ? orgRef(same[0]!) : undefined;
  }

  /** The name as written (trimmed, at most Keycloak's length) and its disambiguated form (source id appended after a clash); the same in realm-group mode. */
  organizationNames(org: Organization): readonly string[] {
    return keycloakOrganizationNames(org);
  }

  async createOrganization(org: Organization): Promise<TargetOrgRef> {
    if (this.#asGroups) return this.#asGroups.create(org);
    if (!this.#realm.organizationsEnabled) {
      await enableOrganizations(this.#http);
      this.#realm.organizationsEnabled = true;
    }
    for (const disambiguate of [false, true]) {
      const rep = toKeycloakOrganization(org, disambiguate);
      const r = await this.#http.request('POST', '/organizations', { what: 'create organization', body: rep, accept: disambiguate ? [] : [409] });
      if (r.status === 201 && r.createdId) return { id: r.createdId, name: rep.name ?? org.name, externalId: org.sourceId };
      // 409: the name or alias is taken. By this organization itself (an earlier write whose answer was lost)?
      const mine = await this.#http.get<OrgRep[]>('/organizations', { what: 'find organization by source id', query: { q: sourceIdQuery(org.sourceId), exact: true, briefRepresentation: false, max: 2 } });
      const hit = mine.body.find((o) => orgRef(o).externalId === org.sourceId);
      if (hit) return orgRef(hit);
    }
    throw new FlaglessError('E_TARGET_UNAVAILABLE', 'Keycloak create organization: no Location in the answer', { errorClass: 'retriable' });
  }

  /**
   * PUT /organizations/{id} with the stored representation, its name and flagless's attributes
   * (source id, `metadata.*`) replaced and everything else kept: Keycloak's PUT replaces the whole
   * organization, and refuses a changed alias (400 "Cannot change the alias"), so the alias stays
   * the one given at creation. A name another organization holds (409) gets the source id appended,
   * as at creation. Nothing is sent when the organization already matches.
   */
  async updateOrganization(ref: TargetOrgRef, org: Organization): Promise<TargetOrgRef> {
    if (this.#asGroups) return this.#asGroups.update(ref, org);
    const path = `/organizations/${encodeURIComponent(ref.id)}`;
    const current = await this.#http.get<OrgRep & Record<string, unknown>>(path, { what: 'read organization', accept: [404] });
    if (current.status === 404) throw new FlaglessError('E_TARGET_VALIDATION', `Keycloak organization ${ref.id} no longer exists`, { errorClass: 'skippable' });
    const stored = current.body;
    for (const disambiguate of [false, true]) {
      const rep = toKeycloakOrganization(org, disambiguate);
      const attributes = { ...withoutFlaglessAttributes(stored.attributes), ...rep.attributes };
      const name = rep.name ?? org.name;
      // Already equal: as written (or as disambiguated by an earlier write).
      if (sameAttributes(stored.attributes, attributes) && (stored.name === name || (!disambiguate && stored.name === toKeycloakOrganization(org, true).name))) return orgRef(stored);
      const r = await this.#http.request('PUT', path, { what: 'update organization', body: { ...stored, name, attributes }, accept: disambiguate ? [] : [409] });
      if (r.status !== 409) return orgRef({ ...stored, name, attributes });
    }
    throw new FlaglessError('E_TARGET_CONFLICT', `Keycloak organization ${ref.id}: the name is taken`, { errorClass: 'skippable' });
  }

  /** DELETE /organizations/{id}: its memberships go with it (the members, added as unmanaged members, stay). A 404 is `absent`. */
  async deleteOrganization(ref: TargetOrgRef): Promise<'deleted' | 'absent'> {
    if (this.#asGroups) return this.#asGroups.delete(ref);
    const r = await this.#http.request('DELETE', `/organizations/${encodeURIComponent(ref.id)}`, { what: 'delete organization', accept: [404] });
    return r.status === 404 ? 'absent' : 'deleted';
  }

  async ensureMembership(user: TargetUserRef, org: TargetOrgRef, roles: string[]): Promise<'created' | 'updated' | 'exists'> {
    if (this.#asGroups) return this.#asGroups.ensureMembership(user, org, roles);
    const base = `/organizations/${encodeURIComponent(org.id)}/members`;
    const member = await this.#http.get(`${base}/${encodeURIComponent(user.id)}`, { what: 'read organization member', accept: [404] });
    let created = false;
    if (member.status === 404) {
      const r = await this.#http.request('POST', base, { what: 'add organization member', body: JSON.stringify(user.id), accept: [409] });
      created = r.status === 201;
    }
    const wanted = roleGroupNames(roles);
    // No roles in the source: the user is a plain member; groups are left as they are.
    if (wanted.length === 0) return created ? 'created' : 'exists';
    const current = created
      ? []
      : (await this.#http.get<GroupRep[]>(`${base}/${encodeURIComponent(user.id)}/groups`, { what: 'read organization group memberships', query: { briefRepresentation: false, max: 1000 } })).body;
    let changed = false;
    const groupsBase = `/organizations/${encodeURIComponent(org.id)}/groups`;
    for (const name of wanted) {
      if (current.some((g) => g.name === name)) continue;
      const role = roles.find((r) => roleGroupName(r) === name) ?? name;
      const group = await this.#orgGroups.ensure(org.id, name, role);
      await this.#http.request('PUT', `${groupsBase}/${encodeURIComponent(group.id!)}/members/${encodeURIComponent(user.id)}`, { what: 'add to organization group', accept: [409] });
      changed = true;
    }
    for (const g of current) {
      // A role the source no longer gives: leave flagless's group for it (groups made by hand stay).
      if (g.id && g.name && g.attributes?.[ROLE_ATTRIBUTE] && !wanted.includes(g.name)) {
        await this.#http.request('DELETE', `${groupsBase}/${encodeURIComponent(g.id)}/members/${encodeURIComponent(user.id)}`, { what: 'leave organization group', accept: [404] });
        changed = true;
      }
    }
    return created ? 'created' : changed ? 'updated' : 'exists';
  }

  /** Leaves the organization (its role groups go with the membership). */
  async removeMembership(user: TargetUserRef, org: TargetOrgRef): Promise<'removed' | 'absent'> {
    if (this.#asGroups) return this.#asGroups.removeMembership(user, org);
    const r = await this.#http.request('DELETE', `/organizations/${encodeURIComponent(org.id)}/members/${encodeURIComponent(user.id)}`, { what: 'remove organization member', accept: [404] });
    return r.status === 404 ? 'absent' : 'removed';
  }

  /** DELETE /users/{id}: Keycloak drops its credentials, sessions, links and memberships with it. */
  async deleteUser(ref: TargetUserRef): Promise<'deleted' | 'absent'> {
    const r = await this.#http.request('DELETE', `/users/${encodeURIComponent(ref.id)}`, { what: 'delete user', accept: [404] });
    return r.status === 404 ? 'absent' : 'deleted';
  }

  /** `enabled: false` on the stored representation (everything else as it is). */
  async setUserDisabled(ref: TargetUserRef, disabled: boolean): Promise<void> {
    const path = `/users/${encodeURIComponent(ref.id)}`;
    const current = await this.#http.get<UserRepresentation>(path, { what: 'read user', accept: [404] });
    if (current.status === 404) throw new FlaglessError('E_TARGET_VALIDATION', `Keycloak user ${ref.id} no longer exists`, { errorClass: 'skippable' });
    if (current.body.enabled === !disabled) return;
    await this.#http.request('PUT', path, { what: disabled ? 'disable user' : 'enable user', body: { ...current.body, enabled: !disabled } });
  }

  async #identities(userId: string): Promise<TargetUserView['identities']> {
    const { body } = await this.#http.get<FederatedIdentityRep[]>(`/users/${encodeURIComponent(userId)}/federated-identity`, { what: 'read linked identities' });
    return body.filter((f) => f.identityProvider && f.userId).map((f) => ({ provider: identityProviderName(f.identityProvider!), providerUserId: f.userId! }));
  }

  async getUser(ref: TargetUserRef): Promise<TargetUserView | undefined> {
    const path = `/users/${encodeURIComponent(ref.id)}`;
    const r = await this.#http.get<UserRepresentation>(path, { what: 'read user', accept: [404] });
    if (r.status === 404) return undefined;
    const memberships: TargetUserView['memberships'] = this.#asGroups ? await this.#asGroups.memberships(ref.id) : [];
    if (!this.#asGroups && this.#realm.organizationsEnabled) {
      const { body: orgs } = await this.#http.get<OrgRep[]>(`/organizations/members/${encodeURIComponent(ref.id)}/organizations`, { what: "read the user's organizations", query: { briefRepresentation: false } });
      for (const o of orgs) {
        if (!o.id) continue;
        const { body: groups } = await this.#http.get<GroupRep[]>(`/organizations/${encodeURIComponent(o.id)}/members/${encodeURIComponent(ref.id)}/groups`, { what: 'read organization group memberships', query: { max: 1000 } });
        const ext = orgRef(o).externalId;
        memberships.push({ organizationId: o.id, ...(ext ? { organizationExternalId: ext } : {}), roles: groups.map((g) => g.name ?? '').filter((n) => n) });
      }
    }
    return { ...fromKeycloakUser(r.body), memberships, identities: await this.#identities(ref.id) };
  }

  async *listUsers(): AsyncIterable<TargetUserView> {
    // Memberships and links are gathered per organization and per identity provider first, so
    // the users are listed page by page without a request per user for them.
    const memberships = this.#asGroups ? await this.#asGroups.allMemberships() : new Map<string, TargetUserView['memberships']>();
    if (!this.#asGroups && this.#realm.organizationsEnabled) {
      for await (const orgs of this.#http.pages<OrgRep>('/organizations', { what: 'list organizations', query: { briefRepresentation: false } })) {
        for (const o of orgs) {
          if (!o.id) continue;
          const ext = orgRef(o).externalId;
          const entries = new Map<string, string[]>();
          for await (const members of this.#http.pages<UserRepresentation>(`/organizations/${encodeURIComponent(o.id)}/members`, { what: 'list organization members', query: { briefRepresentation: true } })) {
            for (const m of members) if (m.id) entries.set(m.id, []);
          }
          for (const g of (await this.#orgGroups.of(o.id)).values()) {
            for await (const members of this.#http.pages<UserRepresentation>(`/organizations/${encodeURIComponent(o.id)}/groups/${encodeURIComponent(g.id!)}/members`, { what: 'list organization group members', query: { briefRepresentation: true } })) {
              for (const m of members) if (m.id) entries.get(m.id)?.push(g.name!);
            }
          }
          for (const [userId, roles] of entries) {
            const list = memberships.get(userId) ?? [];
            list.push({ organizationId: o.id, ...(ext ? { organizationExternalId: ext } : {}), roles });
            memberships.set(userId, list);
          }
        }
      }
    }
    const linked = new Set<string>();
    for (const alias of await this.identityProviders.aliases()) {
      for await (const users of this.#http.pages<UserRepresentation>('/users', { what: 'list linked users', query: { idpAlias: alias, briefRepresentation: true } })) {
        for (const u of users) if (u.id) linked.add(u.id);
      }
    }
    for await (const users of this.#http.pages<UserRepresentation>('/users', { what: 'list users', query: { briefRepresentation: false } })) {
      const identities = new Map<string, TargetUserView['identities']>();
      await eachLimited(
        users.filter((u) => u.id && linked.has(u.id)),
        8,
        async (u) => void identities.set(u.id!, await this.#identities(u.id!)),
      );
      for (const u of users) yield { ...fromKeycloakUser(u), memberships: memberships.get(u.id ?? '') ?? [], identities: identities.get(u.id ?? '') ?? [] };
    }
  }

  async login(identifier: string, password: string): Promise<LoginResult> {
    for (let attempt = 1; ; attempt++) {
      const secret = await (this.#verifySecret ??= ensureVerifyClient(this.#http).catch((e: unknown) => {
        this.#verifySecret = undefined;
        throw e;
      }));
      this.stats.writes++;
      let res: Response;
      try {
        res = await fetch(`${this.#http.baseUrl}/realms/${encodeURIComponent(this.realm)}/protocol/openid-connect/token`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({ grant_type: 'password', client_id: VERIFY_CLIENT_ID, client_secret: secret, username: identifier.trim(), password, scope: 'openid' }),
          signal: AbortSignal.timeout(30_000),
        });
      } catch (e) {
        throw new FlaglessError('E_TARGET_UNAVAILABLE', `Keycloak sign-in: ${e instanceof Error ? e.message : 'network error'}`, { errorClass: 'retriable' });
      }
      const body = (await res.json().catch(() => ({}))) as Record<string, unknown>;
      if (res.ok && typeof body.access_token === 'string') {
        return { ok: true, userId: tokenSubject(body.access_token) };
      }
      const error = typeof body.error === 'string' ? body.error : '';
      const description = typeof body.error_description === 'string' ? body.error_description : '';
      if (res.status === 401 && error === 'unauthorized_client' && attempt === 1) {
        // The client's secret was changed since it was read: read it again, once.
        this.#verifySecret = undefined;
        continue;
      }
      if (res.status === 400 && error === 'invalid_grant') return { ok: false, reason: reasonCode(description, 'invalid_grant') };
      if (isTransientStatus(res.status)) throw httpStatusError(res.status, `Keycloak sign-in: HTTP ${res.status}`, { side: 'target', retryAfter: res.headers.get('retry-after') });
      throw new FlaglessError('E_TARGET_AUTH', `Keycloak sign-in through client '${VERIFY_CLIENT_ID}': HTTP ${res.status} ${error}${description ? ` (${description})` : ''}`);
    }
  }

  async setPassword(ref: TargetUserRef, plaintext: string): Promise<void> {
    // temporary=false also clears a pending UPDATE_PASSWORD required action.
    await this.#http.request('PUT', `/users/${encodeURIComponent(ref.id)}/reset-password`, { what: 'set password', body: { type: 'password', value: plaintext, temporary: false } });
  }

  async close(): Promise<void> {
    // Nothing held: fetch pools its connections, the admin client holds none.
  }
}
