import bcrypt from '@node-rs/bcrypt';
import { normalizeEmail } from '../../src/model/email.js';
import { primaryEmail, type CanonicalUser, type Organization } from '../../src/model/user.js';
import type { TargetCapabilities } from '../../src/protocol/capabilities.js';
import { FlaglessError } from '../../src/protocol/errors.js';
import type { CreateUserOptions, LoginResult, Target, TargetOrgRef, TargetUserRef, TargetUserView } from '../../src/protocol/target.js';
import { Prng } from '../../src/lib/fake/prng.js';

/**
 * A strict in-memory target for engine tests. It behaves like a hosted identity API: unique emails
 * (409-style conflict), users need an email, external ids, organizations and idempotent memberships,
 * and it can misbehave on purpose: 429 with Retry-After, 5xx, a connection reset after the write
 * was applied (the case that duplicates users in naive importers), a server-side rate limit, latency.
 * It counts every write request it receives and the most requests it ever had in flight.
 */
export const FAKE_CAPABILITIES: TargetCapabilities = {
  name: 'fake',
  displayName: 'Fake',
  nativeHashes: ['bcrypt'],
  extensionHashes: [],
  jitPasswords: true,
  totpSecrets: false,
  smsFactors: false,
  socialLinks: true,
  organizations: true,
  roles: true,
  usernames: false,
  // Like a hosted identity API (and like FakeTargetState.createUser): every user needs an email.
  requiresEmail: true,
  phoneNumbers: false,
  disabledUsers: false,
  metadata: 'single',
  metadataMaxBytes: 2048,
  rateLimitPerSecond: 1000,
  batchSize: 1,
};

export interface FakeFaults {
  /** Share of requests refused with 429 (not applied). */
  rate429?: number;
  retryAfterSeconds?: number;
  /** Share of requests failing with 500 before anything is applied. */
  rate5xx?: number;
  /** Share of write requests applied, whose reply is then lost (connection reset). */
  rateResetAfterApply?: number;
  /** Only writes misbehave (reads always answer). */
  writesOnly?: boolean;
}

export interface FakeUser {
  id: string;
  externalId?: string;
  email: string;
  emailVerified: boolean;
  firstName?: string;
  lastName?: string;
  metadata: Record<string, unknown>;
  passwordHash?: string;
  identities: { provider: string; providerUserId: string }[];
  createdBy: 'import' | 'signup';
}

export interface FakeOrg {
  id: string;
  externalId?: string;
  name: string;
}

type Method = 'findUser' | 'createUser' | 'updateUser' | 'findOrganization' | 'createOrganization' | 'ensureMembership' | 'getUser' | 'listUsers' | 'login' | 'setPassword';
const WRITES = new Set<Method>(['createUser', 'updateUser', 'createOrganization', 'ensureMembership', 'setPassword']);

export function resetError(): Error {
  return Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
}

/** The target's data and fault machinery; FakeTarget (in-process) and the HTTP fake server share it. */
export class FakeTargetState {
  readonly users = new Map<string, FakeUser>();
  readonly orgs = new Map<string, FakeOrg>();
  /** `${userId} ${orgId}` → roles */
  readonly memberships = new Map<string, string[]>();
  readonly stats = { writes: 0, reads: 0 };
  /** Counts per method of requests received, and of writes actually applied. */
  readonly received: Record<string, number> = {};
  applied = 0;
  /** Requests per method whose change was applied (a conflict or a fault before apply is not). */
  readonly appliedBy: Record<string, number> = {};
  inFlight = 0;
  maxInFlight = 0;
  faults: FakeFaults = {};
  /** One-shot faults consumed in order by the next matching requests. */
  readonly script: { method?: Method; fault: '429' | '5xx' | 'reset-after-apply' | 'skippable'; retryAfterSeconds?: number }[] = [];
  latencyMs = 0;
  /** Server-side limit: a token bucket refusing with 429 once empty. */
  serverLimit: { perSecond: number; burst: number } | undefined;
  #serverTokens = 0;
  #serverLast = performance.now();
  /** Timestamps (ms) of requests that passed the server limit. */
  readonly accepted: number[] = [];
  readonly #rng: Prng;
  #seq = 0;

  constructor(seed = 1) {
    this.#rng = new Prng(seed);
  }

  setServerLimit(perSecond: number, burst = perSecond): void {
    this.serverLimit = { perSecond, burst };
    this.#serverTokens = burst;
    this.#serverLast = performance.now();
  }

  nextId(prefix: string): string {
    return `${prefix}_${String(++this.#seq).padStart(6, '0')}`;
  }

  /** Runs one request through latency, limits and faults. */
  async handle<T>(method: Method, apply: () => T | Promise<T>): Promise<T> {
    const write = WRITES.has(method);
    if (write) this.stats.writes++;
    else this.stats.reads++;
    this.received[method] = (this.received[method] ?? 0) + 1;
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      if (this.latencyMs) await new Promise((r) => setTimeout(r, this.latencyMs));
      if (this.serverLimit) {
        const now = performance.now();
        this.#serverTokens = Math.min(this.serverLimit.burst, this.#serverTokens + ((now - this.#serverLast) / 1000) * this.serverLimit.perSecond);
        this.#serverLast = now;
        if (this.#serverTokens < 1) {
          const wait = Math.max(1, Math.ceil((1 - this.#serverTokens) / this.serverLimit.perSecond));
          throw new FlaglessError('E_RATE_LIMITED', 'rate limited (429)', { errorClass: 'retriable', retryAfterSeconds: wait });
        }
        this.#serverTokens -= 1;
      }
      this.accepted.push(performance.now());
      const scripted = this.script.findIndex((s) => !s.method || s.method === method);
      if (scripted >= 0) {
        const s = this.script.splice(scripted, 1)[0]!;
        if (s.fault === '429') throw new FlaglessError('E_RATE_LIMITED', 'rate limited (429)', { errorClass: 'retriable', retryAfterSeconds: s.retryAfterSeconds ?? 0 });
        if (s.fault === '5xx') throw new FlaglessError('E_TARGET_UNAVAILABLE', 'server error (500)', { errorClass: 'retriable' });
        if (s.fault === 'skippable') throw new FlaglessError('E_TARGET_VALIDATION', 'rejected by a scripted fault', { errorClass: 'skippable' });
        await apply();
        if (write) this.applied++;
        this.appliedBy[method] = (this.appliedBy[method] ?? 0) + 1;
        throw resetError();
      }
      const f = this.faults;
      if (!f.writesOnly || write) {
        if (f.rate429 && this.#rng.chance(f.rate429)) throw new FlaglessError('E_RATE_LIMITED', 'rate limited (429)', { errorClass: 'retriable', retryAfterSeconds: f.retryAfterSeconds ?? 0 });
        if (f.rate5xx && this.#rng.chance(f.rate5xx)) throw new FlaglessError('E_TARGET_UNAVAILABLE', 'server error (500)', { errorClass: 'retriable' });
      }
      const result = await apply();
      if (write) this.applied++;
      this.appliedBy[method] = (this.appliedBy[method] ?? 0) + 1;
      if (write && f.rateResetAfterApply && this.#rng.chance(f.rateResetAfterApply)) throw resetError();
      return result;
    } finally {
      this.inFlight--;
    }
  }

  // ---- the data model ----

  findUser(key: { externalId: string; email?: string }): TargetUserRef | undefined {
    let u = [...this.users.values()].find((x) => x.externalId === key.externalId);
    if (!u && key.email) {
      const n = normalizeEmail(key.email);
      u = [...this.users.values()].find((x) => normalizeEmail(x.email) === n);
    }
    return u ? ref(u) : undefined;
  }

  createUser(user: CanonicalUser, options: CreateUserOptions): TargetUserRef {
    const email = primaryEmail(user);
    if (!email) throw new FlaglessError('E_TARGET_VALIDATION', 'email is required', { errorClass: 'skippable' });
    const n = normalizeEmail(email.address);
    if ([...this.users.values()].some((x) => normalizeEmail(x.email) === n)) {
      throw new FlaglessError('E_TARGET_CONFLICT', 'This email is not available.', { errorClass: 'skippable' });
    }
    const u: FakeUser = { id: this.nextId('user'), email: email.address, emailVerified: email.verified, metadata: {}, identities: [], createdBy: 'import' };
    this.#fill(u, user, options);
    this.users.set(u.id, u);
    return ref(u);
  }

  /** A user who signed up at the target directly (not through the migration). */
  signup(email: string, extra: Partial<FakeUser> = {}): FakeUser {
    const u: FakeUser = { id: this.nextId('user'), email, emailVerified: true, metadata: {}, identities: [], createdBy: 'signup', ...extra };
    this.users.set(u.id, u);
    return u;
  }

  updateUser(r: TargetUserRef, user: CanonicalUser, options: CreateUserOptions): TargetUserRef {
    const u = this.users.get(r.id);
    if (!u) throw new FlaglessError('E_TARGET_VALIDATION', `user ${r.id} not found`, { errorClass: 'skippable' });
    const email = primaryEmail(user);
    if (email) {
      const n = normalizeEmail(email.address);
      if ([...this.users.values()].some((x) => x.id !== u.id && normalizeEmail(x.email) === n)) {
        throw new FlaglessError('E_TARGET_CONFLICT', 'This email is not available.', { errorClass: 'skippable' });
      }
      u.email = email.address;
      u.emailVerified = email.verified;
    }
    this.#fill(u, user, options);
    return ref(u);
  }

  #fill(u: FakeUser, user: CanonicalUser, options: CreateUserOptions): void {
    u.externalId = user.sourceId;
    if (user.firstName !== undefined) u.firstName = user.firstName;
    if (user.lastName !== undefined) u.lastName = user.lastName;
    u.metadata = { ...user.metadata.public, ...user.metadata.private };
    if (options.includePasswordHash && user.password) {
      if (user.password.algorithm !== 'bcrypt') throw new FlaglessError('E_TARGET_VALIDATION', `unsupported hash ${user.password.algorithm}`, { errorClass: 'skippable' });
      u.passwordHash = user.password.phc.reveal();
    }
    u.identities = user.identities.map((i) => ({ provider: i.provider, providerUserId: i.providerUserId }));
  }

  findOrganization(key: { externalId: string; name: string }): TargetOrgRef | undefined {
    const o = [...this.orgs.values()].find((x) => x.externalId === key.externalId) ?? [...this.orgs.values()].find((x) => x.name === key.name);
    return o ? { id: o.id, name: o.name, ...(o.externalId ? { externalId: o.externalId } : {}) } : undefined;
  }

  createOrganization(org: Organization): TargetOrgRef {
    const o: FakeOrg = { id: this.nextId('org'), externalId: org.sourceId, name: org.name };
    this.orgs.set(o.id, o);
    return { id: o.id, externalId: org.sourceId, name: o.name };
  }

  ensureMembership(user: TargetUserRef, org: TargetOrgRef, roles: string[]): 'created' | 'updated' | 'exists' {
    if (!this.users.has(user.id)) throw new FlaglessError('E_TARGET_VALIDATION', `user ${user.id} not found`, { errorClass: 'skippable' });
    if (!this.orgs.has(org.id)) throw new FlaglessError('E_TARGET_VALIDATION', `organization ${org.id} not found`, { errorClass: 'skippable' });
    const key = `${user.id} ${org.id}`;
    const had = this.memberships.get(key);
    const want = [...roles].sort();
    this.memberships.set(key, want);
    if (!had) return 'created';
    return JSON.stringify(had) === JSON.stringify(want) ? 'exists' : 'updated';
  }

  view(u: FakeUser): TargetUserView {
    const memberships = [...this.memberships.entries()]
      .filter(([k]) => k.startsWith(`${u.id} `))
      .map(([k, roles]) => {
        const org = this.orgs.get(k.slice(u.id.length + 1))!;
        return { organizationId: org.id, ...(org.externalId ? { organizationExternalId: org.externalId } : {}), roles };
      });
    return {
      id: u.id,
      ...(u.externalId ? { externalId: u.externalId } : {}),
      email: u.email,
      emailVerified: u.emailVerified,
      ...(u.firstName !== undefined ? { firstName: u.firstName } : {}),
      ...(u.lastName !== undefined ? { lastName: u.lastName } : {}),
      metadata: { ...u.metadata },
      memberships,
      identities: u.identities.map((i) => ({ ...i })),
      hasPassword: u.passwordHash !== undefined,
    };
  }

  async login(identifier: string, password: string): Promise<LoginResult> {
    const n = normalizeEmail(identifier);
    const u = [...this.users.values()].find((x) => normalizeEmail(x.email) === n);
    if (!u) return { ok: false, reason: 'unknown user' };
    if (!u.passwordHash) return { ok: false, reason: 'no password set' };
    return (await bcrypt.verify(password, u.passwordHash)) ? { ok: true, userId: u.id } : { ok: false, reason: 'wrong password' };
  }

  /** Duplicates by normalized email or external id: must always be empty. */
  duplicates(): string[] {
    const seen = new Map<string, number>();
    for (const u of this.users.values()) {
      for (const k of [`email:${normalizeEmail(u.email)}`, ...(u.externalId ? [`ext:${u.externalId}`] : [])]) seen.set(k, (seen.get(k) ?? 0) + 1);
    }
    for (const o of this.orgs.values()) if (o.externalId) seen.set(`org:${o.externalId}`, (seen.get(`org:${o.externalId}`) ?? 0) + 1);
    return [...seen.entries()].filter(([, n]) => n > 1).map(([k]) => k);
  }
}

function ref(u: FakeUser): TargetUserRef {
  return { id: u.id, email: u.email, ...(u.externalId ? { externalId: u.externalId } : {}) };
}

/** The in-process Target over a FakeTargetState. */
export class FakeTarget implements Target {
  readonly capabilities: TargetCapabilities;
  readonly state: FakeTargetState;
  closed = false;

  constructor(opts: { capabilities?: Partial<TargetCapabilities>; seed?: number; state?: FakeTargetState } = {}) {
    this.capabilities = { ...FAKE_CAPABILITIES, ...opts.capabilities };
    this.state = opts.state ?? new FakeTargetState(opts.seed);
  }

  get stats(): { writes: number; reads: number } {
    return this.state.stats;
  }

  findUser(key: { externalId: string; email?: string }) {
    return this.state.handle('findUser', () => this.state.findUser(key));
  }
  createUser(user: CanonicalUser, options: CreateUserOptions) {
    return this.state.handle('createUser', () => this.state.createUser(user, options));
  }
  updateUser(r: TargetUserRef, user: CanonicalUser, options: CreateUserOptions) {
    return this.state.handle('updateUser', () => this.state.updateUser(r, user, options));
  }
  findOrganization(key: { externalId: string; name: string }) {
    return this.state.handle('findOrganization', () => this.state.findOrganization(key));
  }
  createOrganization(org: Organization) {
    return this.state.handle('createOrganization', () => this.state.createOrganization(org));
  }
  ensureMembership(user: TargetUserRef, org: TargetOrgRef, roles: string[]) {
    return this.state.handle('ensureMembership', () => this.state.ensureMembership(user, org, roles));
  }
  getUser(r: TargetUserRef) {
    return this.state.handle('getUser', () => {
      const u = this.state.users.get(r.id);
      return u ? this.state.view(u) : undefined;
    });
  }
  async *listUsers(): AsyncIterable<TargetUserView> {
    const all = [...this.state.users.values()];
    for (let i = 0; i < all.length; i += 100) {
      const page = await this.state.handle('listUsers', () => all.slice(i, i + 100).map((u) => this.state.view(u)));
      yield* page;
    }
  }
  login(identifier: string, password: string) {
    return this.state.handle('login', () => this.state.login(identifier, password));
  }
  setPassword(r: TargetUserRef, plaintext: string) {
    return this.state.handle('setPassword', async () => {
      const u = this.state.users.get(r.id);
      if (!u) throw new FlaglessError('E_TARGET_VALIDATION', 'user not found', { errorClass: 'skippable' });
      u.passwordHash = await bcrypt.hash(plaintext, 4);
    });
  }
  async close(): Promise<void> {
    this.closed = true;
  }
}
