import { readFile } from 'node:fs/promises';
import type { FrontendApi, IdentityApi } from '@ory/kratos-client';
import type { CanonicalUser, LossyNote, Organization } from '../../model/user.js';
import type { TargetCapabilities } from '../../protocol/capabilities.js';
import { FlaglessError } from '../../protocol/errors.js';
import type { BulkCreateResult, CreateUserOptions, LoginResult, PasswordResetRequest, PasswordResetSent, Target, TargetOptions, TargetOrgRef, TargetUserRef, TargetUserView } from '../../protocol/target.js';
import { kratosCapabilities } from './capabilities.js';
import { classifyHttpStatus, classifyKratosError, statusOf } from './errors.js';
import { KetoClient } from './keto.js';
import { fromKratosIdentity, patchIdFor, toKratosIdentity, type KratosCreateBody, type KratosIdentityWire, type KratosMapContext } from './map.js';
import { traitPlanOf } from './schema.js';

/**
 * The Ory Kratos target, through Ory's official @ory/kratos-client SDK (loaded lazily) for Kratos
 * and plain HTTP for Keto.
 *
 * Configuration (environment): KRATOS_ADMIN_URL (or --target-url), KRATOS_PUBLIC_URL (sign-in),
 * ORY_API_KEY or KRATOS_ADMIN_TOKEN (bearer token, Ory Network), KETO_WRITE_URL / KETO_READ_URL
 * (organization roles; without them organizations are not written), KRATOS_SCHEMA_ID or
 * --schema-id, KRATOS_TOTP_ISSUER (default "flagless"), KRATOS_TIMEOUT_MS (default 60 000),
 * ORY_ORGANIZATION_MAP (a JSON file mapping source organization ids to Ory Network organization
 * ids: a member of exactly one gets it as `organization_id`),
 * KRATOS_RATE_LIMIT_RPM (identity writes per minute; default: Ory Network's Production-plan
 * production limit, 400/min, when the admin URL is *.oryapis.com, none otherwise).
 */

const DEFAULT_TIMEOUT_MS = 60_000;
const PAGE = 500;
export const KETO_NAMESPACE = 'orgs';
/**
 * The tuple that says an organization exists, `orgs:<org id>#exists@flagless`: its subject is no
 * identity (Kratos ids are UUIDs), so it is never read as a membership, and a permission rule on
 * the roles' relations never matches it.
 */
export const ORG_MARKER = { relation: 'exists', subject_id: 'flagless' } as const;
/** Ory Network, Production plan, production environment, bucket kratos-admin-low (PATCH/POST/PUT /admin/identities). */
export const ORY_NETWORK_IDENTITY_WRITES_PER_MINUTE = 400;

function urlFrom(raw: string | undefined, what: string): string {
  if (!raw) throw new FlaglessError('E_USAGE', `${what} is not set: export it (e.g. the values \`flagless sim kratos\` prints).`);
  try {
    const u = new URL(raw);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error('scheme');
    return u.toString().replace(/\/+$/, '');
  } catch {
    throw new FlaglessError('E_USAGE', `${what} is not an http(s) URL: "${raw}".`);
  }
}

export async function openKratosTarget(options: TargetOptions): Promise<KratosTarget> {
  const env = options.env;
  const adminUrl = urlFrom(options.url ?? env.KRATOS_ADMIN_URL, 'KRATOS_ADMIN_URL (or --target-url)');
  const publicUrl = env.KRATOS_PUBLIC_URL ? urlFrom(env.KRATOS_PUBLIC_URL, 'KRATOS_PUBLIC_URL') : undefined;
  const token = env.ORY_API_KEY || env.KRATOS_ADMIN_TOKEN || undefined;
  const timeout = Number(env.KRATOS_TIMEOUT_MS ?? DEFAULT_TIMEOUT_MS);
  const timeoutMs = Number.isFinite(timeout) && timeout > 0 ? timeout : DEFAULT_TIMEOUT_MS;
  const { Configuration, IdentityApi, FrontendApi } = await import('@ory/kratos-client');
  // The SDK serialises every JSON body itself (common.ts serializeDataIfNeeded); axios's default
  // transform would parse that text again to check it (a JSON.parse of each 1,000-identity batch,
  // as much CPU as its JSON.stringify): the text goes as it is.
  const transformRequest = [(data: unknown) => (data === undefined || typeof data === 'string' ? data : JSON.stringify(data))];
  const baseOptions = { timeout: timeoutMs, maxBodyLength: Infinity, maxContentLength: Infinity, transformRequest };
  const admin = new IdentityApi(new Configuration({ basePath: adminUrl, ...(token ? { apiKey: `Bearer ${token}` } : {}), baseOptions }));
  const frontend = publicUrl ? new FrontendApi(new Configuration({ basePath: publicUrl, baseOptions })) : undefined;
  const stats = { writes: 0, reads: 0 };
  const keto =
    env.KETO_WRITE_URL && env.KETO_READ_URL
      ? new KetoClient(urlFrom(env.KETO_WRITE_URL, 'KETO_WRITE_URL'), urlFrom(env.KETO_READ_URL, 'KETO_READ_URL'), token, timeoutMs, stats)
      : undefined;

  // Fail before any write when the admin API refuses the key (Ory Network) or cannot be reached.
  stats.reads++;
  try {
    await admin.listIdentities({ pageSize: 1 });
  } catch (e) {
    throw classifyKratosError(e, 'check the admin API');
  }
  // The identity schema decides which traits exist.
  const schemaId = options.schemaId ?? env.KRATOS_SCHEMA_ID ?? 'default';
  let schema: unknown;
  stats.reads++;
  try {
    schema = (await admin.getIdentitySchema({ id: schemaId })).data;
  } catch (e) {
    if (statusOf(e) === 404) throw new FlaglessError('E_USAGE', `Kratos has no identity schema "${schemaId}": pass --schema-id with one of the ids GET ${adminUrl}/schemas lists.`);
    throw classifyKratosError(e, 'read the identity schema');
  }
  let traits;
  try {
    traits = traitPlanOf(schema);
  } catch (e) {
    throw new FlaglessError('E_USAGE', `identity schema "${schemaId}": ${(e as Error).message}`);
  }
  const host = new URL(adminUrl).hostname;
  const rpmText = env.KRATOS_RATE_LIMIT_RPM;
  const rpm = rpmText !== undefined && rpmText !== '' ? Number(rpmText) : /\.oryapis\.com$/.test(host) ? ORY_NETWORK_IDENTITY_WRITES_PER_MINUTE : undefined;
  if (rpm !== undefined && (!Number.isFinite(rpm) || rpm <= 0)) throw new FlaglessError('E_USAGE', `KRATOS_RATE_LIMIT_RPM must be a positive number; got "${rpmText}".`);
  const capabilities: TargetCapabilities = {
    ...kratosCapabilities,
    ...(rpm !== undefined ? { rateLimitPerSecond: rpm / 60 } : {}),
    ...(keto ? {} : { organizations: false, roles: false, removesMemberships: false, deletesOrganizations: false }),
    // A schema that requires the email trait refuses identities without one: the plan says so up front.
    requiresEmail: !!traits.email && traits.required.includes(traits.email[0]!),
    usernames: !!traits.username,
    phoneNumbers: !!traits.phone,
  };
  const organizations = env.ORY_ORGANIZATION_MAP ? await readOrganizationMap(env.ORY_ORGANIZATION_MAP) : undefined;
  return new KratosTarget(admin, frontend, keto, capabilities, stats, { schemaId, traits, totpIssuer: env.KRATOS_TOTP_ISSUER || 'flagless', ...(organizations ? { organizations } : {}) });
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * ORY_ORGANIZATION_MAP: a JSON file `{"<source organization id>": "<Ory organization id>", ...}`.
 * Ory Network's organizations (Enterprise SSO organizations) are made in the project's settings or
 * the console API (ProjectApi createOrganization, with a workspace key), not through the admin API
 * flagless writes identities with, so the operator names which source organization is which.
 */
export async function readOrganizationMap(path: string): Promise<Map<string, string>> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(path, 'utf8'));
  } catch (e) {
    throw new FlaglessError('E_USAGE', `ORY_ORGANIZATION_MAP: cannot read ${path} as JSON (${(e as Error).message}); it must hold {"<source organization id>": "<Ory organization id>", ...}.`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new FlaglessError('E_USAGE', `ORY_ORGANIZATION_MAP: ${path} must hold one JSON object {"<source organization id>": "<Ory organization id>", ...}.`);
  }
  const map = new Map<string, string>();
  for (const [source, ory] of Object.entries(parsed as Record<string, unknown>)) {
    if (typeof ory !== 'string' || !UUID.test(ory)) {
      throw new FlaglessError('E_USAGE', `ORY_ORGANIZATION_MAP: the Ory organization id for "${source}" in ${path} is not a UUID (the id Ory's console shows for the organization).`);
    }
    map.set(source, ory.toLowerCase());
  }
  return map;
}

function roleRelation(role: string): string {
  return role.replace(/^org:/, '');
}

export class KratosTarget implements Target {
  constructor(
    private readonly admin: IdentityApi,
    private readonly frontend: FrontendApi | undefined,
    private readonly keto: KetoClient | undefined,
    readonly capabilities: TargetCapabilities,
    readonly stats: { writes: number; reads: number },
    private readonly map: KratosMapContext,
  ) {
    if (keto) {
      this.removeMembership = (user, org) => this.#removeMembership(keto, user, org);
      this.deleteOrganization = (org) => this.#deleteOrganization(keto, org);
    }
  }

  async #call<T>(kind: 'reads' | 'writes', action: string, fn: () => Promise<T>): Promise<T> {
    this.stats[kind]++;
    try {
      return await fn();
    } catch (e) {
      throw classifyKratosError(e, action);
    }
  }

  #ref(i: KratosIdentityWire): TargetUserRef {
    const email = fromKratosIdentity(i, this.map.traits).email;
    return { id: i.id, ...(i.external_id ? { externalId: i.external_id } : {}), ...(email ? { email } : {}) };
  }

  /**
   * The identity the plan built for its lossy notes, by user object: the engine then creates that
   * same object (the plan's written user) with the same options, and the body is not built again.
   * Held weakly, so it lives as long as the batch holds the user.
   */
  readonly #planned = new WeakMap<CanonicalUser, { options: CreateUserOptions; body: KratosCreateBody }>();

  lossyNotes(user: CanonicalUser, options: CreateUserOptions): LossyNote[] {
    const plan = toKratosIdentity(user, options, this.map);
    this.#planned.set(user, { options, body: plan.body });
    return plan.lossy;
  }

  roleName(role: string): string {
    return roleRelation(role);
  }

  async findUser(key: { externalId: string; email?: string }): Promise<TargetUserRef | undefined> {
    this.stats.reads++;
    try {
      return this.#ref((await this.admin.getIdentityByExternalID({ externalID: key.externalId })).data as KratosIdentityWire);
    } catch (e) {
      if (statusOf(e) !== 404) throw classifyKratosError(e, 'get identity by external id');
    }
    if (!key.email) return undefined;
    const email = key.email;
    const hits = await this.#call('reads', 'find identity by email', async () => (await this.admin.listIdentities({ credentialsIdentifier: email.trim().toLowerCase() })).data);
    const hit = hits[0] as KratosIdentityWire | undefined;
    return hit ? this.#ref(hit) : undefined;
  }

  #body(user: CanonicalUser, options: CreateUserOptions): KratosCreateBody {
    const planned = this.#planned.get(user);
    if (planned && planned.options.includePasswordHash === options.includePasswordHash && planned.options.missingPassword === options.missingPassword) {
      this.#planned.delete(user);
      return planned.body;
    }
    return toKratosIdentity(user, options, this.map).body;
  }

  async createUser(user: CanonicalUser, options: CreateUserOptions): Promise<TargetUserRef> {
    const body = this.#body(user, options);
    const created = await this.#call('writes', 'create identity', async () => (await this.admin.createIdentity({ createIdentityBody: body as never })).data);
    return this.#ref(created as KratosIdentityWire);
  }

  /**
   * One PATCH /admin/identities for the whole batch. Kratos commits the good items and answers for
   * each (identity/handler.go batchPatchIdentities: `action` "create" with the `identity` id, or
   * "error" with an `error` body: 409 for a uniqueness clash, 400 for a schema failure), matched
   * here by the `patch_id` each item carries. A credential Kratos cannot import fails the whole
   * request (400, nothing written); the mapping never sends one (see hash-format.ts).
   */
  async createUsersEach(batch: readonly { user: CanonicalUser; options: CreateUserOptions }[]): Promise<BulkCreateResult[]> {
    const patches = batch.map(({ user, options }) => ({ patch_id: patchIdFor(user.sourceId), create: this.#body(user, options) }));
    const answer = await this.#call('writes', 'create identities (batch)', async () => (await this.admin.batchPatchIdentities({ patchIdentitiesBody: { identities: patches as never } })).data);
    const byPatch = new Map((answer.identities ?? []).map((r) => [r.patch_id, r]));
    return patches.map((p, i): BulkCreateResult => {
      const r = byPatch.get(p.patch_id);
      if (r?.action === 'create' && r.identity) {
        const email = this.#email(p.create);
        return { ok: true, ref: { id: r.identity, ...(p.create.external_id ? { externalId: p.create.external_id } : {}), ...(email ? { email } : {}) } };
      }
      const action = `create identity ${batch[i]!.user.sourceId} (batch item)`;
      if (!r) return { ok: false, error: new FlaglessError('E_TARGET_UNAVAILABLE', `${action}: Kratos answered nothing for this item`, { errorClass: 'retriable' }) };
      const error = (r.error ?? {}) as { code?: number; reason?: string; message?: string };
      const status = typeof error.code === 'number' ? error.code : 500;
      return { ok: false, error: classifyHttpStatus(status, {}, action, error.reason || error.message || `action ${String(r.action)}`) };
    });
  }

  #email(body: KratosCreateBody): string | undefined {
    const path = this.map.traits.email;
    if (!path) return undefined;
    let cur: unknown = body.traits;
    for (const k of path) cur = (cur as Record<string, unknown> | undefined)?.[k];
    return typeof cur === 'string' ? cur : undefined;
  }

  async #get(id: string): Promise<KratosIdentityWire> {
    return (await this.#call('reads', 'get identity', async () => (await this.admin.getIdentity({ id, includeCredential: ['oidc', 'saml'] })).data)) as KratosIdentityWire;
  }

  async updateUser(ref: TargetUserRef, user: CanonicalUser, options: CreateUserOptions): Promise<TargetUserRef> {
    const current = await this.#get(ref.id);
    const body = this.#body(user, options);
    const credentials = { ...(body.credentials ?? {}) };
    // Never overwrite a password the identity already has (it may have been changed in Kratos
    // since), and never re-add a social link Kratos holds (it appends providers on update).
    if (current.credentials?.password) delete credentials.password;
    if (credentials.oidc) {
      const have = new Set(current.credentials?.oidc?.identifiers ?? []);
      const providers = credentials.oidc.config.providers.filter((p) => !have.has(`${p.provider}:${p.subject}`));
      if (providers.length) credentials.oidc = { config: { providers } };
      else delete credentials.oidc;
    }
    if (credentials.saml) {
      const have = new Set(current.credentials?.saml?.identifiers ?? []);
      const providers = credentials.saml.config.providers.filter((p) => !have.has(`${p.provider}:${p.subject}`));
      if (providers.length) credentials.saml = { config: { providers } };
      else delete credentials.saml;
    }
    if (current.credentials?.totp) delete credentials.totp;
    const update = {
      schema_id: body.schema_id,
      traits: body.traits,
      state: body.state,
      external_id: body.external_id,
      ...(body.metadata_public ? { metadata_public: body.metadata_public } : {}),
      ...(body.metadata_admin ? { metadata_admin: body.metadata_admin } : {}),
      ...(Object.keys(credentials).length ? { credentials } : {}),
    };
    const updated = await this.#call('writes', 'update identity', async () => (await this.admin.updateIdentity({ id: ref.id, updateIdentityBody: update as never })).data);
    return this.#ref(updated as KratosIdentityWire);
  }

  /**
   * Kratos has no organization objects: an organization is the Keto object named by its source id
   * in the `orgs` namespace, and it exists once its marker tuple `orgs:<id>#exists@flagless` does
   * (ORG_MARKER). Memberships alone do not make one (an organization may have no member yet, or
   * lose its last one). Keto holds no names: the name, slug and metadata stay in the source and in
   * flagless's ledger (the organization's planned record), and a found organization answers with
   * the name it was looked up by.
   */
  async findOrganization(key: { externalId: string; name: string }): Promise<TargetOrgRef | undefined> {
    if (!this.keto) return undefined;
    const tuples = await this.keto.list({ namespace: KETO_NAMESPACE, object: key.externalId, ...ORG_MARKER }, 1);
    return tuples.length ? { id: key.externalId, externalId: key.externalId, name: key.name } : undefined;
  }

  /** Writes the organization's marker tuple (Keto's PUT is idempotent: writing it again changes nothing). */
  async createOrganization(org: Organization): Promise<TargetOrgRef> {
    const keto = this.#keto();
    await keto.create({ namespace: KETO_NAMESPACE, object: org.sourceId, ...ORG_MARKER });
    return { id: org.sourceId, externalId: org.sourceId, name: org.name };
  }

  #keto(): KetoClient {
    if (!this.keto) throw new FlaglessError('E_USAGE', 'organization roles go to Keto: set KETO_WRITE_URL and KETO_READ_URL.');
    return this.keto;
  }

  /**
   * The membership's roles become exactly `roles`: one tuple per role, written before the ones no
   * longer wanted are deleted (so a cut-short update leaves the user with more roles, never none).
   */
  async ensureMembership(user: TargetUserRef, org: TargetOrgRef, roles: string[]): Promise<'created' | 'updated' | 'exists'> {
    const keto = this.#keto();
    const relations = [...new Set((roles.length ? roles : ['member']).map(roleRelation))];
    const have = new Set((await keto.list({ namespace: KETO_NAMESPACE, object: org.id, subject_id: user.id })).map((t) => t.relation));
    const missing = relations.filter((r) => !have.has(r));
    const extra = [...have].filter((r) => !relations.includes(r));
    for (const relation of missing) await keto.create({ namespace: KETO_NAMESPACE, object: org.id, relation, subject_id: user.id });
    for (const relation of extra) await keto.delete({ namespace: KETO_NAMESPACE, object: org.id, relation, subject_id: user.id });
    if (!missing.length && !extra.length) return 'exists';
    return have.size ? 'updated' : 'created';
  }

  /**
   * Sync: an organization deleted at the source. Every tuple on its Keto object goes (the marker and
   * each member's roles) in one delete; the identities stay. Present only with Keto
   * (`deletesOrganizations`). `absent` when no marker was there (already deleted, or never created).
   */
  readonly deleteOrganization?: (org: TargetOrgRef) => Promise<'deleted' | 'absent'>;

  async #deleteOrganization(keto: KetoClient, org: TargetOrgRef): Promise<'deleted' | 'absent'> {
    const found = (await keto.list({ namespace: KETO_NAMESPACE, object: org.id, ...ORG_MARKER }, 1)).length > 0;
    // Even without a marker, member tuples left by a delete cut short are cleared.
    await keto.delete({ namespace: KETO_NAMESPACE, object: org.id });
    return found ? 'deleted' : 'absent';
  }

  /** Sync: takes the user out of the organization (every role tuple of theirs on it). Present only with Keto (`removesMemberships`). */
  readonly removeMembership?: (user: TargetUserRef, org: TargetOrgRef) => Promise<'removed' | 'absent'>;

  async #removeMembership(keto: KetoClient, user: TargetUserRef, org: TargetOrgRef): Promise<'removed' | 'absent'> {
    const query = { namespace: KETO_NAMESPACE, object: org.id, subject_id: user.id };
    if (!(await keto.list(query, 1)).length) return 'absent';
    await keto.delete(query);
    return 'removed';
  }

  /**
   * Sync: DELETE /admin/identities/{id} (Kratos removes its credentials, addresses and sessions
   * with it), after the identity's Keto tuples (Keto knows nothing of Kratos's identities, so they
   * would outlive it). Tuples first: a delete cut short is completed by the next call, which finds
   * the identity still there or already gone (404: absent) and clears its tuples either way.
   */
  async deleteUser(ref: TargetUserRef): Promise<'deleted' | 'absent'> {
    if (this.keto) await this.keto.delete({ namespace: KETO_NAMESPACE, subject_id: ref.id });
    this.stats.writes++;
    try {
      await this.admin.deleteIdentity({ id: ref.id });
      return 'deleted';
    } catch (e) {
      if (statusOf(e) === 404) return 'absent';
      throw classifyKratosError(e, 'delete identity');
    }
  }

  /**
   * Sync (--on-delete disable): the identity's `state` through PATCH /admin/identities/{id} with one
   * JSON Patch operation, so nothing else of the identity (traits, credentials) is sent or touched.
   * An inactive identity cannot sign in.
   */
  async setUserDisabled(ref: TargetUserRef, disabled: boolean): Promise<void> {
    const jsonPatch = [{ op: 'replace', path: '/state', value: disabled ? 'inactive' : 'active' }];
    await this.#call('writes', disabled ? 'deactivate identity' : 'activate identity', async () => (await this.admin.patchIdentity({ id: ref.id, jsonPatch })).data);
  }

  async #withMemberships(view: TargetUserView): Promise<TargetUserView> {
    if (!this.keto) return view;
    const byOrg = new Map<string, string[]>();
    for (const t of await this.keto.list({ namespace: KETO_NAMESPACE, subject_id: view.id })) byOrg.set(t.object, [...(byOrg.get(t.object) ?? []), t.relation]);
    return { ...view, memberships: [...byOrg].map(([organizationId, roles]) => ({ organizationId, organizationExternalId: organizationId, roles })) };
  }

  async getUser(ref: TargetUserRef): Promise<TargetUserView | undefined> {
    let identity: KratosIdentityWire;
    try {
      identity = await this.#get(ref.id);
    } catch (e) {
      if (e instanceof FlaglessError && /not found \(404\)/.test(e.message)) return undefined;
      throw e;
    }
    return this.#withMemberships(fromKratosIdentity(identity, this.map.traits));
  }

  async *listUsers(): AsyncIterable<TargetUserView> {
    let pageToken: string | undefined;
    do {
      const token = pageToken;
      const res = await this.#call('reads', 'list identities', () => this.admin.listIdentities({ pageSize: PAGE, ...(token ? { pageToken: token } : {}), includeCredential: ['oidc', 'saml'] }));
      for (const i of res.data) yield await this.#withMemberships(fromKratosIdentity(i as KratosIdentityWire, this.map.traits));
      pageToken = nextPageToken(String(res.headers.link ?? ''));
    } while (pageToken);
  }

  async login(identifier: string, password: string): Promise<LoginResult> {
    const frontend = this.frontend;
    if (!frontend) throw new FlaglessError('E_USAGE', 'KRATOS_PUBLIC_URL is not set: sign-in goes through the public API.');
    const flow = await this.#call('reads', 'create login flow', async () => (await frontend.createNativeLoginFlow()).data);
    this.stats.reads++;
    try {
      const done = await frontend.updateLoginFlow({ flow: flow.id, updateLoginFlowBody: { method: 'password', identifier, password } });
      return { ok: true, userId: done.data.session.identity?.id ?? '' };
    } catch (e) {
      const status = statusOf(e);
      if (status === 400 || status === 401 || status === 403) {
        const data = (e as { response?: { data?: { ui?: { messages?: { text?: string }[] }; error?: { reason?: string } } } }).response?.data;
        return { ok: false, reason: data?.ui?.messages?.map((m) => m.text).join(' ') || data?.error?.reason || `login refused (${status})` };
      }
      throw classifyKratosError(e, 'sign in');
    }
  }

  /**
   * `flagless finish`. By default Kratos's own recovery email: a native self-service recovery flow
   * (GET /self-service/recovery/api, then POST /self-service/recovery {method: 'code', email}), whose
   * code Kratos's courier mails to the identity's recovery address. With `wantLink` (the operator
   * delivers the messages), the admin API's recovery code (POST /admin/recovery/code): a link and a
   * code, which Kratos does not mail.
   */
  async sendPasswordReset(ref: TargetUserRef, request: PasswordResetRequest): Promise<PasswordResetSent> {
    if (request.wantLink) {
      const r = await this.#call('writes', 'create a recovery code', async () => (await this.admin.createRecoveryCodeForIdentity({ createRecoveryCodeForIdentityBody: { identity_id: ref.id, expires_in: '72h' } })).data);
      return { via: 'kratos:admin-recovery-code', delivered: false, link: r.recovery_link, code: r.recovery_code, ...(r.expires_at ? { expiresAt: r.expires_at } : {}) };
    }
    const frontend = this.frontend;
    if (!frontend) throw new FlaglessError('E_USAGE', "KRATOS_PUBLIC_URL is not set: Kratos mails recovery codes through its public recovery flow (or pass --links-out to get the admin API's links and deliver them yourself)");
    const flow = await this.#call('writes', 'create a recovery flow', async () => (await frontend.createNativeRecoveryFlow()).data);
    const done = await this.#call('writes', 'send the recovery email', async () => (await frontend.updateRecoveryFlow({ flow: flow.id, updateRecoveryFlowBody: { method: 'code', email: request.email } })).data);
    if (done.state !== 'sent_email') throw new FlaglessError('E_TARGET_VALIDATION', `Kratos did not send the recovery email to ${ref.id} (flow state ${String(done.state)})`, { errorClass: 'skippable' });
    return { via: 'kratos:recovery-code-email', delivered: true };
  }

  async setPassword(ref: TargetUserRef, plaintext: string): Promise<void> {
    const current = await this.#get(ref.id);
    const update = {
      schema_id: (current as { schema_id?: string }).schema_id ?? this.map.schemaId,
      traits: current.traits,
      state: current.state ?? 'active',
      credentials: { password: { config: { password: plaintext } } },
    };
    await this.#call('writes', 'set password', async () => (await this.admin.updateIdentity({ id: ref.id, updateIdentityBody: update as never })).data);
  }

  async close(): Promise<void> {}
}

/** The `page_token` of the `rel="next"` link in Kratos's Link header, if any. */
export function nextPageToken(link: string): string | undefined {
  for (const part of link.split(',')) {
    const m = /<([^>]+)>\s*;\s*rel="next"/.exec(part);
    if (m) return new URL(m[1]!, 'http://x').searchParams.get('page_token') ?? undefined;
  }
  return undefined;
}
