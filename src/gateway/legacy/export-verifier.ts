import { randomBytes } from 'node:crypto';
import { hashPassword, verifyPassword, type PasswordHash } from '../../model/password/index.js';
import type { CanonicalUser } from '../../model/user.js';
import type { LegacyVerdict, LegacyVerifier } from '../../protocol/legacy.js';
import type { ExportIndex } from './export-index.js';

/**
 * Verifies passwords against the export's own hashes (every algorithm the model knows), with no
 * call to the legacy provider. The index gives the user's whole record, so a success carries it.
 *
 * An unknown identifier still costs one bcrypt (cost 10) verification against a throwaway hash,
 * so response time does not tell which identifiers exist. A user whose hash is missing or cannot
 * be verified is `no_password` (a chained verifier may then ask the provider's API). A disabled
 * user with the right password is `disabled`; with a wrong one it is `invalid_credentials`, like
 * everyone else, so the flag is never revealed to someone who does not know the password.
 */
export class ExportVerifier implements LegacyVerifier {
  readonly name = 'export';
  readonly #index: ExportIndex;
  #decoy: Promise<PasswordHash> | undefined;

  constructor(index: ExportIndex) {
    this.#index = index;
  }

  get index(): ExportIndex {
    return this.#index;
  }

  async #spendDecoy(password: string): Promise<void> {
    this.#decoy ??= hashPassword('bcrypt', randomBytes(12).toString('base64url'));
    await verifyPassword(await this.#decoy, password).catch(() => false);
  }

  async verify(identifier: string, password: string): Promise<LegacyVerdict> {
    const ids = this.#index.sourceIdsFor(identifier);
    if (ids.length === 0) {
      await this.#spendDecoy(password);
      return { ok: false, reason: 'unknown_user', detail: 'not in the export' };
    }
    const matches: CanonicalUser[] = [];
    let checkable = 0;
    let firstId: string | undefined;
    for (const id of ids) {
      const user = this.#index.user(id);
      if (!user) continue;
      firstId ??= id;
      const hash = user.passwordPlan === 'import' ? user.password : undefined;
      if (!hash) continue;
      checkable++;
      let ok = false;
      try {
        ok = await verifyPassword(hash, password);
      } catch {
        // A hash the model cannot verify (malformed): this user cannot be checked from the export.
        checkable--;
      }
      if (ok) matches.push(user);
    }
    if (checkable === 0) {
      await this.#spendDecoy(password);
      return { ok: false, reason: 'no_password', detail: 'the export holds no usable hash for this user', ...(firstId ? { sourceId: firstId } : {}) };
    }
    if (matches.length > 1) {
      // Two users of the export share this identifier and this password: which one signs in is not ours to guess.
      return { ok: false, reason: 'invalid_credentials', detail: `the identifier names ${ids.length} users of the export and the password matches several` };
    }
    const user = matches[0];
    if (!user) return { ok: false, reason: 'invalid_credentials', ...(ids.length === 1 && firstId ? { sourceId: firstId } : {}) };
    if (user.disabled) return { ok: false, reason: 'disabled', detail: 'the user is disabled in the export', sourceId: user.sourceId };
    return { ok: true, sourceId: user.sourceId, user, ...(user.password ? { verifiedWith: user.password.algorithm } : {}) };
  }

  async lookup(identifier: string): Promise<{ sourceId: string; user: CanonicalUser } | undefined> {
    const ids = this.#index.sourceIdsFor(identifier);
    if (ids.length !== 1) return undefined;
    const user = this.#index.user(ids[0]!);
    return user ? { sourceId: user.sourceId, user } : undefined;
  }

  /** The index belongs to whoever built it (the gateway closes the one it is given). */
  async close(): Promise<void> {}
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

  async close(): Promise<void> {
    await Promise.all(this.#chain.map((v) => v.close()));
  }
}
