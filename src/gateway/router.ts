import { randomUUID } from 'node:crypto';
import { ignoresPartOf } from '../model/password/prefix.js';
import { emptyUser, type CanonicalUser } from '../model/user.js';
import { looksLikeEmail } from '../model/email.js';
import { isFlaglessError } from '../protocol/errors.js';
import type { LegacyVerdict, LegacyVerifier } from '../protocol/legacy.js';
import type { Target } from '../protocol/target.js';
import type { FailureLog } from './failure-log.js';
import { FailureTiming } from './failure-timing.js';
import type { BruteForceGuard } from './limiter.js';
import { normalizeIdentifier } from './identifier.js';
import { identifiersOf, type ExportIndex } from './legacy/export-index.js';
import type { GatewayMetrics, LoginOutcome, LoginRoute } from './metrics.js';
import { Provisioner, type JitPasswordMode } from './provision.js';
import type { GatewayStore, MigrationRoute } from '../state/gateway/types.js';
import { withTimeout } from './timeout.js';

/**
 * Routes one password login by the user's migration flag (the playbook's shadow authentication):
 *
 *  1. migrated (by JIT, bulk import or lazy pull) or a target-native account → the target alone;
 *  2. known from the export and moved by `flagless migrate` but not yet seen → the target first;
 *  3. otherwise the legacy verifier; on success the user is claimed (one request in the fleet),
 *     provisioned into the target with the plaintext as its native password, marked migrated;
 *  4. an identifier the legacy provider rejects may be an account created in the target directly
 *     (new sign-ups go straight to the target), so the target is asked before answering 401.
 *
 * A wrong password never reaches a claim, so it never writes a user anywhere. An outage of the
 * legacy provider, the target or the state store answers 503 and leaves the flag where it was.
 */
export type LoginAnswer =
  | { ok: true; route: 'target' | 'legacy'; userId: string; sourceId?: string; migration?: MigrationRoute | 'concurrent' }
  | { ok: false; route: LoginRoute; status: 401 | 403 | 409 | 429 | 503; code: LoginOutcome; message: string; retryAfterSeconds?: number };

/** The account a login resolved to, for the per-account brute-force window (filled in as the login learns it). */
interface AccountRef {
  key?: string;
}

export interface RouterOptions {
  store: GatewayStore;
  legacy: LegacyVerifier;
  target: Target;
  /** The export, when the gateway was given one: profiles for provisioning, source ids before verifying. */
  index?: ExportIndex;
  metrics: GatewayMetrics;
  failures: FailureLog;
  passwordMode?: JitPasswordMode;
  /** How long a claim is held before another instance may take it over (default 30 s). */
  leaseMs?: number;
  /** How long a login waits for another request's migration of the same user (default 10 s). */
  waitMs?: number;
  /** Per call to the target (default 10 s). */
  targetTimeoutMs?: number;
  /** Per legacy verification (default 10 s). */
  legacyTimeoutMs?: number;
  /** Identifies this instance's claims. */
  owner?: string;
  log?: { warn(obj: object, msg: string): void; info(obj: object, msg: string): void };
  /** Counts failures per resolved account (every spelling of one user shares one window). */
  guard?: BruteForceGuard;
}

const MESSAGES = {
  invalid_credentials: 'The identifier or the password is wrong.',
  disabled: 'This account is disabled.',
  conflict: 'An account with this email already exists in the new provider and was not created from this user; it needs to be linked by an administrator.',
  needs_decision: 'This sign-in name belongs to several accounts; an administrator must decide which account keeps it before it can sign in here. Resetting the password does not help.',
  rate_limited: 'Too many failed attempts for this account; try again later.',
  legacy_unavailable: 'The legacy identity provider cannot be reached; try again shortly.',
  target_unavailable: 'The new identity provider cannot be reached; try again shortly.',
  state_unavailable: 'The migration state store cannot be reached; try again shortly.',
  busy: 'This account is being moved by another request; try again shortly.',
} as const;

class Unavailable extends Error {
  constructor(
    readonly code: 'legacy_unavailable' | 'target_unavailable' | 'state_unavailable',
    readonly detail: string,
    readonly retryAfterSeconds?: number,
  ) {
    super(detail);
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The legacy histogram's outcome label. Metrics may be read by more people than logs, so the
 * reasons that tell an unknown identifier from a user without a password or with a wrong one
 * are one label value, `rejected`.
 */
function publicOutcome(v: LegacyVerdict): string {
  if (v.ok) return 'ok';
  return v.reason === 'unknown_user' || v.reason === 'no_password' || v.reason === 'invalid_credentials' ? 'rejected' : v.reason;
}

export class LoginRouter {
  readonly #o: Required<Omit<RouterOptions, 'index' | 'log' | 'passwordMode' | 'guard'>> & Pick<RouterOptions, 'index' | 'log' | 'guard'>;
  /** Wrong-credentials answers padded to the slowest route's time (see failure-timing.ts). */
  readonly #failureTiming = new FailureTiming();
  readonly #provisioner: Provisioner;

  constructor(options: RouterOptions) {
    this.#o = {
      leaseMs: 30_000,
      waitMs: 10_000,
      targetTimeoutMs: 10_000,
      legacyTimeoutMs: 10_000,
      owner: `${process.pid}-${randomUUID()}`,
      ...options,
    };
    const index = options.index;
    this.#provisioner = new Provisioner(options.target, {
      ...(index ? { organization: (id: string) => index.organization(id) } : {}),
      passwordMode: options.passwordMode ?? 'native',
    });
  }

  get owner(): string {
    return this.#o.owner;
  }

  async login(identifier: string, password: string, context: { clientIp?: string } = {}): Promise<LoginAnswer> {
    let answer: LoginAnswer;
    const account: AccountRef = {};
    const started = performance.now();
    try {
      answer = await this.#login(identifier, password, context, account);
    } catch (e) {
      answer = this.#failure(e);
    }
    if (!answer.ok && answer.code === 'invalid_credentials') {
      const wait = this.#failureTiming.observe(answer.route, performance.now() - started);
      if (wait > 1) await sleep(wait);
    }
    this.#countAccount(account, answer);
    this.#o.metrics.logins.inc({ route: answer.route, outcome: answer.ok ? 'ok' : answer.code });
    if (!answer.ok) this.#o.failures.add(answer.code);
    return answer;
  }

  /** 429 when the account this login names is over its failure window. */
  #accountLimited(account: AccountRef): LoginAnswer | undefined {
    const wait = account.key && this.#o.guard ? this.#o.guard.accounts.retryAfterSeconds(account.key) : 0;
    if (wait <= 0) return undefined;
    this.#o.log?.warn({ scope: 'account' }, 'login rate limited');
    return { ok: false, route: 'none', status: 429, code: 'rate_limited', message: MESSAGES.rate_limited, retryAfterSeconds: wait };
  }

  #countAccount(account: AccountRef, answer: LoginAnswer): void {
    const guard = this.#o.guard;
    if (!guard || !account.key) return;
    if (answer.ok) guard.accounts.reset(account.key);
    else if (answer.status === 401 || answer.status === 403) guard.accounts.hit(account.key);
  }

  /** The account an identifier names before any password is checked: the state's flag, the export's sole user. */
  #preResolved(key: string, resolved: Awaited<ReturnType<GatewayStore['resolve']>>): string | undefined {
    if (resolved?.kind === 'native') return `native:${resolved.targetId}`;
    return resolved?.sourceId ?? this.#indexHint(key);
  }

  /**
   * The legacy check alone, for the lazy-migration endpoints a target calls: a success records the
   * user as pulled by the target (route `lazy`); nothing is written to any target from here.
   */
  async verifyForTarget(identifier: string, password: string, route: LoginRoute): Promise<LoginAnswer> {
    let answer: LoginAnswer;
    const account: AccountRef = { key: this.#indexHint(normalizeIdentifier(identifier)) };
    try {
      const limited = this.#accountLimited(account);
      if (limited) {
        this.#o.metrics.logins.inc({ route, outcome: 'rate_limited' });
        this.#o.failures.add('rate_limited');
        return limited.ok ? limited : { ...limited, route };
      }
      const verdict = await this.#legacy(identifier, password, {});
      account.key ??= verdict.ok ? verdict.sourceId : verdict.sourceId;
      if (!verdict.ok) answer = this.#rejected(verdict, route);
      else {
        const user = this.#userFor(verdict, identifier);
        await this.#state(() => this.#o.store.recordMigrated(verdict.sourceId, 'lazy', undefined, this.#identifiers(identifier, user)));
        this.#o.metrics.jitMigrations.inc({ kind: 'lazy' });
        answer = { ok: true, route: 'legacy', userId: verdict.sourceId, sourceId: verdict.sourceId, migration: 'lazy' };
      }
    } catch (e) {
      answer = this.#failure(e, route);
    }
    this.#countAccount(account, answer);
    this.#o.metrics.logins.inc({ route, outcome: answer.ok ? 'ok' : answer.code });
    if (!answer.ok) this.#o.failures.add(answer.code);
    return answer;
  }

  /** The user a lazy lookup returns, by identifier (no password). */
  async lookup(identifier: string): Promise<{ sourceId: string; user: CanonicalUser } | undefined> {
    const found = await this.#o.legacy.lookup?.(identifier);
    if (!found) return undefined;
    return { sourceId: found.sourceId, user: found.user ?? this.#minimalUser(found.sourceId, identifier) };
  }

  async #login(identifier: string, password: string, context: { clientIp?: string }, account: AccountRef): Promise<LoginAnswer> {
    const key = normalizeIdentifier(identifier);
    const resolved = await this.#state(() => this.#o.store.resolve(key));
    account.key = this.#preResolved(key, resolved);
    const limited = this.#accountLimited(account);
    if (limited) return limited;
    if (resolved?.kind === 'native') return this.#targetOnly(identifier, password);
    if (resolved?.row?.state === 'migrated') return this.#targetOnly(identifier, password, resolved.sourceId);

    let triedTarget = false;
    const hint = resolved?.sourceId ?? this.#indexHint(key);
    if (hint && !resolved?.row) {
      // Moved by `flagless migrate` and not seen since: the target answers first.
      const bulkId = await this.#state(() => this.#o.store.bulkTargetId(hint));
      if (bulkId) {
        triedTarget = true;
        const t = await this.#targetLogin(identifier, password);
        if (t.ok) {
          await this.#state(() => this.#o.store.recordMigrated(hint, 'bulk', t.userId, this.#identifiers(identifier, this.#o.index?.user(hint))));
          return { ok: true, route: 'target', userId: t.userId, sourceId: hint, migration: 'bulk' };
        }
        // No usable password in the target yet (or a stale one): legacy stays in charge until the flag flips.
      }
    }

    const verdict = await this.#legacy(identifier, password, context);
    account.key ??= verdict.sourceId;
    if (!verdict.ok) {
      if (verdict.reason === 'invalid_credentials' || verdict.reason === 'unknown_user' || verdict.reason === 'no_password' || verdict.reason === 'unavailable') {
        // New sign-ups live in the target only; the legacy provider does not know them. A user the
        // gateway's state holds on legacy is no sign-up: it was put back there (the password changed
        // at the legacy provider, as sync learned) or never moved, and what the target may hold for it
        // is an older password, which must not sign in.
        if (!triedTarget && !resolved?.row) {
          const t = await this.#targetLogin(identifier, password).catch((e) => (verdict.reason === 'unavailable' ? { ok: false as const } : Promise.reject(e)));
          if (t.ok) {
            await this.#rememberTargetAccount(identifier, t.userId);
            return { ok: true, route: 'target', userId: t.userId };
          }
        }
      }
      return this.#rejected(verdict, 'legacy');
    }
    return this.#migrate(verdict, identifier, password);
  }

  async #migrate(verdict: Extract<LegacyVerdict, { ok: true }>, identifier: string, password: string): Promise<LoginAnswer> {
    const { store } = this.#o;
    const sourceId = verdict.sourceId;
    const user = this.#userFor(verdict, identifier);
    const identifiers = this.#identifiers(identifier, user);
    // bcrypt (by the export's hash or the provider's) checked only the first 72 bytes of this text.
    const algorithm = verdict.verifiedWith ?? (user.passwordPlan === 'import' ? user.password?.algorithm : undefined);
    const partlyVerified = algorithm !== undefined && ignoresPartOf(algorithm, password);
    const deadline = Date.now() + this.#o.waitMs;
    for (let wait = 25; ; wait = Math.min(wait * 2, 250)) {
      const claim = await this.#state(() => store.claim(sourceId, this.#o.owner, this.#o.leaseMs));
      if (claim.claimed) {
        let result;
        try {
          result = await this.#o.metrics.time(this.#o.metrics.targetSeconds, { operation: 'provision' }, () => 'ok', () =>
            withTimeout(this.#provisioner.provision(user, password, { mayBeOurs: claim.attempts > 1, partlyVerified }), this.#o.targetTimeoutMs, 'provisioning the user in the target'),
          );
        } catch (e) {
          await store.release(sourceId, this.#o.owner, isFlaglessError(e) ? `${e.code}: ${e.message}` : String((e as Error).message ?? e)).catch(() => undefined);
          throw e;
        }
        if (!result) {
          // A password bcrypt checked in part, and no hash the target accepts: legacy keeps this user.
          await this.#state(() => store.release(sourceId, this.#o.owner, 'not moved: bcrypt checked only the first 72 bytes of the password and the target cannot import the hash'));
          this.#o.metrics.partialPasswords.inc({ action: 'not_moved' });
          return { ok: true, route: 'legacy', userId: sourceId, sourceId };
        }
        if (result.passwordKept) this.#o.metrics.partialPasswords.inc({ action: 'hash_kept' });
        const settled = await this.#state(() => store.markMigrated(sourceId, this.#o.owner, { route: result.route, targetId: result.ref.id, identifiers }));
        if (!settled) this.#o.log?.warn({ sourceId }, 'the claim expired while provisioning; another request completed the user');
        this.#o.metrics.jitMigrations.inc({ kind: result.route === 'jit' ? 'created' : 'completed' });
        return { ok: true, route: 'legacy', userId: result.ref.id, sourceId, migration: result.route };
      }
      if (claim.row.state === 'migrated') {
        // Another request (here or on another instance) moved this user while we verified the same password.
        for (const k of this.#identifiers(identifier, undefined)) await this.#state(() => store.remember(k, sourceId));
        return { ok: true, route: 'legacy', userId: claim.row.targetId ?? sourceId, sourceId, migration: 'concurrent' };
      }
      if (Date.now() + wait > deadline) {
        return { ok: false, route: 'legacy', status: 503, code: 'busy', message: MESSAGES.busy, retryAfterSeconds: 1 };
      }
      await sleep(wait);
    }
  }

  async #targetOnly(identifier: string, password: string, sourceId?: string): Promise<LoginAnswer> {
    const t = await this.#targetLogin(identifier, password);
    if (t.ok) return { ok: true, route: 'target', userId: t.userId, ...(sourceId ? { sourceId } : {}) };
    // A wrong password of a user already on the target costs what a legacy check costs, so the
    // answer's time does not tell a moved user from one still on the legacy side or an unknown one.
    await this.#o.legacy.spendDecoy?.(password).catch(() => undefined);
    return { ok: false, route: 'target', status: 401, code: 'invalid_credentials', message: MESSAGES.invalid_credentials };
  }

  async #targetLogin(identifier: string, password: string): Promise<{ ok: true; userId: string } | { ok: false }> {
    // Every provider flagless knows folds email case; a username is passed as typed, trimmed.
    const id = looksLikeEmail(identifier) ? normalizeIdentifier(identifier) : identifier.trim();
    try {
      const r = await this.#o.metrics.time(this.#o.metrics.targetSeconds, { operation: 'login' }, (v) => (v.ok ? 'ok' : 'invalid'), () =>
        withTimeout(this.#o.target.login(id, password), this.#o.targetTimeoutMs, 'signing in at the target'),
      );
      return r.ok ? { ok: true, userId: r.userId } : { ok: false };
    } catch (e) {
      throw new Unavailable('target_unavailable', isFlaglessError(e) ? `${e.code}: ${e.message}` : (e as Error).message, isFlaglessError(e) ? e.retryAfterSeconds : undefined);
    }
  }

  async #legacy(identifier: string, password: string, context: { clientIp?: string }): Promise<LegacyVerdict> {
    const { legacy, metrics } = this.#o;
    try {
      return await metrics.time(metrics.legacySeconds, { verifier: legacy.name }, publicOutcome, () =>
        withTimeout(legacy.verify(identifier.trim(), password, context), this.#o.legacyTimeoutMs, 'verifying at the legacy provider'),
      );
    } catch (e) {
      throw new Unavailable('legacy_unavailable', (e as Error).message);
    }
  }

  /** A legacy failure as an answer. `no_password` and `unknown_user` look like a wrong password from outside. */
  #rejected(verdict: Extract<LegacyVerdict, { ok: false }>, route: LoginRoute): LoginAnswer {
    if (verdict.detail) this.#o.log?.info({ reason: verdict.reason, detail: verdict.detail, ...(verdict.cause ? { cause: verdict.cause } : {}) }, 'legacy verification failed');
    if (verdict.cause) this.#o.metrics.verificationsRefused.inc({ cause: verdict.cause });
    switch (verdict.reason) {
      case 'needs_decision':
        return { ok: false, route, status: 409, code: 'needs_decision', message: MESSAGES.needs_decision };
      case 'disabled':
        return { ok: false, route, status: 403, code: 'disabled', message: MESSAGES.disabled };
      case 'unavailable':
        return {
          ok: false,
          route,
          status: 503,
          code: 'legacy_unavailable',
          message: MESSAGES.legacy_unavailable,
          ...(verdict.retryAfterSeconds !== undefined ? { retryAfterSeconds: verdict.retryAfterSeconds } : {}),
        };
      default:
        return { ok: false, route, status: 401, code: 'invalid_credentials', message: MESSAGES.invalid_credentials };
    }
  }

  #failure(e: unknown, route: LoginRoute = 'legacy'): LoginAnswer {
    if (e instanceof Unavailable) {
      this.#o.log?.warn({ code: e.code, detail: e.detail }, 'login could not be answered');
      return {
        ok: false,
        route: e.code === 'target_unavailable' ? 'target' : route,
        status: 503,
        code: e.code,
        message: MESSAGES[e.code],
        ...(e.retryAfterSeconds !== undefined ? { retryAfterSeconds: e.retryAfterSeconds } : {}),
      };
    }
    if (isFlaglessError(e)) {
      this.#o.log?.warn({ code: e.code, detail: e.message }, 'login could not be completed');
      if (e.code === 'E_TARGET_CONFLICT' || e.code === 'E_DUPLICATE_EMAIL') return { ok: false, route: 'target', status: 409, code: 'conflict', message: MESSAGES.conflict };
      if (e.code === 'E_STATE') return { ok: false, route, status: 503, code: 'state_unavailable', message: MESSAGES.state_unavailable };
      if (e.errorClass === 'skippable') return { ok: false, route: 'target', status: 409, code: 'conflict', message: e.message };
      return { ok: false, route: 'target', status: 503, code: 'target_unavailable', message: MESSAGES.target_unavailable, ...(e.retryAfterSeconds !== undefined ? { retryAfterSeconds: e.retryAfterSeconds } : {}) };
    }
    this.#o.log?.warn({ error: (e as Error).message }, 'login failed unexpectedly');
    return { ok: false, route: 'target', status: 503, code: 'target_unavailable', message: MESSAGES.target_unavailable };
  }

  async #state<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      if (e instanceof Unavailable) throw e;
      throw new Unavailable('state_unavailable', (e as Error).message);
    }
  }

  #indexHint(key: string): string | undefined {
    const ids = this.#o.index?.sourceIdsFor(key);
    return ids && ids.length === 1 ? ids[0] : undefined;
  }

  /** A target account that answered where legacy did not: ours if the export knows its id, the application's own otherwise. */
  async #rememberTargetAccount(identifier: string, userId: string): Promise<void> {
    const key = normalizeIdentifier(identifier);
    const view = await this.#o.target.getUser({ id: userId }).catch(() => undefined);
    const sourceId = view?.externalId;
    if (sourceId && this.#o.index?.user(sourceId)) {
      await this.#state(() => this.#o.store.recordMigrated(sourceId, 'bulk', userId, [key]));
    } else {
      await this.#state(() => this.#o.store.rememberNative(key, userId));
    }
  }

  #userFor(verdict: Extract<LegacyVerdict, { ok: true }>, identifier: string): CanonicalUser {
    return this.#o.index?.user(verdict.sourceId) ?? verdict.user ?? this.#minimalUser(verdict.sourceId, identifier);
  }

  /** What a bare "yes" from a login API tells: the id, and the identifier as email or username. */
  #minimalUser(sourceId: string, identifier: string): CanonicalUser {
    const u = emptyUser(sourceId);
    const id = identifier.trim();
    if (looksLikeEmail(id)) u.emails = [{ address: id, normalized: normalizeIdentifier(id), verified: false, primary: true }];
    else u.username = id;
    u.passwordPlan = 'jit';
    return u;
  }

  /** The identifiers that will route to this user: never one the export shares between several users. */
  #identifiers(identifier: string, user: CanonicalUser | undefined): string[] {
    const all = new Set([normalizeIdentifier(identifier), ...(user ? identifiersOf(user) : [])]);
    const index = this.#o.index;
    return [...all].filter((k) => !index || index.sourceIdsFor(k).length <= 1);
  }
}
