import type { Organization } from '../model/user.js';
import { applyOrganization } from './apply-organization.js';
import { BatchMark } from './batch-marks.js';
import { RecordFailure } from './request.js';
import type { RunContext } from './run-context.js';
import type { LedgerRecord } from '../state/ledger/types.js';
import type { TaskPool } from './task-pool.js';

/**
 * Organizations in bulk, for targets with `Target.createOrganizations` (all or nothing, refused when
 * any of them is already there by id, name or slug). Only first-time creates go in a batch; the rest
 * take the one-by-one path (applyOrganization), which looks each up first. A refused batch is moved
 * one by one, so an organization made by hand in the target is linked per --on-conflict, never
 * doubled; after an ambiguous failure each is looked up first, as if left `writing`.
 */
export async function spawnOrganizationBatches(ctx: RunContext, pool: TaskPool, recs: readonly LedgerRecord[]): Promise<void> {
  const size = Math.max(1, ctx.capabilities.batchSize);
  let batch: LedgerRecord[] = [];
  const send = async () => {
    const chunk = batch;
    batch = [];
    if (chunk.length === 1) await pool.spawn(() => applyOrganization(ctx, chunk[0]!));
    else if (chunk.length > 1) await pool.spawn(() => applyOrganizationBatch(ctx, chunk));
  };
  for (const rec of recs) {
    if (!(rec.state === 'planned' && rec.attempts === 0 && !rec.targetId)) {
      await pool.spawn(() => applyOrganization(ctx, rec));
      continue;
    }
    batch.push(rec);
    if (batch.length >= size) await send();
  }
  await send();
}

async function applyOrganizationBatch(ctx: RunContext, chunk: readonly LedgerRecord[]): Promise<void> {
  const mark = new BatchMark(ctx, 'organization');
  let refs;
  try {
    refs = await ctx.requester.once(
      () => ctx.target.createOrganizations!(chunk.map((r) => r.payload as Organization)),
      () => mark.writing(chunk.map((r) => r.sourceId)),
    );
  } catch (e) {
    await mark.failed();
    if (!(e instanceof RecordFailure)) throw e;
    const ambiguous = e.failure.kind === 'retriable';
    await Promise.all(chunk.map((r) => applyOrganization(ctx, ambiguous ? { ...r, state: 'writing' } : r)));
    return;
  }
  await mark.done(chunk.map((r, i) => ({ sourceId: r.sourceId, targetId: refs[i]!.id, outcome: 'created' as const })));
}
