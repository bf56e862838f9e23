import type { OrganizationMembership, User, WorkOS } from '@workos-inc/node';
import { looksLikeEmail } from '../../model/email.js';
import type { CanonicalUser, LossyNote, Organization } from '../../model/user.js';
import type { TargetCapabilities } from '../../protocol/capabilities.js';
import { FlaglessError } from '../../protocol/errors.js';
import { isTransientStatus } from '../../protocol/http-status.js';
import type { CreateUserOptions, LoginResult, MembershipHint, PasswordResetRequest, PasswordResetSent, SecondFactor, Target, TargetOptions, TargetOrgRef, TargetUserRef, TargetUserView } from '../../protocol/target.js';
import { workosCapabilities } from './capabilities.js';
import { classifyWorkosError, isConflict, isNotFound } from './errors.js';
import { toWorkosOrganization, toWorkosRoleSlug, toWorkosRoleSlugs, toWorkosUser, workosExternalIdFor, workosLossyNotes, workosTotpSecrets } from './map.js';

/**
 * The WorkOS target, through the official @workos-inc/node 8.x SDK (loaded lazily).
 *
 * Configuration: `--target-url` or WORKOS_API_URL (default https://api.workos.com; scheme, host
 * and port only, the SDK has no base path), WORKOS_API_KEY, WORKOS_CLIENT_ID (sign-in only) and
 * WORKOS_TIMEOUT_MS (per request, default 30 000). Every request counts in `stats`: POST/PUT/DELETE
 * as writes (sent, whatever the outcome), GET as reads. The SDK does not retry on
 * /user_management or /organizations, so the engine owns every retry.
 */

const PAGE = 100;
const DEFAULT_TIMEOUT_MS = 30_000;

export interface WorkosConnection {
  apiKey: string;
  clientId: string | undefined;
  apiHostname: string;
  port: number | undefined;
  https: boolean;
  timeoutMs: number;
}

/** Reads the connection settings; throws FlaglessError (fatal) when they are unusable. */
export function workosConnection(options: TargetOptions): WorkosConnection {
  const env = options.env;
  const apiKey = env.WORKOS_API_KEY;
  if (!apiKey) throw new FlaglessError('E_TARGET_AUTH', 'WORKOS_API_KEY is not set: export the API key of the WorkOS environment to migrate into.');
  const raw = options.url ?? env.WORKOS_API_URL ?? 'https://api.workos.com';
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new FlaglessError('E_USAGE', 'the WorkOS URL (--target-url or WORKOS_API_URL) is not a URL, e.g. https://api.workos.com or http://127.0.0.1:4100');
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || (url.pathname !== '/' && url.pathname !== '') || url.search !== '') {
    throw new FlaglessError('E_USAGE', 'the WorkOS URL must be http(s)://host[:port] with no path (the SDK adds the API paths itself)');
  }
  const timeout = Number(env.WORKOS_TIMEOUT_MS ?? DEFAULT_TIMEOUT_MS);
  return {
    apiKey,
    clientId: env.WORKOS_CLIENT_ID || undefined,
    apiHostname: url.hostname,
    port: url.port ? Number(url.port) : undefined,
    https: url.protocol === 'https:',
    timeoutMs: Number.isFinite(timeout) && timeout > 0 ? timeout : DEFAULT_TIMEOUT_MS,
  };
}

interface MfaChallenge {
  pendingToken: string;
  factors: { id: string; type: string }[];
}

/** The `mfa_challenge` authentication error (a 403 the SDK raises as GenericServerException with the body in rawData). */
function mfaChallengeOf(e: unknown): MfaChallenge | undefined {
  const raw = (e as { name?: string; rawData?: Record<string, unknown> }).rawData;
  if (!raw || raw.code !== 'mfa_challenge' || typeof raw.pending_authentication_token !== 'string' || !Array.isArray(raw.authentication_factors)) return undefined;
  const factors = raw.authentication_factors.filter((f): f is { id: string; type: string } => typeof f?.id === 'string' && typeof f?.type === 'string');
  return { pendingToken: raw.pending_authentication_token, factors };
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x) => b.includes(x));
}

function membershipRoles(m: OrganizationMembership): string[] {
  const roles = m.roles?.map((r) => r.slug) ?? [];
  return roles.length ? roles : m.role ? [m.role.slug] : [];
}

export class WorkosTarget implements Target {
  readonly capabilities: TargetCapabilities = workosCapabilities;
  readonly stats = { writes: 0, reads: 0 };
  readonly #sdk: WorkOS;
  readonly #clientId: string | undefined;
  /** Organization id → its external id (null when it has none), filled as organizations are seen. */
  readonly #orgExternalIds = new Map<string, string | null>();
  /** Organizations without an external id, by name: built once, on the first lookup by name. */
  #orgsByName: Map<string, TargetOrgRef[]> | undefined;
  #keyChecked = false;

  constructor(sdk: WorkOS, clientId: string | undefined) {
    this.#sdk = sdk;
    this.#clientId = clientId;
  }

  async #write<T>(action: string, fn: () => Promise<T>): Promise<T> {
    this.stats.writes++;
    try {
      return await fn();
    } catch (e) {
      throw classifyWorkosError(e, action);
    }
  }

  async #read<T>(action: string, fn: () => Promise<T>): Promise<T> {
    this.stats.reads++;
    try {
      return await fn();
    } catch (e) {
      throw classifyWorkosError(e, action);
    }
  }

  /** A read that answers undefined on 404. */
  async #find<T>(action: string, fn: () => Promise<T>): Promise<T | undefined> {
    this.stats.reads++;
    try {
      return await fn();
    } catch (e) {
      if (isNotFound(e)) return undefined;
      throw classifyWorkosError(e, action);
    }
  }

  #ref(u: User): TargetUserRef {
    return { id: u.id, email: u.email, ...(u.externalId ? { externalId: u.externalId } : {}) };
  }

  /** Pure: what this connector's own mapping cannot carry for the user (for the plan's notes). */
  lossyNotes(user: CanonicalUser, options: CreateUserOptions): LossyNote[] {
    return workosLossyNotes(user, options);
  }

  roleName(role: string): string | undefined {
    return toWorkosRoleSlug(role);
  }

  async findUser(key: { externalId: string; email?: string }): Promise<TargetUserRef | undefined> {
    const externalId = workosExternalIdFor(key.externalId);
    if (externalId !== undefined) {
      // The SDK puts the id into the path unescaped; escape it so ids with / ? # | survive.
      const byId = await this.#find('get user by external id', () => this.#sdk.userManagement.getUserByExternalId(encodeURIComponent(externalId)));
      if (byId) return this.#ref(byId);
    }
    if (key.email) {
      const email = key.email;
      const page = await this.#read('list users by email', () => this.#sdk.userManagement.listUsers({ email, limit: 1 }));
      const hit = page.data[0];
      if (hit) return this.#ref(hit);
    }
    return undefined;
  }

  #userPlan(user: CanonicalUser, options: CreateUserOptions) {
    const plan = toWorkosUser(user, options);
    if (!plan) throw new FlaglessError('E_NO_EMAIL', `user ${user.sourceId} has no email address; WorkOS requires one`, { errorClass: 'skippable' });
    return plan;
  }

  async createUser(user: CanonicalUser, options: CreateUserOptions): Promise<TargetUserRef> {
    const { body } = this.#userPlan(user, options);
    const created = await this.#write('create user', () => this.#sdk.userManagement.createUser(body));
    const ref = this.#ref(created);
    // The factors go right after the user. Should one fail, the user is `writing` in the ledger and
    // is found again, then repaired (repairUser), so each factor is enrolled once.
    for (const secret of workosTotpSecrets(user)) await this.#enrollTotp(ref, secret);
    return ref;
  }

  async repairUser(ref: TargetUserRef, user: CanonicalUser): Promise<void> {
    await this.#ensureTotp(ref, user);
  }

  async #enrollTotp(ref: TargetUserRef, secret: string): Promise<void> {
    await this.#write('enrol TOTP factor', () => this.#sdk.userManagement.enrollAuthFactor({ userId: ref.id, type: 'totp', totpSecret: secret, ...(ref.email ? { totpUser: ref.email } : {}) }));
  }

  /** Enrols the factors not there yet. WorkOS lists factors without their secrets, and flagless enrols them in order, so those present are the first ones. */
  async #ensureTotp(ref: TargetUserRef, user: CanonicalUser): Promise<void> {
    const secrets = workosTotpSecrets(user);
    if (secrets.length === 0) return;
    const page = await this.#read('list TOTP factors', () => this.#sdk.userManagement.listAuthFactors({ userId: ref.id, limit: 100 }));
    const present = page.data.filter((f) => f.type === 'totp').length;
    for (const secret of secrets.slice(present)) await this.#enrollTotp(ref, secret);
  }

  async updateUser(ref: TargetUserRef, user: CanonicalUser, options: CreateUserOptions): Promise<TargetUserRef> {
    const { body } = this.#userPlan(user, options);
    // Never un-verify: the user may have verified the address in WorkOS since the export.
    const { emailVerified, ...rest } = body;
    const updated = await this.#write('update user', () =>
      this.#sdk.userManagement.updateUser({ userId: ref.id, ...rest, ...(emailVerified ? { emailVerified: true } : {}) }),
    );
    const out = this.#ref(updated);
    await this.#ensureTotp(out, user);
    return out;
  }

  async findOrganization(key: { externalId: string; name: string }): Promise<TargetOrgRef | undefined> {
    const externalId = workosExternalIdFor(key.externalId);
    if (externalId !== undefined) {
      const org = await this.#find('get organization by external id', () => this.#sdk.organizations.getOrganizationByExternalId(encodeURIComponent(externalId)));
      if (org) {
        this.#orgExternalIds.set(org.id, org.externalId ?? null);
        return { id: org.id, name: org.name, ...(org.externalId ? { externalId: org.externalId } : {}) };
      }
    }
    // An organization the application created itself (no external id) is linked only when its
    // name is unambiguous: names are not unique in WorkOS.
    const byName = (await this.#organizationsByName()).get(key.name.trim()) ?? [];
    return byName.length === 1 ? byName[0] : undefined;
  }

  async #organizationsByName(): Promise<Map<string, TargetOrgRef[]>> {
    if (this.#orgsByName) return this.#orgsByName;
    const index = new Map<string, TargetOrgRef[]>();
    for await (const org of this.#allOrganizations()) {
      if (org.externalId) continue;
      const list = index.get(org.name.trim()) ?? [];
      list.push({ id: org.id, name: org.name });
      index.set(org.name.trim(), list);
    }
    this.#orgsByName = index;
    return index;
  }

  async *#allOrganizations() {
    let after: string | undefined;
    do {
      const cursor = after;
      const page = await this.#read('list organizations', () => this.#sdk.organizations.listOrganizations({ limit: PAGE, order: 'asc', ...(cursor ? { after: cursor } : {}) }));
      for (const org of page.data) {
        this.#orgExternalIds.set(org.id, org.externalId ?? null);
        yield org;
      }
      after = page.listMetadata.after ?? undefined;
    } while (after);
  }

  async createOrganization(org: Organization): Promise<TargetOrgRef> {
    const { body } = toWorkosOrganization(org);
    const created = await this.#write('create organization', () => this.#sdk.organizations.createOrganization(body));
    this.#orgExternalIds.set(created.id, created.externalId ?? null);
    return { id: created.id, name: created.name, ...(created.externalId ? { externalId: created.externalId } : {}) };
  }

  /**
   * PUT /organizations/{id} (SDK `organizations.updateOrganization`) with the name and the metadata
   * `toWorkosOrganization` builds (the slug travels there), after a read: nothing is sent when the
   * organization already matches. WorkOS merges metadata on update, so a key the source dropped
   * stays (keys set by the application cannot be told from flagless's); domains are left alone
   * (the canonical organization has none).
   */
  /** The name WorkOS holds for it: trimmed, the source id when empty (names need not be unique, so no other form). */
  organizationNames(org: Organization): readonly string[] {
    return [toWorkosOrganization(org).body.name];
  }

  async updateOrganization(ref: TargetOrgRef, org: Organization): Promise<TargetOrgRef> {
    const current = await this.#find('get organization', () => this.#sdk.organizations.getOrganization(ref.id));
    if (!current) throw new FlaglessError('E_TARGET_VALIDATION', `WorkOS organization ${ref.id} no longer exists`, { errorClass: 'skippable' });
    const { body } = toWorkosOrganization(org);
    const metadataChanged = Object.entries(body.metadata ?? {}).some(([k, v]) => current.metadata?.[k] !== v);
    const out = (o: { id: string; name: string; externalId?: string | null }): TargetOrgRef => ({ id: o.id, name: o.name, ...(o.externalId ? { externalId: o.externalId } : {}) });
    if (current.name === body.name && !metadataChanged) return out(current);
    const updated = await this.#write('update organization', () =>
      this.#sdk.organizations.updateOrganization({ organization: ref.id, name: body.name, ...(metadataChanged ? { metadata: body.metadata! } : {}) }),
    );
    this.#orgExternalIds.set(updated.id, updated.externalId ?? null);
    this.#forgetByName();
    return out(updated);
  }

  /** DELETE /organizations/{id} (SDK `organizations.deleteOrganization`): WorkOS removes its memberships with it. A 404 is `absent`. */
  async deleteOrganization(ref: TargetOrgRef): Promise<'deleted' | 'absent'> {
    this.stats.writes++;
    try {
      await this.#sdk.organizations.deleteOrganization(ref.id);
    } catch (e) {
      if (isNotFound(e)) return 'absent';
      throw classifyWorkosError(e, 'delete organization');
    }
    this.#orgExternalIds.delete(ref.id);
    this.#forgetByName();
    return 'deleted';
  }

  /** The by-name index is rebuilt on the next lookup by name (an organization was renamed or deleted). */
  #forgetByName(): void {
    this.#orgsByName = undefined;
  }

  async #memberships(filter: { userId: string; organizationId?: string } | { userId?: string; organizationId: string }): Promise<OrganizationMembership[]> {
    const out: OrganizationMembership[] = [];
    let after: string | undefined;
    do {
      const cursor = after;
      const page = await this.#read('list organization memberships', () =>
        this.#sdk.userManagement.listOrganizationMemberships({ ...filter, limit: PAGE, order: 'asc', ...(cursor ? { after: cursor } : {}) }),
      );
      out.push(...page.data);
      after = page.listMetadata.after ?? undefined;
    } while (after);
    return out;
  }

  async ensureMembership(user: TargetUserRef, org: TargetOrgRef, roles: string[], hint: MembershipHint = {}): Promise<'created' | 'updated' | 'exists'> {
    const slugs = toWorkosRoleSlugs(roles);
    const roleOptions = slugs.length === 0 ? {} : slugs.length === 1 ? { roleSlug: slugs[0]! } : { roleSlugs: slugs };
    if (hint.nothingSent) {
      // Nothing was ever sent for this membership: create without a read (reads share the rate
      // budget). An account that existed before the migration may hold it already: 409, then compare.
      try {
        await this.#write('create organization membership', () =>
          this.#sdk.userManagement.createOrganizationMembership({ organizationId: org.id, userId: user.id, ...roleOptions }),
        );
        return 'created';
      } catch (e) {
        if (!isConflict((e as FlaglessError).cause)) throw e;
      }
    }
    return this.#ensureMembershipRead(user, org, slugs, roleOptions, false);
  }

  async #ensureMembershipRead(
    user: TargetUserRef,
    org: TargetOrgRef,
    slugs: string[],
    roleOptions: { roleSlug?: string; roleSlugs?: string[] },
    retried: boolean,
  ): Promise<'created' | 'updated' | 'exists'> {
    const existing = await this.#memberships({ userId: user.id, organizationId: org.id });
    const live = existing.find((m) => m.status !== 'inactive');
    if (live) {
      if (slugs.length === 0 || sameSet(membershipRoles(live), slugs)) return 'exists';
      await this.#write('update organization membership', () => this.#sdk.userManagement.updateOrganizationMembership(live.id, roleOptions));
      return 'updated';
    }
    try {
      // On an inactive membership WorkOS reactivates it instead of creating a second one.
      await this.#write('create organization membership', () =>
        this.#sdk.userManagement.createOrganizationMembership({ organizationId: org.id, userId: user.id, ...roleOptions }),
      );
      return existing.length ? 'updated' : 'created';
    } catch (e) {
      // Another worker got there first: compare with what it wrote.
      const cause = (e as FlaglessError).cause;
      if (!retried && isConflict(cause)) return this.#ensureMembershipRead(user, org, slugs, roleOptions, true);
      throw e;
    }
  }

  async #orgExternalId(orgId: string): Promise<string | null> {
    const known = this.#orgExternalIds.get(orgId);
    if (known !== undefined) return known;
    const org = await this.#find('get organization', () => this.#sdk.organizations.getOrganization(orgId));
    const ext = org?.externalId ?? null;
    this.#orgExternalIds.set(orgId, ext);
    return ext;
  }

  async #view(u: User, memberships: OrganizationMembership[]): Promise<TargetUserView> {
    const views: TargetUserView['memberships'] = [];
    for (const m of memberships) {
      if (m.status === 'inactive') continue;
      const ext = await this.#orgExternalId(m.organizationId);
      views.push({ organizationId: m.organizationId, ...(ext ? { organizationExternalId: ext } : {}), roles: membershipRoles(m) });
    }
    return {
      id: u.id,
      email: u.email,
      emailVerified: u.emailVerified,
      ...(u.externalId ? { externalId: u.externalId } : {}),
      ...(u.firstName ? { firstName: u.firstName } : {}),
      ...(u.lastName ? { lastName: u.lastName } : {}),
      metadata: u.metadata ?? {},
      memberships: views,
      // WorkOS links social logins by email at sign-in; flagless imports none.
      identities: [],
    };
  }

  async getUser(ref: TargetUserRef): Promise<TargetUserView | undefined> {
    const u = await this.#find('get user', () => this.#sdk.userManagement.getUser(ref.id));
    if (!u) return undefined;
    return this.#view(u, await this.#memberships({ userId: u.id }));
  }

  async *listUsers(): AsyncIterable<TargetUserView> {
    // Memberships are read per organization up front: one request per 100 memberships instead
    // of one per user.
    const byUser = new Map<string, OrganizationMembership[]>();
    const orgIds: string[] = [];
    for await (const org of this.#allOrganizations()) orgIds.push(org.id);
    for (const organizationId of orgIds) {
      for (const m of await this.#memberships({ organizationId })) {
        const list = byUser.get(m.userId) ?? [];
        list.push(m);
        byUser.set(m.userId, list);
      }
    }
    let after: string | undefined;
    do {
      const cursor = after;
      const page = await this.#read('list users', () => this.#sdk.userManagement.listUsers({ limit: PAGE, order: 'asc', ...(cursor ? { after: cursor } : {}) }));
      for (const u of page.data) yield await this.#view(u, byUser.get(u.id) ?? []);
      after = page.listMetadata.after ?? undefined;
    } while (after);
  }

  /** True when the API key works (a 401 at sign-in is then about the user's credentials). */
  async #apiKeyWorks(): Promise<boolean> {
    if (this.#keyChecked) return true;
    try {
      await this.#read('check API key', () => this.#sdk.userManagement.listUsers({ limit: 1 }));
      this.#keyChecked = true;
      return true;
    } catch (e) {
      if ((e as FlaglessError).code === 'E_TARGET_AUTH') return false;
      throw e;
    }
  }

  async login(identifier: string, password: string, second?: SecondFactor): Promise<LoginResult> {
    if (!looksLikeEmail(identifier)) return { ok: false, reason: 'WorkOS signs users in by email address; the identifier is not one' };
    const clientId = this.#clientId;
    if (!clientId) throw new FlaglessError('E_TARGET_AUTH', 'WORKOS_CLIENT_ID is not set: it is needed to sign in through WorkOS (verify --logins).');
    this.stats.writes++;
    try {
      const r = await this.#sdk.userManagement.authenticateWithPassword({ email: identifier.trim(), password, clientId });
      return { ok: true, userId: r.user.id };
    } catch (e) {
      const mfa = mfaChallengeOf(e);
      if (mfa) return second ? this.#completeTotp(mfa, second, clientId) : { ok: false, reason: 'mfa_required' };
      return this.#loginFailure(e);
    }
  }

  /** The MFA step of a password sign-in (workos.com/docs/reference/authkit/authentication-errors): challenge a TOTP factor, answer with the code. */
  async #completeTotp(mfa: MfaChallenge, second: SecondFactor, clientId: string): Promise<LoginResult> {
    const factor = mfa.factors.find((f) => f.type === 'totp');
    if (!factor) return { ok: false, reason: 'mfa_required: no TOTP factor to answer with' };
    const challenge = await this.#write('challenge TOTP factor', () => this.#sdk.mfa.challengeFactor({ authenticationFactorId: factor.id }));
    this.stats.writes++;
    try {
      const r = await this.#sdk.userManagement.authenticateWithTotp({
        clientId,
        code: second.totpCode(),
        pendingAuthenticationToken: mfa.pendingToken,
        authenticationChallengeId: challenge.id,
      });
      return { ok: true, userId: r.user.id };
    } catch (e) {
      return this.#loginFailure(e);
    }
  }

  async #loginFailure(e: unknown): Promise<LoginResult> {
    const err = e as { name?: string; status?: number; code?: string; error?: string; rawData?: { code?: string } };
    if (err.name === 'UnauthorizedException') {
      // WorkOS answers a wrong password with 401 too (workos/emulate); tell it from a bad key.
      if (await this.#apiKeyWorks()) return { ok: false, reason: 'invalid_credentials' };
      throw classifyWorkosError(e, 'authenticate');
    }
    const status = err.status ?? 0;
    const code = err.code ?? err.rawData?.code;
    if ((err.name === 'GenericServerException' || err.name === 'BadRequestException') && status >= 400 && status < 500 && !isTransientStatus(status) && code) {
      return { ok: false, reason: code };
    }
    if (err.name === 'OauthException' && err.error === 'invalid_grant') return { ok: false, reason: 'invalid_credentials' };
    throw classifyWorkosError(e, 'authenticate');
  }

  /** DELETE /user_management/users/{id}: WorkOS removes the user's memberships with it. A 404 is `absent`. */
  async deleteUser(ref: TargetUserRef): Promise<'deleted' | 'absent'> {
    this.stats.writes++;
    try {
      await this.#sdk.userManagement.deleteUser(ref.id);
      return 'deleted';
    } catch (e) {
      if (isNotFound(e)) return 'absent';
      throw classifyWorkosError(e, 'delete user');
    }
  }

  /** DELETE /user_management/organization_memberships/{id}, after finding the membership (a read). */
  async removeMembership(user: TargetUserRef, org: TargetOrgRef): Promise<'removed' | 'absent'> {
    const live = await this.#memberships({ userId: user.id, organizationId: org.id });
    if (live.length === 0) return 'absent';
    for (const m of live) {
      this.stats.writes++;
      try {
        await this.#sdk.userManagement.deleteOrganizationMembership(m.id);
      } catch (e) {
        if (!isNotFound(e)) throw classifyWorkosError(e, 'delete organization membership');
      }
    }
    return 'removed';
  }

  async setPassword(ref: TargetUserRef, plaintext: string): Promise<void> {
    await this.#write('set password', () => this.#sdk.userManagement.updateUser({ userId: ref.id, password: plaintext }));
  }

  /**
   * WorkOS's password reset (POST /user_management/password_reset through the SDK's
   * createPasswordReset; @workos-inc/node 8.13 has no sendPasswordResetEmail): WorkOS mails the link
   * itself while the environment's default AuthKit emails are on. The answer's token and URL are
   * secrets: dropped here unless the operator asked for links.
   */
  async sendPasswordReset(_ref: TargetUserRef, request: PasswordResetRequest): Promise<PasswordResetSent> {
    const r = await this.#write('create password reset', () => this.#sdk.userManagement.createPasswordReset({ email: request.email }));
    return { via: 'workos:password-reset-email', delivered: true, expiresAt: r.expiresAt, ...(request.wantLink ? { link: r.passwordResetUrl } : {}) };
  }

  async close(): Promise<void> {
    // The SDK holds no connections of its own (global fetch pools them).
  }
}

export async function openWorkosTarget(options: TargetOptions): Promise<WorkosTarget> {
  const c = workosConnection(options);
  const { WorkOS } = await import('@workos-inc/node');
  const sdk = new WorkOS(c.apiKey, {
    apiHostname: c.apiHostname,
    https: c.https,
    ...(c.port !== undefined ? { port: c.port } : {}),
    ...(c.clientId ? { clientId: c.clientId } : {}),
    timeout: c.timeoutMs,
    appInfo: { name: 'flagless', version: '0.1.0' },
  });
  return new WorkosTarget(sdk, c.clientId);
}
