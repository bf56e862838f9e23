import type { Organization } from '../model/user.js';
import type { TargetOrgRef } from '../protocol/target.js';
import { createOnce } from './create-once.js';
import { RecordFailure } from './request.js';
import type { RunContext } from './run-context.js';
import type { LedgerRecord } from '../state/ledger/types.js';

/**
 * Moves one claimed organization (its fields come from the ledger payload written at planning).
 * Organizations are few and their names are not unique keys, so each is looked up before it is
 * created: one made by hand in the target during the transition is linked per --on-conflict
 * rather than duplicated. The Target interface has no organization update, so `link` adopts it.
 */
export async function applyOrganization(ctx: RunContext, rec: LedgerRecord): Promise<void> {
  const org = rec.payload as Organization;
  const t = ctx.target;
  try {
    await createOnce<TargetOrgRef>(ctx, {
      kind: 'organization',
      sourceId: rec.sourceId,
      wasWriting: rec.state === 'writing' || rec.attempts > 0,
      lookUpFirst: true,
      find: () => t.findOrganization({ externalId: rec.sourceId, name: org.name }),
      create: () => t.createOrganization(org),
      link: async () => undefined,
      onDuplicate: { code: 'E_TARGET_CONFLICT', create: true },
      describe: (found) => `the organization "${found.name}" (${found.id})`,
    });
  } catch (e) {
    if (e instanceof RecordFailure) return ctx.fail('organization', rec.sourceId, e.failure);
    throw e;
  }
}
