import type { CanonicalUser } from '../../model/user.js';
import type { TargetUserView } from '../../protocol/target.js';
import type { Reconciliation } from './findings.js';

/** Links step: each social or enterprise link of the source user is on the account (targets that hold links). */
export function reconcileLinks(r: Reconciliation, user: CanonicalUser, view: TargetUserView): void {
  if (!r.target.capabilities.socialLinks) return;
  for (const i of user.identities) {
    if (!view.identities.some((x) => x.provider === i.provider && x.providerUserId === i.providerUserId)) {
      r.findings.missingSocialLinks.add({ sourceId: user.sourceId, provider: i.provider, providerUserId: i.providerUserId });
    }
  }
}
