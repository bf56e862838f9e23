import type { CanonicalUser } from '../model/user.js';
import { applyUser } from './apply-user.js';
import { BatchMark } from './batch-marks.js';
import { planUser, type UserPlan } from './plan.js';
import { RecordFailure } from './request.js';
import type { RunContext } from './run-context.js';
import type { LedgerRecord } from '../state/ledger/types.js';
import type { TaskPool } from './task-pool.js';

/**
 * Users in bulk, for targets with an all-or-nothing bulk create (`Target.createUsers`, e.g. the
 * Keycloak realm partial import: one request and one transaction for many users).
 *
 * Only first-time creates go in a batch: records never sent before (`planned`, no attempts), that
 * the plan creates. Updates, skips, records left `writing` by a crash and records retried after a
 * failure take the one-by-one path (applyUser), which looks a user up before it sends anything.
 *
 * Every record of a batch is marked `writing` before the request is sent and `done` after the
 * target answered. When the batch fails, its users are moved one by one: after an ambiguous failure
 * each is looked up first (a batch that was applied is recovered, never doubled); after a refusal
 * (a conflict with an existing account, a record the target rejects) each is created alone, so the
 * existing account is linked per --on-conflict and a bad record is quarantined alone.
 */
export async function spawnUserBatches(ctx: RunContext, pool: TaskPool, items: readonly { rec: LedgerRecord; user: CanonicalUser }[]): Promise<void> {
  const size = Math.max(1, ctx.capabilities.batchSize);
  let batch: { rec: LedgerRecord; user: CanonicalUser; plan: UserPlan }[] = [];
  const send = async () => {
    const chunk = batch;
    batch = [];
    if (chunk.length === 1) await pool.spawn(() => applyUser(ctx, chunk[0]!.rec, chunk[0]!.user));
    else if (chunk.length > 1) await pool.spawn(() => applyUserBatch(ctx, chunk));
  };
  for (const { rec, user } of items) {
    const plan = planUser(user, ctx.capabilities, ctx.plan);
    const firstCreate = plan.action === 'create' && rec.state === 'planned' && rec.attempts === 0 && !rec.targetId;
    if (!firstCreate) {
      await pool.spawn(() => applyUser(ctx, rec, user));
      continue;
    }
    batch.push({ rec, user, plan });
    if (batch.length >= size) await send();
  }
  await send();
}

async function applyUserBatch(ctx: RunContext, chunk: readonly { rec: LedgerRecord; user: CanonicalUser; plan: UserPlan }[]): Promise<void> {
  const t = ctx.target;
  const mark = new BatchMark(ctx, 'user');
  let refs;
  try {
    refs = await ctx.requester.once(
      () => t.createUsers!(chunk.map((c) => ({ user: c.plan.user, options: c.plan.createOptions }))),
      () => mark.writing(chunk.map((c) => c.user.sourceId)),
    );
  } catch (e) {
    await mark.failed();
    if (!(e instanceof RecordFailure)) throw e;
    // One by one. After an ambiguous failure (a lost reply, a 5xx: the batch may have been applied)
    // each user is looked up first, as if left `writing`; after a refusal nothing was written, and
    // each is simply created, a conflict then settled per --on-conflict like any other.
    const ambiguous = e.failure.kind === 'retriable';
    await Promise.all(chunk.map((c) => applyUser(ctx, ambiguous ? { ...c.rec, state: 'writing' } : c.rec, c.user)));
    return;
  }
  await mark.done(chunk.map((c, i) => ({ sourceId: c.user.sourceId, targetId: refs[i]!.id, outcome: 'created' as const })));
}
