import { primaryEmail, type CanonicalUser } from '../model/user.js';
import type { BulkCreateResult, NewUser } from '../protocol/target.js';
import { settleMemberships } from './apply-membership-batch.js';
import { applyUser } from './apply-user.js';
import { BatchMark } from './batch-marks.js';
import { claimNewMemberships, type NewMemberships, type SettledOrganizations } from './new-memberships.js';
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
 * by one: after an ambiguous failure
 * each is looked up first (a batch that was applied is recovered, never doubled); after a refusal
 * (a conflict with an existing account, a record the target rejects) each is created alone, so the
 * existing account is linked per --on-conflict and a bad record is quarantined alone.
 *
 * A target that writes memberships with the users it creates (`capabilities.membershipsWithUsers`)
 * in its all-or-nothing bulk create gets those of the batch's users that were never sent either
 * (new-memberships.ts), marked and settled with the users: the memberships phase then has nothing
 * left to do for them.
 */
export async function spawnUserBatches(
  ctx: RunContext,
  pool: TaskPool,
  items: readonly { rec: LedgerRecord; user: CanonicalUser; plan?: UserPlan }[],
  orgs?: SettledOrganizations,
  /** The users' rows were known without a claim (run.ts, one pass: inserted by the batch's own plan write): so are those of their planned memberships. */
  known = false,
): Promise<void> {
  const size = Math.max(1, ctx.capabilities.batchSize);
  const withMemberships = ctx.capabilities.membershipsWithUsers === true && orgs !== undefined;
  let batch: BatchItem[] = [];
  const send = async () => {
    const chunk = batch;
    batch = [];
    if (chunk.length === 1 && !withMemberships) await pool.spawn(() => applyUser(ctx, chunk[0]!.rec, chunk[0]!.user));
    else if (chunk.length >= 1) await pool.spawn(() => applyUserBatch(ctx, chunk, withMemberships ? orgs : undefined, known));
  };
  for (const { rec, user, plan: planned } of items) {
    // The plan pass's own plan of this very user (one pass), or planned again.
    const plan = planned ?? planUser(user, ctx.capabilities, ctx.plan);
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

interface BatchItem {
  rec: LedgerRecord;
  user: CanonicalUser;
  plan: UserPlan;
}

async function applyUserBatch(ctx: RunContext, chunk: readonly BatchItem[], orgs: SettledOrganizations | undefined, known: boolean): Promise<void> {
  const t = ctx.target;
  // Memberships go with their users only in an all-or-nothing create: one transaction holds both.
  const memberships: NewMemberships = orgs && t.createUsers ? await claimNewMemberships(ctx, orgs, chunk.map((c) => c.plan), known) : new Map();
  const mark = new BatchMark(ctx, 'user');
  const memberMark = new BatchMark(ctx, 'membership');
  const memberIds = [...memberships.values()].flatMap((ms) => ms.map((m) => m.rec.sourceId));
  const items = chunk.map((c): NewUser => {
    const ms = memberships.get(c.user.sourceId);
    return { user: c.plan.user, options: c.plan.createOptions, ...(ms ? { memberships: ms.map((m) => ({ org: m.org, roles: m.roles })) } : {}) };
  });
  let answers: readonly BulkCreateResult[];
  try {
    answers = await ctx.requester.once(
      async (): Promise<readonly BulkCreateResult[]> => (t.createUsersEach ? t.createUsersEach(items) : (await t.createUsers!(items)).map((ref) => ({ ok: true as const, ref }))),
      async () => {
        await mark.writing(chunk.map((c) => c.user.sourceId));
        if (memberIds.length) await memberMark.writing(memberIds);
      },
    );
  } catch (e) {
    await mark.failed();
    await memberMark.failed();
    if (!(e instanceof RecordFailure)) throw e;
    // One by one. After an ambiguous failure (a lost reply, a 5xx: the batch may have been applied)
    // each user is looked up first, as if left `writing`; after a refusal nothing was written, and
    // each is simply created, a conflict then settled per --on-conflict like any other.
    const ambiguous = e.failure.kind === 'retriable';
    // Records sharing an email go in export order, so the later one is the duplicate (in parallel,
    // whichever create committed first won: a race the batch test lost under load on PostgreSQL).
    await Promise.all(
      byEmail(chunk).map(async (group) => {
        for (const c of group) await applyUser(ctx, ambiguous ? { ...c.rec, state: 'writing' } : c.rec, c.user);
      }),
    );
    // This worker holds the memberships it took for the batch: it ensures them now, after their
    // users were settled, as the memberships phase would (which skips rows this worker holds).
    if (memberIds.length) await settleTakenMemberships(ctx, memberships, memberIds);
    return;
  }
  // Per item (a target that answers for each, or all created). A user the target answered nothing
  // for may or may not have been created: it is looked up like the users of a lost reply.
  const created: { sourceId: string; targetId: string; outcome: 'created' }[] = [];
  const refused: { c: BatchItem; f: Failure }[] = [];
  const ambiguous: BatchItem[] = [];
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
  // Memberships rode only on an all-or-nothing create, which answered: every user of it is created.
  if (memberIds.length) await memberMark.done(memberIds.map((sourceId) => ({ sourceId, outcome: 'created' as const })));
  if (fatal) throw new FatalRunError(fatal);
  // Refused: settled as applyUser settles its own refused create (a conflict per --on-conflict, a
  // rate-limited one sent again, anything else quarantined with the target's reason); ambiguous:
  // looked up first. Records sharing an email go in export order, as after a failed batch, so two
  // of them never both link the one account that holds the address.
  const refusals = new Map(refused.map(({ c, f }) => [c, f] as const));
  const lookups = new Set(ambiguous);
  const unsettled = chunk.filter((c) => refusals.has(c) || lookups.has(c));
  await Promise.all(
    byEmail(unsettled).map(async (group) => {
      for (const c of group) {
        const f = refusals.get(c);
        if (f) await applyUser(ctx, c.rec, c.user, f.kind === 'rate-limited' ? undefined : f);
        else await applyUser(ctx, { ...c.rec, state: 'writing' }, c.user);
      }
    }),
  );
}

/** The chunk's items grouped by primary email (normalized), each group in chunk order. */
function byEmail(chunk: readonly BatchItem[]): BatchItem[][] {
  const groups = new Map<string, BatchItem[]>();
  for (const c of chunk) {
    const key = primaryEmail(c.user)?.normalized ?? `\u0000${c.user.sourceId}`;
    const g = groups.get(key);
    if (g) g.push(c);
    else groups.set(key, [c]);
  }
  return [...groups.values()];
}

/** The taken memberships of a failed batch, from their ledger rows as they are now (their user settled, their mark expanded). */
async function settleTakenMemberships(ctx: RunContext, memberships: NewMemberships, memberIds: readonly string[]): Promise<void> {
  const [recs, users] = await Promise.all([
    ctx.store.getMany(ctx.runId, 'membership', memberIds),
    ctx.store.getMany(ctx.runId, 'user', [...memberships.keys()]),
  ]);
  await settleMemberships(
    ctx,
    [...memberships].flatMap(([userId, ms]) => ms.map((m) => ({ rec: recs.get(m.rec.sourceId) ?? m.rec, user: users.get(userId), org: m.orgRecord }))),
  );
}
