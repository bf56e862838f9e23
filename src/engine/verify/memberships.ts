import type { CanonicalUser } from '../../model/user.js';
import type { TargetUserView } from '../../protocol/target.js';
import { planMembership } from '../plan.js';
import type { Reconciliation } from './findings.js';

/** Memberships step: each membership the plan moves is on the user's account, with its roles (by the target's role names). */
export async function reconcileMemberships(r: Reconciliation, user: CanonicalUser, view: TargetUserView): Promise<void> {
  const caps = r.target.capabilities;
  if (!caps.organizations) return;
  const roleName = (role: string) => r.target.roleName?.(role) ?? role;
  for (const m of user.memberships) {
    const mp = planMembership(m, caps);
    if (mp.action === 'skip') continue;
    let entry = view.memberships.find((x) => x.organizationExternalId === m.organizationId);
    if (!entry) {
      const ref = await r.findOrganization(m.organizationId);
      entry = ref ? view.memberships.find((x) => x.organizationId === ref.id) : undefined;
      if (!ref) {
        r.findings.missingMemberships.add({ sourceId: user.sourceId, organizationId: m.organizationId, reason: 'organization not in the target' });
        continue;
      }
    }
    if (!entry) {
      r.findings.missingMemberships.add({ sourceId: user.sourceId, organizationId: m.organizationId, reason: 'not a member' });
      continue;
    }
    const lacking = caps.roles ? mp.roles.map(roleName).filter((role) => !entry.roles.includes(role)) : [];
    if (lacking.length) r.findings.missingMemberships.add({ sourceId: user.sourceId, organizationId: m.organizationId, reason: `lacks role ${lacking.join(', ')}` });
  }
}
