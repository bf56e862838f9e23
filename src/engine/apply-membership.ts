import type { Organization } from '../model/user.js';
import { RecordFailure } from './request.js';
import type { RunContext } from './run-context.js';
import type { LedgerRecord } from '../state/ledger/types.js';

/**
 * Moves one claimed membership once its user and organization are settled. `ensureMembership` is
 * idempotent, so a membership left `writing` by a crash is simply ensured again; a user that was
 * linked (an existing account) or recovered gets its memberships here like any other: they are
 * their own ledger records, never skipped along with the user.
 */
export async function applyMembership(ctx: RunContext, rec: LedgerRecord, user: LedgerRecord | undefined, org: LedgerRecord | undefined): Promise<void> {
  const id = rec.sourceId;
  try {
    if (!user || user.state === 'failed') {
      return await ctx.fail('membership', id, { code: user?.errorCode ?? 'E_SOURCE_FIELD', message: `its user ${rec.userSourceId} was not moved${user ? ' (quarantined)' : ''}` });
    }
    if (!org) {
      return await ctx.fail('membership', id, { code: 'E_MEMBERSHIP_ORPHAN', message: `organization ${rec.orgSourceId} is not in the export` });
    }
    if (org.state === 'failed') {
      return await ctx.fail('membership', id, { code: org.errorCode ?? 'E_TARGET_CONFLICT', message: `its organization ${rec.orgSourceId} was not moved (quarantined)` });
    }
    // A user or organization left alone (skipped by the plan or by --on-conflict skip) keeps its memberships as they are.
    if (!user.targetId || !org.targetId || user.outcome === 'skipped' || org.outcome === 'skipped') {
      return await ctx.done('membership', id, { outcome: 'skipped' });
    }
    const roles = ((rec.payload as { roles?: string[] } | undefined)?.roles ?? []).slice();
    const orgPayload = org.payload as Organization | undefined;
    const userRef = { id: user.targetId, externalId: user.sourceId };
    const orgRef = { id: org.targetId, externalId: org.sourceId, name: orgPayload?.name ?? org.sourceId };
    // The ledger knows whether anything was ever sent for this membership: on a first attempt a
    // target may skip the read before its create. A retry after a failed send is not a first attempt.
    let nothingSent = rec.state === 'planned' && rec.attempts === 0;
    const result = await ctx.requester.call(
      () => {
        const hint = { nothingSent };
        nothingSent = false;
        return ctx.target.ensureMembership(userRef, orgRef, roles, hint);
      },
      () => ctx.markWriting('membership', id),
    );
    const outcome = result === 'created' ? 'created' : result === 'updated' ? 'updated' : rec.state === 'writing' || rec.attempts > 0 ? 'recovered' : 'linked';
    return await ctx.done('membership', id, { outcome });
  } catch (e) {
    if (e instanceof RecordFailure) return ctx.fail('membership', id, e.failure);
    throw e;
  }
}
