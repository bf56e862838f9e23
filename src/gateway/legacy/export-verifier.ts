import { randomBytes } from 'node:crypto';
import { DEFAULT_HASH_COST_CEILING, hashCostExcess, hashPassword, type HashCostCeiling, type PasswordHash } from '../../model/password/index.js';
import type { CanonicalUser } from '../../model/user.js';
import type { LegacyVerdict, LegacyVerifier } from '../../protocol/legacy.js';
import type { ExportIndex } from './export-index.js';
import { VerificationOverBudget, VerifyPool, type VerifyPoolOptions } from './verify-pool.js';

/**
 * Verifies passwords against the export's own hashes (every algorithm the model knows), with no
 * call to the legacy provider. The index gives the user's whole record, so a success carries it.
 *
 * Every verification runs in a VerifyPool (child processes, a time budget each): a costly hash
 * never holds the gateway's event loop or another user's verification.
 *
 * Timing: an unknown identifier, a user without a usable hash and a wrong password all take at
 * least what one ordinary verification takes. The decoy is the export's most common hash cost
 * (a real user's hash, checked against a random password that cannot match); its measured
 * duration is the floor every failure is padded to, so an argon2 user whose hash is quicker
 * than the export's usual bcrypt answers a wrong password in the same time as everyone else.
 *
 * A user whose hash is missing or cannot be verified is `no_password` (a chained verifier may then
 * ask the provider's API). A hash whose verification ran past its budget is `no_password` too, and
 * that user is not tried again for `slowCooldownMs` (a cost bomb costs one budget, not one per
 * attempt). A disabled user with the right password is `disabled`; with a wrong one it is
 * `invalid_credentials`, like everyone else. An identifier several users share, with a password
 * right for one of them, is `needs_decision`: which account keeps the address is an
 * administrator's call, not a guess.
 */
export interface ExportVerifierOptions {
  /** A pool shared with others (not closed with this verifier); by default the verifier runs its own. */
  pool?: VerifyPool;
  poolOptions?: VerifyPoolOptions;
  /** How long a user whose hash ran past the budget is not tried again (default 15 minutes). */
  slowCooldownMs?: number;
  /** Pad failures to the decoy's cost (default true). */
  equalizeTiming?: boolean;
  /** Hashes above this cost are never verified (`--max-hash-cost`; default the model's ceiling). */
  hashCostCeiling?: HashCostCeiling;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class ExportVerifier implements LegacyVerifier {
  readonly name = 'export';
  readonly #index: ExportIndex;
  readonly #pool: VerifyPool;
  readonly #ownsPool: boolean;
  readonly #cooldownMs: number;
  readonly #equalize: boolean;
  readonly #ceiling: HashCostCeiling;
  /** The costly-CPU threshold was given: warm() does not derive it. */
  readonly #fixedCostly: boolean;
  /** Users whose hash ran past the budget, until when they are not tried. */
  readonly #tooSlow = new Map<string, number>();
  /**
   * A user's verification that turned out costly (in the pool's background), while it runs:
   * further attempts on that account wait for it (a hammered cost bomb takes one process, not
   * one per attempt) and then find the user cooled down.
   */
  readonly #costlyInFlight = new Map<string, Promise<unknown>>();
  readonly #running = new Map<string, Set<Promise<unknown>>>();
  #decoy: Promise<PasswordHash> | undefined;
  /** What one ordinary (decoy) verification takes here, in ms: a moving average of measured ones. */
  #referenceMs: number | undefined;
  #warming: Promise<void> | undefined;

  constructor(index: ExportIndex, opts: ExportVerifierOptions = {}) {
    this.#index = index;
    this.#pool = opts.pool ?? new VerifyPool(opts.poolOptions);
    this.#ownsPool = !opts.pool;
    this.#cooldownMs = opts.slowCooldownMs ?? 15 * 60_000;
    this.#equalize = opts.equalizeTiming ?? true;
    this.#ceiling = opts.hashCostCeiling ?? DEFAULT_HASH_COST_CEILING;
    this.#fixedCostly = opts.pool !== undefined || opts.poolOptions?.costlyCpuMs !== undefined;
  }

  get index(): ExportIndex {
    return this.#index;
  }

  get pool(): VerifyPool {
    return this.#pool;
  }

  /** The measured cost of one ordinary verification (ms), once known. */
  get referenceMs(): number | undefined {
    return this.#referenceMs;
  }

  /** Starts the verification processes and measures the decoy (median of three). */
  warm(): Promise<void> {
    this.#warming ??= (async () => {
      this.#pool.warm();
      const runs: { ms: number; cpuMs: number }[] = [];
      for (let i = 0; i < 3; i++) runs.push(await this.#timedDecoy(randomBytes(12).toString('base64url')));
      const median = (xs: number[]) => xs.sort((a, b) => a - b)[1]!;
      this.#referenceMs = median(runs.map((r) => r.ms));
      // Four ordinary verifications' worth of CPU marks a costly hash (at least 250 ms).
      if (!this.#fixedCostly) this.#pool.setCostlyCpu(Math.max(250, 4 * median(runs.map((r) => r.cpuMs))));
    })().catch(() => undefined);
    return this.#warming;
  }

  #decoyHash(): Promise<PasswordHash> {
    this.#decoy ??= (async () => {
      const common = this.#index.stats.commonHash;
      const sample = common ? this.#index.user(common.sourceId)?.password : undefined;
      return sample ?? hashPassword('bcrypt', randomBytes(12).toString('base64url'));
    })();
    return this.#decoy;
  }

  async #timedDecoy(password: string): Promise<{ ms: number; cpuMs: number }> {
    const hash = await this.#decoyHash();
    const t0 = performance.now();
    // A random suffix: the decoy can never match, whatever was typed.
    const r = await this.#pool.verifyMeasured(hash, `${password}\u0000${randomBytes(9).toString('base64url')}`).catch(() => ({ ok: false, cpuMs: 0 }));
    const ms = performance.now() - t0;
    if (this.#referenceMs !== undefined && ms < this.#pool.budgetMs) this.#referenceMs = 0.8 * this.#referenceMs + 0.2 * ms;
    return { ms, cpuMs: r.cpuMs };
  }

  async spendDecoy(password: string): Promise<void> {
    await this.#timedDecoy(password);
  }

  async verify(identifier: string, password: string): Promise<LegacyVerdict> {
    const started = performance.now();
    const verdict = await this.#verify(identifier, password);
    if (!verdict.ok && this.#equalize && this.#referenceMs !== undefined) {
      const wait = this.#referenceMs - (performance.now() - started);
      if (wait > 1) await sleep(wait);
    }
    return verdict;
  }

  async #verify(identifier: string, password: string): Promise<LegacyVerdict> {
    const ids = this.#index.sourceIdsFor(identifier);
    if (ids.length === 0) {
      await this.spendDecoy(password);
      return { ok: false, reason: 'unknown_user', detail: 'not in the export' };
    }
    const matches: CanonicalUser[] = [];
    let checkable = 0;
    let firstId: string | undefined;
    let slow: LegacyVerdict | undefined;
    for (const id of ids) {
      const user = this.#index.user(id);
      if (!user) continue;
      firstId ??= id;
      const hash = user.passwordPlan === 'import' ? user.password : undefined;
      if (!hash) continue;
      const excess = hashCostExcess(hash, this.#ceiling);
      if (excess) {
        // Above the cost ceiling: refused before any verification (the pool's budget is for what slips under it).
        slow = { ok: false, reason: 'no_password', cause: 'too_costly', detail: excess, sourceId: id };
        continue;
      }
      // At most two verifications of one account at once (parallel attempts on one user, such as
      // a hammered cost bomb not yet recognised, never take every process); none while one of
      // them is known to be costly; and none for a while after one ran past its budget.
      let running: Set<Promise<unknown>> | undefined;
      for (;;) {
        for (let ahead = this.#costlyInFlight.get(id); ahead; ahead = this.#costlyInFlight.get(id)) await ahead.catch(() => undefined);
        const until = this.#tooSlow.get(id);
        if (until !== undefined && until > Date.now()) break;
        running = this.#running.get(id) ?? new Set<Promise<unknown>>();
        this.#running.set(id, running);
        if (running.size < 2) break;
        await Promise.race(running).catch(() => undefined);
        running = undefined;
      }
      if (!running) {
        slow = { ok: false, reason: 'no_password', cause: 'over_budget', detail: 'this user\'s hash ran past the verification budget recently; not tried again yet', sourceId: id };
        continue;
      }
      checkable++;
      let ok = false;
      try {
        let costly = false;
        const p = this.#pool.verifyMeasured(hash, password, undefined, () => {
          costly = true;
          this.#costlyInFlight.set(id, p);
        });
        running.add(p);
        try {
          ok = (await p).ok;
        } finally {
          running.delete(p);
          if (running.size === 0 && this.#running.get(id) === running) this.#running.delete(id);
          if (costly && this.#costlyInFlight.get(id) === p) this.#costlyInFlight.delete(id);
        }
      } catch (e) {
        checkable--;
        if (e instanceof VerificationOverBudget) {
          // Over budget on a busy machine (waiting for a process or for the CPU): a retry may pass.
          if (!e.costly) return { ok: false, reason: 'unavailable', cause: 'busy', detail: e.message, retryAfterSeconds: 1 };
          this.#markSlow(id);
          slow = { ok: false, reason: 'no_password', cause: 'over_budget', detail: `this user's hash ${e.message}`, sourceId: id };
        } else if (!/^E_HASH_/.test(String((e as { code?: unknown }).code))) {
          // The pool is stopping or a process died: no answer, not a wrong password.
          return { ok: false, reason: 'unavailable', detail: (e as Error).message };
        }
        // Otherwise a hash the model cannot verify (malformed): this user cannot be checked from the export.
      }
      if (ok) matches.push(user);
    }
    if (matches.length > 0 && ids.length > 1) {
      // Several users of the export share this identifier; the password is right for at least one.
      return { ok: false, reason: 'needs_decision', detail: `the identifier names ${ids.length} users of the export; which one keeps it must be decided (flagless assess lists the group)` };
    }
    if (checkable === 0 && matches.length === 0) {
      if (slow) return slow;
      await this.spendDecoy(password);
      return { ok: false, reason: 'no_password', detail: 'the export holds no usable hash for this user', ...(firstId ? { sourceId: firstId } : {}) };
    }
    const user = matches[0];
    if (!user) return { ok: false, reason: 'invalid_credentials', ...(ids.length === 1 && firstId ? { sourceId: firstId } : {}) };
    if (user.disabled) return { ok: false, reason: 'disabled', detail: 'the user is disabled in the export', sourceId: user.sourceId };
    return { ok: true, sourceId: user.sourceId, user, ...(user.password ? { verifiedWith: user.password.algorithm } : {}) };
  }

  #markSlow(sourceId: string): void {
    if (this.#tooSlow.size >= 10_000) {
      const now = Date.now();
      for (const [k, until] of this.#tooSlow) if (until <= now) this.#tooSlow.delete(k);
      if (this.#tooSlow.size >= 10_000) this.#tooSlow.delete(this.#tooSlow.keys().next().value!);
    }
    this.#tooSlow.set(sourceId, Date.now() + this.#cooldownMs);
  }

  async lookup(identifier: string): Promise<{ sourceId: string; user: CanonicalUser } | undefined> {
    const ids = this.#index.sourceIdsFor(identifier);
    if (ids.length !== 1) return undefined;
    const user = this.#index.user(ids[0]!);
    return user ? { sourceId: user.sourceId, user } : undefined;
  }

  /** The index belongs to whoever built it (the gateway closes the one it is given); the pool is ours unless it was given. */
  async close(): Promise<void> {
    if (this.#ownsPool) await this.#pool.close();
  }
}

/**
 * Asks each verifier in turn while the answer is "cannot tell" (`unknown_user`, `no_password`):
 * the export first (fast, no API call), then the provider's login API for users the export cannot
 * check. A definite answer (success, wrong password, disabled, outage) ends the chain. The first
 * verifier's user record (the export's) is kept when a later one succeeds, as it is the richer one.
 */
export class ChainVerifier implements LegacyVerifier {
  readonly name: string;
  readonly #chain: LegacyVerifier[];

  constructor(chain: LegacyVerifier[]) {
    if (chain.length === 0) throw new Error('ChainVerifier needs at least one verifier');
    this.#chain = chain;
    this.name = chain.map((v) => v.name).join('+');
  }

  async verify(identifier: string, password: string, context?: { clientIp?: string }): Promise<LegacyVerdict> {
    let last: LegacyVerdict | undefined;
    for (const v of this.#chain) {
      const verdict = await v.verify(identifier, password, context);
      if (verdict.ok) {
        if (!verdict.user) {
          const known = await this.lookupIn(identifier, verdict.sourceId);
          if (known) return { ...verdict, user: known };
        }
        return verdict;
      }
      if (verdict.reason !== 'unknown_user' && verdict.reason !== 'no_password') return verdict;
      // A hash too costly to check here: the provider's API may still answer for this user.
      // "No user" from a later verifier does not undo "a user without a usable hash" from an earlier one.
      if (!last || last.ok || last.reason !== 'no_password') last = verdict;
    }
    return last!;
  }

  private async lookupIn(identifier: string, sourceId: string): Promise<CanonicalUser | undefined> {
    for (const v of this.#chain) {
      const found = await v.lookup?.(identifier).catch(() => undefined);
      if (found?.user && found.sourceId === sourceId) return found.user;
    }
    return undefined;
  }

  async lookup(identifier: string): Promise<{ sourceId: string; user?: CanonicalUser } | undefined> {
    for (const v of this.#chain) {
      const found = await v.lookup?.(identifier);
      if (found) return found;
    }
    return undefined;
  }

  async spendDecoy(password: string): Promise<void> {
    await this.#chain.find((v) => v.spendDecoy)?.spendDecoy?.(password);
  }

  async warm(): Promise<void> {
    await Promise.all(this.#chain.map((v) => v.warm?.()));
  }

  async close(): Promise<void> {
    await Promise.all(this.#chain.map((v) => v.close()));
  }
}
