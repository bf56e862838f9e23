import { hash } from 'node:crypto';
import type { UserPlan } from './plan.js';
import { planMembership } from './plan.js';
import type { TargetCapabilities } from '../protocol/capabilities.js';
import { membershipKey } from '../state/ledger/schema.js';

/**
 * What the plan pass of a fresh run wrote for each user, in export order, so that the users phase
 * can know a user's ledger rows without reading them: 8 bytes a user (a SHA-256 prefix of the user's
 * id, whether the plan creates it, and the keys of the memberships it planned), 800 KB at 100,000.
 *
 * It is only used when nothing but this invocation writes the run's records and they were all
 * written by this pass (the engine checks: a fresh run on an exclusive store, no record twice in the
 * export). Then a user the plan creates has a `planned` row with no attempt, and so do its planned
 * memberships; the users phase skips the claim that would read them (a tenth of its time in
 * bench:better-auth). The second read of the export must bring the same users in the same order:
 * the first user that differs (an API source that changed in between, a record repeated in one
 * batch) ends the shortcut, and from there on every batch is claimed as usual.
 */
export class PlannedSequence {
  #hi = new Uint32Array(1024);
  #lo = new Uint32Array(1024);
  #count = 0;
  #cursor = 0;
  #broken = false;

  /** Plan pass: the next user of the export, as planned. */
  add(plan: UserPlan, caps: TargetCapabilities): void {
    if (this.#count === this.#hi.length) {
      const hi = new Uint32Array(this.#hi.length * 2);
      const lo = new Uint32Array(this.#lo.length * 2);
      hi.set(this.#hi);
      lo.set(this.#lo);
      this.#hi = hi;
      this.#lo = lo;
    }
    const d = digestOf(plan, caps);
    this.#hi[this.#count] = d.readUInt32BE(0);
    this.#lo[this.#count] = d.readUInt32BE(4);
    this.#count++;
  }

  /**
   * Users phase: whether `plan` is, in the same place, what the plan pass wrote. After the first
   * difference, false for good.
   */
  next(plan: UserPlan, caps: TargetCapabilities): boolean {
    if (this.#broken) return false;
    const i = this.#cursor++;
    const d = digestOf(plan, caps);
    if (i >= this.#count || this.#hi[i] !== d.readUInt32BE(0) || this.#lo[i] !== d.readUInt32BE(4)) this.#broken = true;
    return !this.#broken;
  }

  get broken(): boolean {
    return this.#broken;
  }

  /** Gives up the shortcut (the run turned out not to qualify). */
  abandon(): void {
    this.#broken = true;
    this.#hi = new Uint32Array(0);
    this.#lo = new Uint32Array(0);
  }
}

/** The memberships of a user the plan creates that the plan pass wrote as planned (the others are settled as skipped at plan time). */
export function plannedMembershipKeys(plan: UserPlan, caps: TargetCapabilities): string[] {
  if (plan.action !== 'create') return [];
  const keys: string[] = [];
  for (const m of plan.user.memberships) if (planMembership(m, caps).action === 'create') keys.push(membershipKey(plan.user.sourceId, m.organizationId));
  return keys;
}

function digestOf(plan: UserPlan, caps: TargetCapabilities): Buffer {
  const text = [plan.action, plan.user.sourceId, ...plannedMembershipKeys(plan, caps)].join('\u0000');
  return hash('sha256', text, 'buffer') as unknown as Buffer;
}
