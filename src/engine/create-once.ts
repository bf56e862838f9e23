import { RecordFailure } from './request.js';
import { exhausted, type Failure } from './retry.js';
import type { RunContext } from './run-context.js';

/**
 * Creates one user or organization in the target exactly once, whatever happens on the wire.
 *
 * A create is not idempotent, and a 5xx or a reset connection does not say whether it was applied.
 * So before anything is sent again (after a crash left the record `writing`, after a retriable
 * failure, after a conflict) the record is looked up in the target by its external id (= source
 * id), then its email or name:
 *   - found carrying our external id → it was our write: done ('recovered');
 *   - found carrying another record of this run's id → a duplicate in the export (two users with one
 *     email): quarantined, never merged;
 *   - found otherwise → an account that existed before (a signup during the transition):
 *     `--on-conflict` link (bring it in line, then memberships are repaired) | skip | fail;
 *   - not found → (re)create.
 */
export interface FoundRef {
  id: string;
  externalId?: string;
}

export interface CreateSpec<R extends FoundRef> {
  kind: 'user' | 'organization';
  sourceId: string;
  /** The record was left `writing` (a crash or a dead worker): it is looked up before any send. */
  wasWriting: boolean;
  /**
   * The create was already sent (in a bulk request that answers per item) and refused with this
   * failure, nothing written: it is settled as if this function had sent it, without sending again
   * (a conflict against what the target holds, per --on-conflict; anything else quarantined).
   */
  refused?: Failure;
  /** Look up before the first create even when not `writing` (organizations: few, and names are not unique keys). */
  lookUpFirst?: boolean;
  find(): Promise<R | undefined>;
  create(): Promise<R>;
  /** `--on-conflict link`: bring the existing record in line (a write), or nothing to do. */
  link(found: R): Promise<void>;
  /** Our create was applied but not acknowledged: finish what it does beyond the record (the target's repairUser). */
  repair?(found: R): Promise<void>;
  /**
   * A record found as ours may be half-written (a crash, or a gateway killed between creating a
   * user and setting its password): finish it before it counts as recovered.
   */
  complete?(found: R): Promise<void>;
  /**
   * The match belongs to another record of the export: quarantine with `code`, or (organizations,
   * whose names need not be unique) create a record of our own, failing only if the target refuses.
   */
  onDuplicate: { code: 'E_DUPLICATE_EMAIL' | 'E_TARGET_CONFLICT'; create: boolean };
  describe(found: R): string;
}

export async function createOnce<R extends FoundRef>(ctx: RunContext, spec: CreateSpec<R>): Promise<void> {
  const req = ctx.requester;
  const { kind, sourceId } = spec;

  /** Settles the record against what the target holds; 'create' when it should be created after all. */
  const settle = async (found: R, mayBeOurs: boolean, mayCreate: boolean): Promise<'create' | void> => {
    if (found.externalId === sourceId || (found.externalId === undefined && mayBeOurs)) {
      // Ours: the write was applied but its acknowledgement was lost (or the target keeps no external id and we were the one writing it).
      if (spec.repair) await spec.repair(found);
      await spec.complete?.(found);
      return ctx.done(kind, sourceId, { targetId: found.id, outcome: 'recovered' });
    }
    if (kind === 'user' && found.externalId !== undefined && ctx.plan.decisions?.keeps(sourceId, found.externalId)) {
      // The account holding the address is a duplicate this record keeps (decided skip or link after
      // an earlier run created it): the kept account takes it over, as decided.
      await spec.link(found);
      return ctx.done(kind, sourceId, { targetId: found.id, outcome: 'linked' });
    }
    if (found.externalId !== undefined && (await ctx.store.get(ctx.runId, kind, found.externalId))) {
      if (spec.onDuplicate.create && mayCreate) return 'create';
      return ctx.fail(kind, sourceId, {
        code: spec.onDuplicate.code,
        message: `${spec.describe(found)} already belongs to ${kind} ${found.externalId} of the same export; records are never merged silently`,
      });
    }
    switch (ctx.onConflict) {
      case 'link':
        await spec.link(found);
        return ctx.done(kind, sourceId, { targetId: found.id, outcome: 'linked' });
      case 'skip':
        return ctx.done(kind, sourceId, { targetId: found.id, outcome: 'skipped' });
      case 'fail':
        return ctx.fail(kind, sourceId, { code: 'E_TARGET_CONFLICT', message: `${spec.describe(found)} already exists in the target (--on-conflict fail)` });
    }
  };

  let wrote = spec.wasWriting;
  /** The create was refused, so not applied: a conflict is settled against the account that holds the key. */
  const refusal = async (f: Failure): Promise<void> => {
    if (f.code === 'E_TARGET_CONFLICT') {
      const found = await req.call(() => spec.find(), undefined, 'read');
      if (!found) return ctx.fail(kind, sourceId, f);
      if ((await settle(found, wrote, false)) !== 'create') return;
    }
    return ctx.fail(kind, sourceId, f);
  };
  if (spec.refused) return refusal(spec.refused);
  if (spec.wasWriting || spec.lookUpFirst) {
    const found = await req.call(() => spec.find(), undefined, 'read');
    if (found && (await settle(found, wrote, true)) !== 'create') return;
  }
  for (let attempt = 1; ; attempt++) {
    try {
      const ref = await req.once(
        () => spec.create(),
        () => ctx.markWriting(kind, sourceId),
      );
      return await ctx.done(kind, sourceId, { targetId: ref.id, outcome: 'created' });
    } catch (e) {
      if (!(e instanceof RecordFailure)) throw e;
      const f = e.failure;
      if (f.code === 'E_TARGET_CONFLICT' || f.kind !== 'retriable') return refusal(f);
      wrote = true;
      // Ambiguous: the create may have been applied before the failure. Look before re-sending.
      const found = await req.call(() => spec.find(), undefined, 'read');
      if (found && (await settle(found, true, true)) !== 'create') return;
      if (attempt >= ctx.policy.maxAttempts) return ctx.fail(kind, sourceId, exhausted(f, attempt));
      await req.backoff(attempt);
    }
  }
}
