import type { Organization } from '../model/user.js';
import { applyMembership } from './apply-membership.js';
import { BatchMark } from './batch-marks.js';
import { RecordFailure } from './request.js';
import type { RunContext } from './run-context.js';
import type { LedgerRecord, Outcome } from '../state/ledger/types.js';
import type { TaskPool } from './task-pool.js';

export interface MembershipItem {
  rec: LedgerRecord;
  user: LedgerRecord | undefined;
  org: LedgerRecord | undefined;
}

/**
 * Memberships in bulk, for targets with `Target.ensureMemberships` (one transaction for many).
 *
 * Only memberships that need the target go in a batch: their user and organization are in it and
 * were not skipped. The others are settled by applyMembership without a request, as before. A batch
 * is marked `writing` before the request and `done` after it; ensuring is idempotent, so a batch
 * left `writing` by a crash is simply ensured again, and a failed batch is ensured one by one, where
 * a bad record is quarantined alone.
 */
export async function spawnMembershipBatches(ctx: RunContext, pool: TaskPool, items: readonly MembershipItem[]): Promise<void> {
  const size = Math.max(1, ctx.capabilities.batchSize);
  let batch: MembershipItem[] = [];
  const send = async () => {
    const chunk = batch;
    batch = [];
    if (chunk.length === 1) await pool.spawn(() => applyMembership(ctx, chunk[0]!.rec, chunk[0]!.user, chunk[0]!.org));
    else if (chunk.length > 1) await pool.spawn(() => applyMembershipBatch(ctx, chunk));
  };
  for (const item of items) {
    if (!needsTarget(item)) {
      await pool.spawn(() => applyMembership(ctx, item.rec, item.user, item.org));
      continue;
    }
    batch.push(item);
    if (batch.length >= size) await send();
  }
  await send();
}

/**
 * The same, in this task without the pool: memberships a worker took for a bulk create of users
 * that failed (apply-user-batch.ts), settled after their users, in batches where the target has a
 * bulk ensure.
 */
export async function settleMemberships(ctx: RunContext, items: readonly MembershipItem[]): Promise<void> {
  const bulk = ctx.target.ensureMemberships !== undefined && ctx.capabilities.batchSize > 1;
  const size = Math.max(1, ctx.capabilities.batchSize);
  const batch: MembershipItem[] = [];
  for (const item of items) {
    if (bulk && needsTarget(item)) batch.push(item);
    else await applyMembership(ctx, item.rec, item.user, item.org);
  }
  for (let i = 0; i < batch.length; i += size) {
    const chunk = batch.slice(i, i + size);
    if (chunk.length === 1) await applyMembership(ctx, chunk[0]!.rec, chunk[0]!.user, chunk[0]!.org);
    else await applyMembershipBatch(ctx, chunk);
  }
}

/** The cases applyMembership sends to the target (every other one it settles from the ledger alone). */
function needsTarget({ user, org }: MembershipItem): boolean {
  return (
    user !== undefined && org !== undefined && user.state !== 'failed' && org.state !== 'failed' &&
    Boolean(user.targetId) && Boolean(org.targetId) && user.outcome !== 'skipped' && org.outcome !== 'skipped'
  );
}

async function applyMembershipBatch(ctx: RunContext, chunk: readonly MembershipItem[]): Promise<void> {
  const mark = new BatchMark(ctx, 'membership');
  let results;
  try {
    results = await ctx.requester.call(
      () =>
        ctx.target.ensureMemberships!(
          chunk.map(({ rec, user, org }) => ({
            user: { id: user!.targetId!, externalId: user!.sourceId },
            org: { id: org!.targetId!, externalId: org!.sourceId, name: (org!.payload as Organization | undefined)?.name ?? org!.sourceId },
            roles: ((rec.payload as { roles?: string[] } | undefined)?.roles ?? []).slice(),
          })),
        ),
      () => mark.writing(chunk.map((c) => c.rec.sourceId)),
    );
  } catch (e) {
    await mark.failed();
    if (!(e instanceof RecordFailure)) throw e;
    await Promise.all(chunk.map((c) => applyMembership(ctx, c.rec, c.user, c.org)));
    return;
  }
  await mark.done(
    chunk.map(({ rec }, i) => {
      const r = results[i];
      const outcome: Outcome = r === 'created' ? 'created' : r === 'updated' ? 'updated' : rec.state === 'writing' || rec.attempts > 0 ? 'recovered' : 'linked';
      return { sourceId: rec.sourceId, outcome };
    }),
  );
}
