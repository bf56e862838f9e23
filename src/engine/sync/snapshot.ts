import type { CanonicalUser } from '../../model/user.js';

/**
 * The source's state of a user as sync last applied it, kept with its watermark (no secret: no
 * hash, no TOTP secret), so that a later `migrate` of an older export does not write older
 * profile data over it: the export still brings what only it has (the password hash, TOTP
 * secrets), the snapshot brings the rest.
 */
export function withoutSecrets(user: CanonicalUser): CanonicalUser {
  return withoutPassword({ ...user, mfa: user.mfa.map((f) => ({ kind: f.kind, ...(f.phoneNumber ? { phoneNumber: f.phoneNumber } : {}) })) });
}

/**
 * The user `migrate` writes: the export's when it is as new as what sync applied, else the
 * snapshot's profile with the export's secrets — but not the export's password hash when sync saw
 * the password change after the export's copy was taken (the source's password timestamp newer than
 * the export's own, or than the export's `updated_at` where it has none): that hash is an older
 * password, and the user moves at the next login through the gateway instead (`jit`).
 */
export function overlaySynced(exported: CanonicalUser, synced: { snapshot: CanonicalUser; watermarkMs?: number } | undefined): CanonicalUser {
  if (!synced) return exported;
  const exportedAt = exported.updatedAt ? Date.parse(exported.updatedAt) : NaN;
  const stalePassword = passwordOlderThan(exported, synced.snapshot);
  if (Number.isFinite(exportedAt) && synced.watermarkMs !== undefined && exportedAt >= synced.watermarkMs) return stalePassword ? withoutPassword(exported) : exported;
  const s = synced.snapshot;
  return {
    ...s,
    sourceId: exported.sourceId,
    ...(exported.password && !stalePassword ? { password: exported.password } : {}),
    passwordPlan: stalePassword && exported.passwordPlan === 'import' ? 'jit' : exported.passwordPlan,
    // The export's factors carry the secrets; the snapshot knows none.
    mfa: exported.mfa,
    // Memberships are the ledger's own records, planned from the export.
    memberships: exported.memberships,
    lossy: exported.lossy,
  };
}

/** The export's password predates the change sync saw (unknown export time counts as older). */
function passwordOlderThan(exported: CanonicalUser, snapshot: CanonicalUser): boolean {
  if (!exported.password || !snapshot.passwordChangedAt) return false;
  const changed = Date.parse(snapshot.passwordChangedAt);
  if (!Number.isFinite(changed)) return false;
  const copyAt = Date.parse(exported.passwordChangedAt ?? exported.updatedAt ?? '');
  return !Number.isFinite(copyAt) || changed > copyAt;
}

/** The user without a password hash: one that had a hash to import moves at its next login instead (`jit`). */
export function withoutPassword(user: CanonicalUser): CanonicalUser {
  const copy: CanonicalUser = { ...user };
  delete copy.password;
  if (copy.passwordPlan === 'import') copy.passwordPlan = 'jit';
  return copy;
}
