import { planOrganization } from '../plan.js';
import type { Reconciliation } from './findings.js';

/** Organizations step: every organization the plan creates is in the target. Returns how many were expected. */
export async function reconcileOrganizations(r: Reconciliation): Promise<number> {
  let expected = 0;
  for (const org of r.organizations.values()) {
    if (planOrganization(org, r.target.capabilities).action === 'skip') continue;
    expected++;
    if (!(await r.findOrganization(org.sourceId))) r.findings.missingOrganizations.add({ sourceId: org.sourceId, name: org.name });
  }
  return expected;
}
