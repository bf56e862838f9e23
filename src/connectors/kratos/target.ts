import type { FrontendApi, IdentityApi } from '@ory/kratos-client';
import type { CanonicalUser, LossyNote, Organization } from '../../model/user.js';
import type { TargetCapabilities } from '../../protocol/capabilities.js';
import { FlaglessError } from '../../protocol/errors.js';
import type { CreateUserOptions, LoginResult, PasswordResetRequest, PasswordResetSent, Target, TargetOptions, TargetOrgRef, TargetUserRef, TargetUserView } from '../../protocol/target.js';
import { kratosCapabilities } from './capabilities.js';
import { classifyKratosError, statusOf } from './errors.js';
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
 * KRATOS_RATE_LIMIT_RPM (identity writes per minute; default: Ory Network's Production-plan
 * production limit, 400/min, when the admin URL is *.oryapis.com, none otherwise).
 */

const DEFAULT_TIMEOUT_MS = 60_000;
const PAGE = 500;
export const KETO_NAMESPACE = 'orgs';
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
  const baseOptions = { timeout: timeoutMs, maxBodyLength: Infinity, maxContentLength: Infinity };
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
    ...(keto ? {} : { organizations: false, roles: false }),
    // A schema that requires the email trait refuses identities without one: the plan says so up front.
    requiresEmail: !!traits.email && traits.required.includes(traits.email[0]!),
    usernames: !!traits.username,
    phoneNumbers: !!traits.phone,
  };
  return new KratosTarget(admin, frontend, keto, capabilities, stats, { schemaId, traits, totpIssuer: env.KRATOS_TOTP_ISSUER || 'flagless' });
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
  ) {}

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

  lossyNotes(user: CanonicalUser, options: CreateUserOptions): LossyNote[] {
    return toKratosIdentity(user, options, this.map).lossy;
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
    return toKratosIdentity(user, options, this.map).body;
  }

  async createUser(user: CanonicalUser, options: CreateUserOptions): Promise<TargetUserRef> {
    const body = this.#body(user, options);
    const created = await this.#call('writes', 'create identity', async () => (await this.admin.createIdentity({ createIdentityBody: body as never })).data);
    return this.#ref(created as KratosIdentityWire);
  }

  /**
   * One PATCH /admin/identities for the whole batch. Kratos answers per item; when any item failed
   * (a conflict, a schema error) the batch counts as ambiguous: the engine then looks every user up
   * by external id, keeps the ones that were created and sends the others one by one, so each
   * failure is quarantined with its own reason and nothing is created twice.
   */
  async createUsers(batch: readonly { user: CanonicalUser; options: CreateUserOptions }[]): Promise<TargetUserRef[]> {
    const patches = batch.map(({ user, options }) => ({ patch_id: patchIdFor(user.sourceId), create: this.#body(user, options) }));
    const answer = await this.#call('writes', 'create identities (batch)', async () => (await this.admin.batchPatchIdentities({ patchIdentitiesBody: { identities: patches as never } })).data);
    const byPatch = new Map((answer.identities ?? []).map((r) => [r.patch_id, r]));
    const refs: TargetUserRef[] = [];
    const failed: string[] = [];
    for (const [i, p] of patches.entries()) {
      const r = byPatch.get(p.patch_id);
      if (!r || r.action !== 'create' || !r.identity) {
        failed.push(`${batch[i]!.user.sourceId}: ${(r?.error as { reason?: string } | undefined)?.reason ?? 'no answer for this item'}`);
        continue;
      }
      refs.push({ id: r.identity, externalId: p.create.external_id, ...(p.create.traits && typeof this.#email(p.create) === 'string' ? { email: this.#email(p.create) } : {}) });
    }
    if (failed.length) {
      throw new FlaglessError('E_TARGET_UNAVAILABLE', `batch create: ${failed.length} of ${patches.length} item(s) failed (first: ${failed[0]}); settling each user one by one`, { errorClass: 'retriable' });
    }
    return refs;
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
   * Kratos has no organization objects: an organization is the Keto object named by its source id,
   * and it exists once a relation tuple names it.
   */
  async findOrganization(key: { externalId: string; name: string }): Promise<TargetOrgRef | undefined> {
    if (!this.keto) return undefined;
    const tuples = await this.keto.list({ namespace: KETO_NAMESPACE, object: key.externalId }, 1);
    return tuples.length ? { id: key.externalId, externalId: key.externalId, name: key.name } : undefined;
  }

  async createOrganization(org: Organization): Promise<TargetOrgRef> {
    if (!this.keto) throw new FlaglessError('E_USAGE', 'organization roles go to Keto: set KETO_WRITE_URL and KETO_READ_URL.');
    return { id: org.sourceId, externalId: org.sourceId, name: org.name };
  }

  async ensureMembership(user: TargetUserRef, org: TargetOrgRef, roles: string[]): Promise<'created' | 'updated' | 'exists'> {
    const keto = this.keto;
    if (!keto) throw new FlaglessError('E_USAGE', 'organization roles go to Keto: set KETO_WRITE_URL and KETO_READ_URL.');
    const relations = [...new Set((roles.length ? roles : ['member']).map(roleRelation))];
    const have = new Set((await keto.list({ namespace: KETO_NAMESPACE, object: org.id, subject_id: user.id })).map((t) => t.relation));
    const missing = relations.filter((r) => !have.has(r));
    for (const relation of missing) await keto.create({ namespace: KETO_NAMESPACE, object: org.id, relation, subject_id: user.id });
    if (!missing.length) return 'exists';
    return have.size ? 'updated' : 'created';
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
