/**
 * The Better Auth target: every write goes through Better Auth itself (its database adapter,
 * internal adapter and organization-plugin adapter, on the instance app.ts builds), so field
 * names, types, dates and booleans are Better Auth's own for SQLite and PostgreSQL alike.
 *
 * A user is written in one adapter transaction (user row, credential account, social accounts),
 * so a kill at any moment leaves the user whole or absent; the engine's ledger does the rest.
 * First-time creates and memberships also come in batches (`createUsers`, `ensureMemberships`):
 * the rows are built by Better Auth's own adapter factory and inserted in one database transaction
 * per batch (bulk.ts), all or nothing, so a batch too is whole or absent after a kill.
 * `stats.writes` counts transactions and single write statements sent; `login()` counts none
 * (its session row is deleted again, and a re-hash on first sign-in is Better Auth's own doing).
 */
import { isAPIError } from 'better-auth/api';
import { getOrgAdapter } from 'better-auth/plugins/organization';
import { looksLikeEmail } from '../../model/email.js';
import type { CanonicalUser, LinkedIdentity, Organization } from '../../model/user.js';
import { FlaglessError } from '../../protocol/errors.js';
import type { CreateUserOptions, LoginResult, NewUser, PasswordResetRequest, PasswordResetSent, Target, TargetOrgRef, TargetUserRef, TargetUserView } from '../../protocol/target.js';
import type { BetterAuthDatabase, FlaglessAuth } from './app.js';
import { BulkWriter, RowBuilder, type TableRow } from './bulk.js';
import { betterAuthCapabilities } from './capabilities.js';
import { classifyDbError } from './db-errors.js';
import {
  CREDENTIAL_PROVIDER,
  emailForBetterAuth,
  parseJsonObject,
  roleList,
  sameRoles,
  slugCandidate,
  slugify,
  toIdentityAccount,
  toRoleName,
  toRoleString,
  toUserRow,
  type BetterAuthAccountRow,
  type BetterAuthUserRow,
} from './map.js';

type AuthContext = Awaited<FlaglessAuth['$context']>;
type OrgAdapter = ReturnType<typeof getOrgAdapter>;

interface UserRecord extends Omit<BetterAuthUserRow, 'publicMetadata' | 'privateMetadata'> {
  publicMetadata?: string | null;
  privateMetadata?: string | null;
}
interface AccountRecord {
  id: string;
  userId: string;
  providerId: string;
  accountId: string;
  password?: string | null;
}
interface OrganizationRecord {
  id: string;
  name: string;
  slug: string;
  metadata?: unknown;
}
interface MemberRecord {
  id: string;
  organizationId: string;
  userId: string;
  role: string;
}

const PAGE_SIZE = 200;
const ROW_PAGE_SIZE = 1000;
const SLUG_ATTEMPTS = 20;

/** Whether `slug` is `base` or one of the suffixed forms createOrganization tries (`acme-2` ...). */
function isSlugOf(slug: string, base: string): boolean {
  for (let attempt = 0; attempt < SLUG_ATTEMPTS; attempt++) if (slug === slugCandidate(base, attempt)) return true;
  return false;
}

/** The application's reset sender's outcomes by user id (index.ts fills it), and the redirect it asks for. */
export interface ResetSenderOutcomes {
  outcomes: Map<string, { link: string } | { error: string }>;
  redirectTo?: string | undefined;
}

export class BetterAuthTarget implements Target {
  readonly capabilities = betterAuthCapabilities;
  readonly stats = { writes: 0, reads: 0 };
  readonly #auth: FlaglessAuth;
  readonly #ctx: AuthContext;
  readonly #orgs: OrgAdapter;
  readonly #database: BetterAuthDatabase;
  readonly #rows: RowBuilder;
  readonly #bulk: BulkWriter;
  readonly #reset: ResetSenderOutcomes | undefined;
  #closed = false;

  /** `reset`: the application's reset sender is configured (what it did is kept by user id, see index.ts). */
  constructor(auth: FlaglessAuth, ctx: AuthContext, database: BetterAuthDatabase, reset?: ResetSenderOutcomes) {
    this.#auth = auth;
    this.#reset = reset;
    this.#ctx = ctx;
    // The org adapter is typed for the generic context; ours is the same object with narrower options.
    this.#orgs = getOrgAdapter(ctx as unknown as Parameters<typeof getOrgAdapter>[0]);
    this.#database = database;
    this.#rows = new RowBuilder(ctx);
    this.#bulk = new BulkWriter(database);
  }

  /** An adapter transaction; on SQLite never at the same time as a batch's (they share one connection). */
  #transaction(fn: Parameters<AuthContext['adapter']['transaction']>[0]): Promise<unknown> {
    if (this.#database.kind === 'sqlite') return this.#bulk.sqliteWrites.run(() => this.#ctx.adapter.transaction(fn));
    return this.#ctx.adapter.transaction(fn);
  }

  async #read<T>(what: string, fn: () => Promise<T>): Promise<T> {
    this.stats.reads++;
    try {
      return await fn();
    } catch (e) {
      throw classifyDbError(e, what, 'read');
    }
  }

  async #write<T>(what: string, fn: () => Promise<T>): Promise<T> {
    this.stats.writes++;
    try {
      return await fn();
    } catch (e) {
      throw classifyDbError(e, what, 'write');
    }
  }

  /** An enterprise link is an account under its connection name (toIdentityAccount), which listUsers reads back. */
  storedProviderName(identity: LinkedIdentity): string {
    return toIdentityAccount(identity).providerId;
  }

  async findUser(key: { externalId: string; email?: string }): Promise<TargetUserRef | undefined> {
    const byId = await this.#read('finding a user', () => this.#ctx.internalAdapter.findUserById(key.externalId));
    if (byId) return { id: byId.id, externalId: key.externalId, email: byId.email };
    if (!key.email) return undefined;
    const email = emailForBetterAuth(key.email);
    const byEmail = await this.#read('finding a user by email', () => this.#ctx.internalAdapter.findUserByEmail(email));
    // Users flagless created have the source id as their id, so the id says whose account this is:
    // the engine then tells a signup to link (a random id) from another export record (never merged).
    return byEmail ? { id: byEmail.user.id, externalId: byEmail.user.id, email: byEmail.user.email } : undefined;
  }

  roleName(role: string): string {
    return toRoleName(role);
  }

  /**
   * Without a usable hash no credential account is written, whatever `missingPassword` says:
   * Better Auth has no "must reset" flag, and its reset-password flow creates the credential
   * account when it is missing (utils/password.ts `resetCredentialPassword`); the gateway's JIT
   * move does the same through setPassword().
   */
  async createUser(user: CanonicalUser, options: CreateUserOptions): Promise<TargetUserRef> {
    const row = this.#userRow(user);
    const accounts = await this.#newIdentityAccounts(row.id, user, []);
    const password = options.includePasswordHash ? user.password?.phc.reveal() : undefined;
    await this.#write(`creating user ${user.sourceId}`, () =>
      this.#transaction(async (trx) => {
        await trx.create({ model: 'user', data: row, forceAllowId: true });
        if (password) await trx.create({ model: 'account', data: credentialAccount(row.id, password, row.createdAt) });
        for (const a of accounts) await trx.create({ model: 'account', data: { ...a, userId: row.id, createdAt: row.createdAt, updatedAt: row.createdAt } });
      }),
    );
    return { id: row.id, externalId: user.sourceId, email: row.email };
  }

  /**
   * First-time creates in one transaction: every user row, then every account row (credential and
   * social), then the memberships given with them, built by Better Auth's adapter factory (bulk.ts). All or nothing: a taken id or email,
   * or a social login already linked to someone else, fails the whole batch, and the engine then
   * moves its users one by one, where each is settled on its own (linked, quarantined, created).
   */
  async createUsers(batch: readonly NewUser[]): Promise<TargetUserRef[]> {
    const users = batch.map(({ user, options }) => ({ user, row: this.#userRow(user), password: options.includePasswordHash ? user.password?.phc.reveal() : undefined }));
    const identities = users.flatMap(({ user, row }) => dedupeAccounts(user).map((a) => ({ ...a, userId: row.id, sourceId: user.sourceId })));
    await this.#refuseTakenAccounts(identities);
    const built: TableRow[] = [];
    const accounts: TableRow[] = [];
    for (const { row, password } of users) {
      built.push(await this.#rows.row('user', { ...row }, true));
      if (password) accounts.push(await this.#rows.row('account', credentialAccount(row.id, password, row.createdAt)));
    }
    const createdAt = new Map(users.map((u) => [u.row.id, u.row.createdAt]));
    for (const a of identities) {
      const at = createdAt.get(a.userId)!;
      accounts.push(await this.#rows.row('account', { providerId: a.providerId, accountId: a.accountId, userId: a.userId, createdAt: at, updatedAt: at }));
    }
    // Memberships given with the users (capabilities.membershipsWithUsers): rows as the organization
    // plugin's createMember builds them (ensureMemberships), in the same transaction as their user.
    const members: TableRow[] = [];
    for (let i = 0; i < batch.length; i++) {
      for (const m of batch[i]!.memberships ?? []) {
        members.push(await this.#rows.row('member', { organizationId: m.org.id, userId: users[i]!.row.id, role: toRoleString(m.roles), createdAt: new Date() }));
      }
    }
    await this.#write(`creating ${users.length} users (${users[0]?.user.sourceId} ...)`, () => this.#bulk.insert([...built, ...accounts, ...members]));
    return users.map(({ user, row }) => ({ id: row.id, externalId: user.sourceId, email: row.email }));
  }

  /** One read for a batch's social logins: any already linked (or twice in the batch) makes the batch a conflict. */
  async #refuseTakenAccounts(accounts: readonly { providerId: string; accountId: string; userId: string; sourceId: string }[]): Promise<void> {
    if (accounts.length === 0) return;
    const seen = new Map<string, string>();
    for (const a of accounts) {
      const key = `${a.providerId}\u0000${a.accountId}`;
      const other = seen.get(key);
      if (other !== undefined && other !== a.userId)
        throw new FlaglessError('E_TARGET_CONFLICT', `user ${a.sourceId}: the ${a.providerId} login is also on user ${other} of the same batch`, { errorClass: 'skippable' });
      seen.set(key, a.userId);
    }
    const ids = [...new Set(accounts.map((a) => a.accountId))];
    // Sorted by accountId, not id: the account table has no index on accountId, and SQLite walks
    // the id index (a table lookup per account, random order) to give an id order: at 100,000
    // users that read was half of a migrate's time, the scan in table order a small part of it.
    // A full page (more matches than a page holds, never seen) is read again in pages by id.
    const page = await this.#read('finding linked accounts', () =>
      this.#ctx.adapter.findMany<AccountRecord>({ model: 'account', where: [{ field: 'accountId', operator: 'in', value: ids }], limit: ROW_PAGE_SIZE, sortBy: { field: 'accountId', direction: 'asc' } }),
    );
    const owners = page.length < ROW_PAGE_SIZE ? page : await this.#findAll<AccountRecord>('account', ids, 'finding linked accounts', 'accountId');
    for (const o of owners) {
      const mine = seen.get(`${o.providerId}\u0000${o.accountId}`);
      if (mine !== undefined && mine !== o.userId)
        throw new FlaglessError('E_TARGET_CONFLICT', `user ${mine}: the ${o.providerId} login is already linked to Better Auth user ${o.userId}`, { errorClass: 'skippable' });
    }
  }

  async updateUser(ref: TargetUserRef, user: CanonicalUser, options: CreateUserOptions): Promise<TargetUserRef> {
    const row = this.#userRow(user);
    const current = (await this.#read(`reading user ${ref.id}`, () => this.#ctx.internalAdapter.findUserById(ref.id))) as UserRecord | null;
    if (!current) throw new FlaglessError('E_TARGET_CONFLICT', `user ${ref.id} is no longer in Better Auth; re-run to create it`, { errorClass: 'retriable' });
    const accounts = (await this.#read(`reading accounts of ${ref.id}`, () => this.#ctx.internalAdapter.findAccounts(ref.id))) as AccountRecord[];

    const changes = userChanges(current, row);
    const credential = accounts.find((a) => a.providerId === CREDENTIAL_PROVIDER && a.accountId === ref.id);
    const hash = options.includePasswordHash ? user.password?.phc.reveal() : undefined;
    // A password already in Better Auth wins: it is either this hash, a re-hash of it after a
    // sign-in, or one the user set since. Only a missing one is filled in.
    const fillPassword = hash !== undefined && !credential?.password;
    const newAccounts = await this.#newIdentityAccounts(ref.id, user, accounts);

    if (Object.keys(changes).length > 0 || fillPassword || newAccounts.length > 0) {
      const now = new Date();
      await this.#write(`updating user ${ref.id}`, () =>
        this.#transaction(async (trx) => {
          if (Object.keys(changes).length > 0)
            await trx.update({ model: 'user', where: [{ field: 'id', value: ref.id }], update: { ...changes, updatedAt: now } });
          if (fillPassword && credential)
            await trx.update({ model: 'account', where: [{ field: 'id', value: credential.id }], update: { password: hash, updatedAt: now } });
          else if (fillPassword) await trx.create({ model: 'account', data: credentialAccount(ref.id, hash, now) });
          for (const a of newAccounts) await trx.create({ model: 'account', data: { ...a, userId: ref.id, createdAt: now, updatedAt: now } });
        }),
      );
    }
    return { id: ref.id, externalId: user.sourceId, email: changes.email ?? current.email };
  }

  async findOrganization(key: { externalId: string; name: string }): Promise<TargetOrgRef | undefined> {
    const byId = await this.#read('finding an organization', () => this.#orgs.findOrganizationById(key.externalId));
    if (byId) return { id: byId.id, externalId: byId.id, name: byId.name };
    // An organization the application created itself: linked by name when exactly one matches.
    const byName = await this.#read('finding an organization by name', () =>
      this.#ctx.adapter.findMany<{ id: string; name: string }>({ model: 'organization', where: [{ field: 'name', value: key.name }], limit: 2 }),
    );
    const only = byName.length === 1 ? byName[0] : undefined;
    return only ? { id: only.id, name: only.name } : undefined;
  }

  async createOrganization(org: Organization): Promise<TargetOrgRef> {
    const base = slugify(org.slug ?? org.name);
    const createdAt = org.createdAt && !Number.isNaN(Date.parse(org.createdAt)) ? new Date(org.createdAt) : new Date();
    for (let attempt = 0; attempt < SLUG_ATTEMPTS; attempt++) {
      const slug = slugCandidate(base, attempt);
      const taken = await this.#read('checking an organization slug', () => this.#orgs.findOrganizationBySlug(slug));
      if (taken) {
        if (taken.id === org.sourceId) return { id: taken.id, externalId: taken.id, name: taken.name };
        continue;
      }
      try {
        const created = await this.#write(`creating organization ${org.sourceId}`, () =>
          this.#orgs.createOrganization({
            organization: { id: org.sourceId, name: org.name, slug, createdAt, ...(Object.keys(org.metadata).length > 0 ? { metadata: org.metadata } : {}) },
          }),
        );
        return { id: created.id, externalId: created.id, name: created.name };
      } catch (e) {
        if (!(e instanceof FlaglessError) || e.code !== 'E_TARGET_CONFLICT') throw e;
        // Someone took the id or the slug meanwhile: the id means it is ours already.
        const existing = await this.#read('finding an organization', () => this.#orgs.findOrganizationById(org.sourceId));
        if (existing) return { id: existing.id, externalId: existing.id, name: existing.name };
      }
    }
    throw new FlaglessError('E_TARGET_CONFLICT', `organization ${org.sourceId}: no free slug after ${SLUG_ATTEMPTS} tries from "${base}"`, { errorClass: 'skippable' });
  }

  /**
   * Name, slug and metadata as the organization plugin's `updateOrganization` adapter call writes
   * them (metadata as JSON text). The slug
   * follows the source's (or the new name's) like at creation: kept when it already is that slug
   * or one of its suffixed forms, else the first free candidate. Nothing is written when the
   * organization already matches.
   */
  async updateOrganization(ref: TargetOrgRef, org: Organization): Promise<TargetOrgRef> {
    const current = (await this.#read(`reading organization ${ref.id}`, () => this.#orgs.findOrganizationById(ref.id))) as OrganizationRecord | null;
    if (!current) throw new FlaglessError('E_TARGET_VALIDATION', `Better Auth organization ${ref.id} no longer exists`, { errorClass: 'skippable' });
    const base = slugify(org.slug ?? org.name);
    const update: { name?: string; slug?: string; metadata?: string | null } = {};
    if (current.name !== org.name) update.name = org.name;
    const metadata = Object.keys(org.metadata).length > 0 ? org.metadata : undefined;
    // Stored as the plugin stores it (JSON text); none at the source clears the column.
    if (JSON.stringify(parseJsonObject(current.metadata)) !== JSON.stringify(metadata ?? {})) update.metadata = metadata ? JSON.stringify(metadata) : null;
    if (!isSlugOf(current.slug, base)) {
      let slug: string | undefined;
      for (let attempt = 0; attempt < SLUG_ATTEMPTS && slug === undefined; attempt++) {
        const candidate = slugCandidate(base, attempt);
        const taken = await this.#read('checking an organization slug', () => this.#orgs.findOrganizationBySlug(candidate));
        if (!taken || taken.id === ref.id) slug = candidate;
      }
      if (slug === undefined) throw new FlaglessError('E_TARGET_CONFLICT', `organization ${org.sourceId}: no free slug after ${SLUG_ATTEMPTS} tries from "${base}"`, { errorClass: 'skippable' });
      update.slug = slug;
    }
    if (Object.keys(update).length === 0) return { id: current.id, externalId: current.id, name: current.name };
    // The update the plugin's `updateOrganization` adapter call makes (what its /organization/update
    // endpoint uses), on Better Auth's adapter, with the metadata as the JSON text it stores: the
    // plugin's call would store a cleared metadata as the text "null".
    const updated = await this.#write(`updating organization ${ref.id}`, () =>
      this.#ctx.adapter.update<OrganizationRecord>({ model: 'organization', where: [{ field: 'id', value: ref.id }], update }),
    );
    if (!updated) throw new FlaglessError('E_TARGET_VALIDATION', `Better Auth organization ${ref.id} no longer exists`, { errorClass: 'skippable' });
    return { id: updated.id, externalId: updated.id, name: updated.name };
  }

  /**
   * The organization, its memberships and invitations in one transaction, as the organization
   * plugin's `deleteOrganization` adapter call does, and sessions that had it active are cleared
   * (as its /organization/delete endpoint does for the caller's session). The users stay.
   */
  async deleteOrganization(ref: TargetOrgRef): Promise<'deleted' | 'absent'> {
    const current = await this.#read(`reading organization ${ref.id}`, () => this.#orgs.findOrganizationById(ref.id));
    if (!current) return 'absent';
    await this.#write(`deleting organization ${ref.id}`, () =>
      this.#transaction(async (trx) => {
        for (const model of ['member', 'invitation'] as const) await trx.deleteMany({ model, where: [{ field: 'organizationId', value: ref.id }] });
        await trx.updateMany({ model: 'session', where: [{ field: 'activeOrganizationId', value: ref.id }], update: { activeOrganizationId: null } });
        await trx.delete({ model: 'organization', where: [{ field: 'id', value: ref.id }] });
      }),
    );
    return 'deleted';
  }

  /**
   * First-time organizations in one transaction, rows as the organization plugin's
   * createOrganization builds them. Refused, all of them, when any id, name or slug is taken (or
   * repeats in the batch): the engine then moves them one by one, where a name is linked per
   * --on-conflict and a taken slug gets a suffix.
   */
  async createOrganizations(orgs: readonly Organization[]): Promise<TargetOrgRef[]> {
    const planned = orgs.map((org) => ({
      org,
      slug: slugify(org.slug ?? org.name),
      createdAt: org.createdAt && !Number.isNaN(Date.parse(org.createdAt)) ? new Date(org.createdAt) : new Date(),
    }));
    for (const field of ['id', 'name', 'slug'] as const) {
      const values = planned.map((p) => (field === 'id' ? p.org.sourceId : field === 'name' ? p.org.name : p.slug));
      if (new Set(values).size !== values.length) throw new FlaglessError('E_TARGET_CONFLICT', `organizations ${planned[0]?.org.sourceId} ...: a ${field} repeats in the batch`, { errorClass: 'skippable' });
      const taken = await this.#read(`checking organization ${field}s`, () =>
        this.#ctx.adapter.findMany<{ id: string }>({ model: 'organization', where: [{ field, operator: 'in', value: values }], limit: 1 }),
      );
      if (taken.length > 0) throw new FlaglessError('E_TARGET_CONFLICT', `organization ${taken[0]!.id}: the ${field} of an organization in the batch is taken`, { errorClass: 'skippable' });
    }
    const rows: TableRow[] = [];
    for (const { org, slug, createdAt } of planned) {
      const metadata = Object.keys(org.metadata).length > 0 ? JSON.stringify(org.metadata) : undefined;
      rows.push(await this.#rows.row('organization', { id: org.sourceId, name: org.name, slug, createdAt, ...(metadata ? { metadata } : {}) }, true));
    }
    await this.#write(`creating ${rows.length} organizations (${planned[0]?.org.sourceId} ...)`, () => this.#bulk.insert(rows));
    return planned.map(({ org }) => ({ id: org.sourceId, externalId: org.sourceId, name: org.name }));
  }

  async ensureMembership(user: TargetUserRef, org: TargetOrgRef, roles: string[]): Promise<'created' | 'updated' | 'exists'> {
    const role = toRoleString(roles);
    const member = (await this.#read('reading a membership', () =>
      this.#orgs.checkMembership({ userId: user.id, organizationId: org.id }),
    )) as MemberRecord | null;
    if (!member) {
      await this.#write(`adding ${user.id} to ${org.id}`, () => this.#orgs.createMember({ organizationId: org.id, userId: user.id, role, createdAt: new Date() }));
      return 'created';
    }
    if (sameRoles(member.role, role)) return 'exists';
    await this.#write(`updating the role of ${user.id} in ${org.id}`, () => this.#orgs.updateMember(member.id, role));
    return 'updated';
  }

  /**
   * Memberships of a batch: one read of the users' memberships, then every missing one inserted in
   * one transaction (rows built as the organization plugin's createMember builds them). A changed
   * role is updated through the plugin, one by one (rare; idempotent, so a kill in between only
   * leaves it to be ensured again).
   */
  async ensureMemberships(batch: readonly { user: TargetUserRef; org: TargetOrgRef; roles: string[] }[]): Promise<('created' | 'updated' | 'exists')[]> {
    const members = await this.#findAll<MemberRecord>('member', [...new Set(batch.map((b) => b.user.id))], 'reading memberships');
    const existing = new Map(members.map((m) => [`${m.userId}\u0000${m.organizationId}`, m]));
    const rows: TableRow[] = [];
    const updates: { id: string; role: string; what: string }[] = [];
    const outcomes: ('created' | 'updated' | 'exists')[] = [];
    for (const { user, org, roles } of batch) {
      const role = toRoleString(roles);
      const key = `${user.id}\u0000${org.id}`;
      const member = existing.get(key);
      if (!member) {
        const data = { organizationId: org.id, userId: user.id, role, createdAt: new Date() };
        rows.push(await this.#rows.row('member', data));
        existing.set(key, { id: '', ...data });
        outcomes.push('created');
      } else if (sameRoles(member.role, role)) {
        outcomes.push('exists');
      } else {
        updates.push({ id: member.id, role, what: `updating the role of ${user.id} in ${org.id}` });
        outcomes.push('updated');
      }
    }
    await this.#write(`adding ${rows.length} memberships`, () => this.#bulk.insert(rows));
    for (const u of updates) await this.#write(u.what, () => this.#orgs.updateMember(u.id, u.role));
    return outcomes;
  }

  async getUser(ref: TargetUserRef): Promise<TargetUserView | undefined> {
    const user = (await this.#read(`reading user ${ref.id}`, () => this.#ctx.internalAdapter.findUserById(ref.id))) as UserRecord | null;
    if (!user) return undefined;
    const [view] = await this.#views([user]);
    return view;
  }

  async *listUsers(): AsyncIterable<TargetUserView> {
    let after: string | undefined;
    for (;;) {
      const page = await this.#read('listing users', () =>
        this.#ctx.adapter.findMany<UserRecord>({
          model: 'user',
          where: after === undefined ? [] : [{ field: 'id', operator: 'gt', value: after }],
          limit: PAGE_SIZE,
          sortBy: { field: 'id', direction: 'asc' },
        }),
      );
      if (page.length === 0) return;
      yield* await this.#views(page);
      if (page.length < PAGE_SIZE) return;
      after = page[page.length - 1]!.id;
    }
  }

  /**
   * Through `auth.api.signInEmail`, the application's own sign-in. Like any real sign-in it
   * re-hashes an imported hash to native scrypt (flaglessImport), so `verify --logins` also
   * completes the move of the users it signs in as.
   */
  async login(identifier: string, password: string): Promise<LoginResult> {
    if (!looksLikeEmail(identifier)) return { ok: false, reason: 'Better Auth signs in by email; the identifier is not one' };
    try {
      const res = await this.#auth.api.signInEmail({ body: { email: identifier, password } });
      // flagless's proof-of-login session is of no use to anyone: remove it from the target.
      await this.#ctx.internalAdapter.deleteSession(res.token).catch(() => undefined);
      return { ok: true, userId: res.user.id };
    } catch (e) {
      if (isAPIError(e) && e.statusCode < 500) {
        const body = e.body as { code?: unknown } | undefined;
        return { ok: false, reason: typeof body?.code === 'string' ? body.code : String(e.status) };
      }
      throw classifyDbError(e, 'signing in', 'read');
    }
  }

  /** The user, its accounts (credential and social), sessions and memberships, in one transaction. */
  async deleteUser(ref: TargetUserRef): Promise<'deleted' | 'absent'> {
    const current = await this.#read(`reading user ${ref.id}`, () => this.#ctx.internalAdapter.findUserById(ref.id));
    if (!current) return 'absent';
    await this.#write(`deleting user ${ref.id}`, () =>
      this.#transaction(async (trx) => {
        for (const model of ['member', 'session', 'account'] as const) await trx.deleteMany({ model, where: [{ field: 'userId', value: ref.id }] });
        await trx.delete({ model: 'user', where: [{ field: 'id', value: ref.id }] });
      }),
    );
    return 'deleted';
  }

  async removeMembership(user: TargetUserRef, org: TargetOrgRef): Promise<'removed' | 'absent'> {
    const member = (await this.#read('reading a membership', () => this.#orgs.checkMembership({ userId: user.id, organizationId: org.id }))) as MemberRecord | null;
    if (!member) return 'absent';
    await this.#write(`removing ${user.id} from ${org.id}`, () => this.#ctx.adapter.delete({ model: 'member', where: [{ field: 'id', value: member.id }] }));
    return 'removed';
  }

  async setPassword(ref: TargetUserRef, plaintext: string): Promise<void> {
    const hash = await this.#ctx.password.hash(plaintext);
    const credential = await this.#read(`reading the credential of ${ref.id}`, () => this.#ctx.internalAdapter.findCredentialAccount(ref.id));
    await this.#write(`setting the password of ${ref.id}`, async () => {
      if (credential) await this.#ctx.internalAdapter.updatePassword(ref.id, hash);
      else await this.#ctx.internalAdapter.linkAccount({ providerId: CREDENTIAL_PROVIDER, accountId: ref.id, userId: ref.id, password: hash });
    });
  }

  /**
   * Better Auth's own reset (`auth.api.requestPasswordReset`, POST /request-password-reset in
   * better-auth 1.7; `forgetPassword` is the older name): it stores a one-time token and calls the
   * application's `sendResetPassword` with the link, which the application mails. Better Auth
   * answers the same for an unknown address, so the caller looks the user up first. A throwing
   * sender (the application's mail provider refused) is reported as not sent.
   */
  async sendPasswordReset(ref: TargetUserRef, request: PasswordResetRequest): Promise<PasswordResetSent> {
    if (!this.#reset) {
      throw new FlaglessError('E_USAGE', "Better Auth sends reset emails through the application's own sender: set BETTER_AUTH_RESET_SENDER to a module exporting the sendResetPassword function the application passes to Better Auth");
    }
    this.#reset.outcomes.delete(ref.id);
    this.stats.writes++;
    try {
      await this.#auth.api.requestPasswordReset({ body: { email: request.email, ...(this.#reset.redirectTo ? { redirectTo: this.#reset.redirectTo } : {}) } });
    } catch (e) {
      if (isAPIError(e)) throw new FlaglessError('E_TARGET_VALIDATION', `Better Auth refused the password reset of ${ref.id}: ${e.message}`, { errorClass: 'skippable' });
      // The database failed (the sender's own failures never reach here: see the outcomes).
      throw classifyDbError(e, `requesting the password reset of ${ref.id}`, 'write');
    }
    const outcome = this.#reset.outcomes.get(ref.id);
    this.#reset.outcomes.delete(ref.id);
    if (outcome === undefined) throw new FlaglessError('E_TARGET_VALIDATION', `Better Auth sent no reset email to ${ref.id}: it holds no user with that address`, { errorClass: 'skippable' });
    if ('error' in outcome) throw new FlaglessError('E_TARGET_VALIDATION', `the application's sendResetPassword failed for ${ref.id}: ${outcome.error}`, { errorClass: 'skippable' });
    return { via: 'better-auth:sendResetPassword', delivered: true, ...(request.wantLink ? { link: outcome.link } : {}) };
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#bulk.close();
    await this.#database.close();
  }

  #userRow(user: CanonicalUser): BetterAuthUserRow {
    const row = toUserRow(user);
    if (!row) throw new FlaglessError('E_NO_EMAIL', `user ${user.sourceId} has no email address; Better Auth requires one`, { errorClass: 'skippable' });
    return row;
  }

  /** The user's social/enterprise accounts not yet in `existing`; one owned by another user is a conflict. */
  async #newIdentityAccounts(userId: string, user: CanonicalUser, existing: AccountRecord[]): Promise<BetterAuthAccountRow[]> {
    const have = new Set(existing.map((a) => `${a.providerId}\u0000${a.accountId}`));
    const out: BetterAuthAccountRow[] = [];
    for (const identity of user.identities) {
      const account = toIdentityAccount(identity);
      const key = `${account.providerId}\u0000${account.accountId}`;
      if (have.has(key)) continue;
      have.add(key);
      const owner = (await this.#read('finding a linked account', () => this.#ctx.internalAdapter.findAccountByKey(account))) as AccountRecord | null;
      if (owner && owner.userId !== userId)
        throw new FlaglessError('E_TARGET_CONFLICT', `user ${user.sourceId}: the ${account.providerId} login is already linked to Better Auth user ${owner.userId}`, { errorClass: 'skippable' });
      if (!owner) out.push(account);
    }
    return out;
  }

  /**
   * Every row of `model` whose `field` is one of `values`, page by page: the adapter's findMany
   * returns at most 100 rows when no limit is given, which silently cut memberships of busy pages.
   */
  async #findAll<T extends { id: string }>(model: 'account' | 'member', values: string[], what: string, field: 'userId' | 'accountId' = 'userId'): Promise<T[]> {
    const rows: T[] = [];
    for (;;) {
      const page = await this.#read(what, () =>
        this.#ctx.adapter.findMany<T>({ model, where: [{ field, operator: 'in', value: values }], limit: ROW_PAGE_SIZE, offset: rows.length, sortBy: { field: 'id', direction: 'asc' } }),
      );
      rows.push(...page);
      if (page.length < ROW_PAGE_SIZE) return rows;
    }
  }

  async #views(users: UserRecord[]): Promise<TargetUserView[]> {
    const ids = users.map((u) => u.id);
    const [accounts, members] = await Promise.all([
      this.#findAll<AccountRecord>('account', ids, 'reading accounts'),
      this.#findAll<MemberRecord>('member', ids, 'reading memberships'),
    ]);
    return users.map((u) => {
      const mine = accounts.filter((a) => a.userId === u.id);
      return {
        id: u.id,
        // Users flagless created carry their source id as id; an application's own signup shows it too.
        externalId: u.id,
        email: u.email,
        emailVerified: Boolean(u.emailVerified),
        displayName: u.name || undefined,
        metadata: { public: parseJsonObject(u.publicMetadata), private: parseJsonObject(u.privateMetadata) },
        memberships: members
          .filter((m) => m.userId === u.id)
          .map((m) => ({ organizationId: m.organizationId, organizationExternalId: m.organizationId, roles: roleList(m.role) })),
        identities: mine.filter((a) => a.providerId !== CREDENTIAL_PROVIDER).map((a) => ({ provider: a.providerId, providerUserId: a.accountId })),
        hasPassword: mine.some((a) => a.providerId === CREDENTIAL_PROVIDER && a.accountId === u.id && typeof a.password === 'string' && a.password !== ''),
      };
    });
  }
}

/** The user's social/enterprise accounts, each (provider, account id) once. */
function dedupeAccounts(user: CanonicalUser): BetterAuthAccountRow[] {
  const seen = new Set<string>();
  const out: BetterAuthAccountRow[] = [];
  for (const identity of user.identities) {
    const account = toIdentityAccount(identity);
    const key = `${account.providerId}\u0000${account.accountId}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(account);
  }
  return out;
}

function credentialAccount(userId: string, password: string, at: Date) {
  return { providerId: CREDENTIAL_PROVIDER, accountId: userId, userId, password, createdAt: at, updatedAt: at };
}

/** The fields of `current` the source record changes; a verified email is never un-verified. */
function userChanges(current: UserRecord, row: BetterAuthUserRow): Partial<Pick<BetterAuthUserRow, 'name' | 'email' | 'emailVerified' | 'image' | 'publicMetadata' | 'privateMetadata'>> {
  const changes: ReturnType<typeof userChanges> = {};
  if (row.name && row.name !== current.name) changes.name = row.name;
  if (row.email !== current.email) changes.email = row.email;
  if (row.emailVerified && !current.emailVerified) changes.emailVerified = true;
  if (row.image && row.image !== current.image) changes.image = row.image;
  if (row.publicMetadata !== null && row.publicMetadata !== (current.publicMetadata ?? null)) changes.publicMetadata = row.publicMetadata;
  if (row.privateMetadata !== null && row.privateMetadata !== (current.privateMetadata ?? null)) changes.privateMetadata = row.privateMetadata;
  return changes;
}
