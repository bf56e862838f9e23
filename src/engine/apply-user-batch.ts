import type { CanonicalUser } from '../model/user.js';
import type { BulkCreateResult } from '../protocol/target.js';
import { applyUser } from './apply-user.js';
import { BatchMark } from './batch-marks.js';
import { planUser, type UserPlan } from './plan.js';
import { RecordFailure } from './request.js';
import { classify, FatalRunError, type Failure } from './retry.js';
import type { RunContext } from './run-context.js';
import type { LedgerRecord } from '../state/ledger/types.js';
import type { TaskPool } from './task-pool.js';

/**
 * Users in bulk, for targets with an all-or-nothing bulk create (`Target.createUsers`, e.g. the
 * Keycloak realm partial import: one request and one transaction for many users) or one that
 * answers per item (`Target.createUsersEach`, Kratos's batch PATCH: the good items are committed,
 * each bad one answered with its own error).
 *
 * Only first-time creates go in a batch: records never sent before (`planned`, no attempts), that
 * the plan creates. Updates, skips, records left `writing` by a crash and records retried after a
 * failure take the one-by-one path (applyUser), which looks a user up before it sends anything.
 *
 * Every record of a batch is marked `writing` before the request is sent and `done` after the
 * target answered; with per-item answers, the created users are marked done ('created') and each
 * refused one is settled as its own create would have been (applyUser with the refusal: a conflict
 * per --on-conflict, a rejected record quarantined with the target's reason) without being sent
 * again (unless the target answered it 429). When the whole batch fails, its users are moved one
 * by one: after an ambiguous failure each is looked up first (a batch that was applied is
 * recovered, never doubled); after a refusal
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
  const items = chunk.map((c) => ({ user: c.plan.user, options: c.plan.createOptions }));
  let answers: readonly BulkCreateResult[];
  try {
    answers = await ctx.requester.once(
      async (): Promise<readonly BulkCreateResult[]> => (t.createUsersEach ? t.createUsersEach(items) : (await t.createUsers!(items)).map((ref) => ({ ok: true as const, ref }))),
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
  // Per item (a target that answers for each, or all created). A user the target answered nothing
  // for may or may not have been created: it is looked up like the users of a lost reply.
  const created: { sourceId: string; targetId: string; outcome: 'created' }[] = [];
  const refused: { c: (typeof chunk)[number]; f: Failure }[] = [];
  const ambiguous: (typeof chunk)[number][] = [];
  let fatal: Failure | undefined;
  for (const [i, c] of chunk.entries()) {
    const a = answers[i];
    if (a?.ok) {
      created.push({ sourceId: c.user.sourceId, targetId: a.ref.id, outcome: 'created' });
      continue;
    }
    const f: Failure = a ? classify(a.error) : { kind: 'retriable', code: 'E_TARGET_UNAVAILABLE', message: 'the bulk create gave no answer for this user' };
    if (f.kind === 'retriable') ambiguous.push(c);
    else if (f.kind === 'fatal') fatal ??= f;
    else refused.push({ c, f });
  }
  // The users that may have been applied are marked `writing` before the batch mark is settled, so a
  // crash from here on leaves them to a lookup; a refused user was not written and may stay as the
  // mark leaves it (a re-run sends it again and is refused again).
  for (const c of ambiguous) await ctx.markWriting('user', c.user.sourceId);
  await mark.done(created);
  if (fatal) throw new FatalRunError(fatal);
  await Promise.all([
    // Refused: settled as applyUser settles its own refused create (a conflict per --on-conflict,
    // a rate-limited one sent again, anything else quarantined with the target's reason).
    ...refused.map(({ c, f }) => applyUser(ctx, c.rec, c.user, f.kind === 'rate-limited' ? undefined : f)),
    ...ambiguous.map((c) => applyUser(ctx, { ...c.rec, state: 'writing' }, c.user)),
  ]);
}
