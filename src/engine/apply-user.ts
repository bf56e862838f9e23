import { primaryEmail, type CanonicalUser } from '../model/user.js';
import type { TargetUserRef } from '../protocol/target.js';
import { createOnce } from './create-once.js';
import { planUser } from './plan.js';
import { RecordFailure } from './request.js';
import type { Failure } from './retry.js';
import type { RunContext } from './run-context.js';
import type { LedgerRecord } from '../state/ledger/types.js';

/** Outcomes after which the target holds this user as ours, so a changed source record is an update. */
const HELD = new Set(['created', 'recovered', 'linked', 'updated']);

/**
 * Moves one claimed user: create exactly once, update a changed one, or resolve one left in flight.
 * `refused`: its first create went out in a bulk request that answered per item and refused it
 * (apply-user-batch.ts); it is settled from there, as if this function had sent that create.
 */
export async function applyUser(ctx: RunContext, rec: LedgerRecord, user: CanonicalUser, refused?: Failure): Promise<void> {
  const plan = planUser(user, ctx.capabilities, ctx.plan);
  const t = ctx.target;
  const email = primaryEmail(user)?.address;
  const key = { externalId: user.sourceId, ...(email ? { email } : {}) };
  try {
    if (plan.action === 'skip') {
      return await ctx.done('user', user.sourceId, { outcome: 'skipped' });
    }
    if (rec.targetId && rec.outcome && HELD.has(rec.outcome)) {
      // Moved before and changed in the source since (or an update was cut short by a crash or a
      // failure): bring the target in line. An update is idempotent, so it is simply sent again.
      const ref: TargetUserRef = { id: rec.targetId, externalId: user.sourceId, ...(email ? { email } : {}) };
      await ctx.requester.call(
        () => t.updateUser(ref, plan.user, plan.createOptions),
        () => ctx.markWriting('user', user.sourceId),
      );
      return await ctx.done('user', user.sourceId, { targetId: rec.targetId, outcome: 'updated' });
    }
    await createOnce<TargetUserRef>(ctx, {
      kind: 'user',
      sourceId: user.sourceId,
      // `attempts > 0`: a request went out before (a crash, or a failure that may have been applied).
      wasWriting: rec.state === 'writing' || rec.attempts > 0,
      ...(refused ? { refused } : {}),
      find: () => t.findUser(key),
      create: () => t.createUser(plan.user, plan.createOptions),
      link: async (found) => {
        await ctx.requester.call(() => t.updateUser(found, plan.user, plan.createOptions));
      },
      ...(t.repairUser
        ? {
            repair: async (found: TargetUserRef) => {
              await ctx.requester.call(() => t.repairUser!(found, plan.user, plan.createOptions));
            },
          }
        : {}),
      // "Recovered" must mean the user can sign in: a user found without a password (created by a
      // gateway that died before setting it) gets the export's hash. Targets that cannot say
      // whether a password is set are left as they are (their password may be newer than ours).
      ...(plan.password === 'import' && ctx.capabilities.reportsPassword
        ? {
            complete: async (found: TargetUserRef) => {
              const view = await ctx.requester.call(() => t.getUser(found), undefined, 'read');
              if (view?.hasPassword !== false) return;
              await ctx.requester.call(
                () => t.updateUser(found, plan.user, plan.createOptions),
                () => ctx.markWriting('user', user.sourceId),
              );
            },
          }
        : {}),
      onDuplicate: { code: 'E_DUPLICATE_EMAIL', create: false },
      describe: (found) => `the account ${found.email ?? found.id}`,
    });
  } catch (e) {
    if (e instanceof RecordFailure) return ctx.fail('user', user.sourceId, e.failure);
    throw e;
  }
}
