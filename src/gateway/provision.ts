import { planMembership, planUser } from '../engine/plan.js';
import { primaryEmail, type CanonicalUser, type Organization } from '../model/user.js';
import { FlaglessError, isFlaglessError } from '../protocol/errors.js';
import type { CreateUserOptions, Target, TargetOrgRef, TargetUserRef } from '../protocol/target.js';

/**
 * Writes one user into the target at its first successful legacy login: exactly once (looked up
 * by source id and email first, a create that meets the target's uniqueness is resolved by the
 * same lookup), with what the plan says the target can hold (profile, social links, metadata,
 * organizations and roles), then the password.
 *
 * Password modes:
 *  - `native` (default): the user is created without a hash and the plaintext the user just typed
 *    is set with `target.setPassword`, so the target holds its own native hash from the start;
 *  - `import-hash`: when the target accepts the export's hash algorithm, the hash is written with
 *    the user (one write, no second slow hash; targets like Better Auth re-hash it natively at the
 *    next sign-in). Falls back to `native` for users without an importable hash.
 *
 * A password the legacy side verified only in part (bcrypt reads the first 72 bytes: the typed
 * text may differ from the real password after them) is never set as the user's password: the
 * verified hash is written instead when the target accepts it (`passwordKept`), and otherwise the
 * user is not moved at all (`route: 'deferred'`): legacy keeps answering for it.
 */
export type JitPasswordMode = 'native' | 'import-hash';

export interface ProvisionResult {
  ref: TargetUserRef;
  /** `jit`: created now; `completed`: it was already in the target (bulk without password, an earlier crash). */
  route: 'jit' | 'completed';
  /** The export's hash was written instead of the typed password (which was verified only in part). */
  passwordKept?: boolean;
}

export interface ProvisionOptions {
  /**
   * An earlier attempt for this user may have written to the target (a crash, a timeout), so a
   * match without an external id (targets that keep none) is taken as ours.
   */
  mayBeOurs?: boolean;
  /** The legacy verification ignored part of the typed password (bcrypt past 72 bytes): never set it. */
  partlyVerified?: boolean;
}

export class Provisioner {
  readonly #target: Target;
  readonly #organizations: (sourceId: string) => Organization | undefined;
  readonly #mode: JitPasswordMode;
  /** Organizations created or found by this instance, by source id. */
  readonly #orgs = new Map<string, Promise<TargetOrgRef>>();

  constructor(target: Target, opts: { organization?: (sourceId: string) => Organization | undefined; passwordMode?: JitPasswordMode } = {}) {
    this.#target = target;
    this.#organizations = opts.organization ?? (() => undefined);
    this.#mode = opts.passwordMode ?? 'native';
  }

  /** Returns undefined when the user is not moved now (a partly verified password and no hash the target accepts). */
  async provision(user: CanonicalUser, password: string, opts: ProvisionOptions = {}): Promise<ProvisionResult | undefined> {
    const caps = this.#target.capabilities;
    const plan = planUser(user, caps, { missingPassword: 'jit' });
    if (plan.action === 'skip') throw new FlaglessError('E_TARGET_VALIDATION', `user ${user.sourceId} is not moved: ${plan.skipReason}`, { errorClass: 'skippable' });
    const partly = opts.partlyVerified === true;
    if (partly && plan.password !== 'import') return undefined;
    const importHash = (this.#mode === 'import-hash' || partly) && plan.password === 'import';
    const written: CanonicalUser = { ...plan.user };
    if (!importHash) delete written.password;
    const options: CreateUserOptions = { includePasswordHash: importHash, missingPassword: 'jit' };

    const email = primaryEmail(user)?.address;
    const key = { externalId: user.sourceId, ...(email ? { email } : {}) };
    let route: ProvisionResult['route'] = 'jit';
    const mayBeOurs = opts.mayBeOurs ?? false;
    let ref = await this.#ours(key, user.sourceId, mayBeOurs);
    if (ref) route = 'completed';
    else {
      try {
        ref = await this.#target.createUser(written, options);
      } catch (e) {
        if (!isFlaglessError(e) || e.code !== 'E_TARGET_CONFLICT') throw e;
        // Someone created it meanwhile (another instance whose claim expired): ours if it carries our id.
        ref = await this.#ours(key, user.sourceId, mayBeOurs);
        if (!ref) throw e;
        route = 'completed';
      }
    }
    await this.#memberships(ref, written);
    if (partly) {
      // Already there (bulk without password, an earlier crash): the verified hash fills it in.
      if (route === 'completed') await this.#target.updateUser(ref, written, options);
      return { ref, route, passwordKept: true };
    }
    if (!importHash || route === 'completed') await this.#target.setPassword(ref, password);
    return { ref, route };
  }

  /** The target's record for this user, if it is ours; an account with the email that is not ours is a conflict. */
  async #ours(key: { externalId: string; email?: string }, sourceId: string, mayBeOurs: boolean): Promise<TargetUserRef | undefined> {
    const found = await this.#target.findUser(key);
    if (!found) return undefined;
    if (found.externalId === sourceId || (found.externalId === undefined && mayBeOurs)) return found;
    throw new FlaglessError(
      'E_TARGET_CONFLICT',
      `the target already has an account with this user's email that was not created from source user ${sourceId} (a signup during the transition); it is not linked automatically`,
      { errorClass: 'skippable' },
    );
  }

  async #memberships(ref: TargetUserRef, user: CanonicalUser): Promise<void> {
    const caps = this.#target.capabilities;
    if (!caps.organizations) return;
    for (const m of user.memberships) {
      const org = this.#organizations(m.organizationId);
      if (!org) continue; // an orphan membership: assess and migrate report it
      const orgRef = await this.#organization(org);
      await this.#target.ensureMembership(ref, orgRef, planMembership(m, caps).roles);
    }
  }

  #organization(org: Organization): Promise<TargetOrgRef> {
    let p = this.#orgs.get(org.sourceId);
    if (!p) {
      p = (async () => {
        const found = await this.#target.findOrganization({ externalId: org.sourceId, name: org.name });
        if (found) return found;
        try {
          return await this.#target.createOrganization(org);
        } catch (e) {
          // Another instance created it meanwhile: the target's uniqueness tells, the lookup finds it.
          const again = await this.#target.findOrganization({ externalId: org.sourceId, name: org.name });
          if (again) return again;
          throw e;
        }
      })();
      this.#orgs.set(org.sourceId, p);
      // A failure is not cached: the next login tries again.
      p.catch(() => this.#orgs.delete(org.sourceId));
    }
    return p;
  }
}
