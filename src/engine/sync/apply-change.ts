import { normalizeEmail } from '../../model/email.js';
import { primaryEmail, type CanonicalUser, type Organization } from '../../model/user.js';
import { FlaglessError, isFlaglessError } from '../../protocol/errors.js';
import type { InboundEvent, SourceChange, SourceRecords } from '../../protocol/sync.js';
import type { CreateUserOptions, Target, TargetOrgRef, TargetUserRef } from '../../protocol/target.js';
import type { SyncOrgState, SyncStore, SyncUserState } from '../../state/sync/store.js';
import { planMembership, planUser } from '../plan.js';
import { withoutPassword, withoutSecrets } from './snapshot.js';

/**
 * Applies one inbox event to the target, newest state wins:
 *  - a user's state older than (or as old as) the watermark is stale: the newer state is already
 *    there;
 *  - a partial event (a membership change) reads the user's current record from the source, and
 *    applies it when it is newer than the watermark (memberships always);
 *  - a deleted user is a tombstone: no later-arriving older event brings it back;
 *  - a password changed at the source puts the user's gateway flag back to legacy: said by an
 *    event of its own (Auth0's log stream), or by a user state whose password timestamp (Clerk
 *    `password_last_updated_at`) is newer than the one known, when the target got the password
 *    before that change (see passwordNowStale);
 *  - organizations likewise: created or brought in line (renamed) by their state's `updated_at`,
 *    deleted with their memberships, a deleted one a tombstone.
 * Users are created without a password (they move at their next login through the gateway),
 * updated without touching the password the target holds, and found before any create (the
 * source id is the target's external id), so applying an event twice never makes two accounts.
 */
export type OnDelete = 'delete' | 'disable';

export interface ApplyDeps {
  vendor: string;
  target: Target;
  store: SyncStore;
  decode(event: InboundEvent): SourceChange;
  records?: SourceRecords;
  onDelete: OnDelete;
  /** Read the source again for a complete state older than the watermark (default: no, it is stale). */
  refetchStale?: boolean;
}

export interface ApplyResult {
  state: 'applied' | 'stale' | 'ignored';
  outOfOrder?: boolean;
  user?: { sourceId: string; state: SyncUserState };
  organization?: { sourceId: string; state: SyncOrgState };
  /** What was done, for logs (no personal data beyond ids). */
  note: string;
}

const WRITE: CreateUserOptions = { includePasswordHash: false, missingPassword: 'jit' };

const PASSWORD_CHANGED = 'password changed at the legacy provider: the next login verifies there and moves the new password';

/** The gateway's identifiers for a user: its addresses and username, folded as the gateway folds them. */
export function identifiersOf(user: CanonicalUser): string[] {
  const out = user.emails.map((e) => normalizeEmail(e.address.trim().normalize('NFC').toLowerCase()));
  if (user.username) out.push(user.username.trim().normalize('NFC').toLowerCase());
  return out;
}

export async function applyEvent(deps: ApplyDeps, event: InboundEvent): Promise<ApplyResult> {
  const change = deps.decode(event);
  switch (change.kind) {
    case 'ignored':
      return { state: 'ignored', note: change.reason };
    case 'organization':
      return applyOrganization(deps, change.organization, change.updatedAtMs);
    case 'organization-deleted':
      return deleteOrganization(deps, change.organizationId, change.atMs);
    case 'user-deleted':
      return deleteUser(deps, change.userId, change.atMs);
    case 'password-changed':
      return passwordChanged(deps, change.userId);
    case 'user':
    case 'user-touched':
      return upsert(deps, change);
  }
}

/**
 * An organization's state: created when missing, else brought in line (a rename, new metadata)
 * where the target can update organizations. Newest state wins, as for users: a state as old as
 * the one applied, or any state of an organization deleted at the source, is stale.
 */
async function applyOrganization(deps: ApplyDeps, org: Organization, updatedAtMs: number | undefined): Promise<ApplyResult> {
  const t = deps.target;
  if (!t.capabilities.organizations) return { state: 'ignored', note: 'the target holds no organizations' };
  const state = await deps.store.orgState(deps.vendor, org.sourceId);
  if (state?.status === 'deleted') return { state: 'stale', outOfOrder: true, note: `organization ${org.sourceId} was deleted at the source; an older event is not applied` };
  if (updatedAtMs !== undefined && state?.watermarkMs !== undefined && updatedAtMs <= state.watermarkMs) {
    return { state: 'stale', outOfOrder: true, note: `organization ${org.sourceId}: an older state than the one applied` };
  }
  let ref = await t.findOrganization({ externalId: org.sourceId, name: org.name });
  let note: string;
  if (!ref) {
    ref = await createOrganization(t, org);
    note = `organization ${org.sourceId} created`;
  } else if (t.updateOrganization) {
    try {
      ref = await t.updateOrganization(ref, org);
    } catch (e) {
      // Gone from the target since it was found (deleted there by hand): made again.
      if (!(isFlaglessError(e) && e.errorClass === 'skippable') || (await t.findOrganization({ externalId: org.sourceId, name: org.name }))) throw e;
      ref = await createOrganization(t, org);
    }
    note = `organization ${org.sourceId} brought in line with the source`;
    if (t.capabilities.keepsRemovedOrganizationMetadata) {
      note += `; ${t.capabilities.displayName} keeps metadata keys removed at the source (an update cannot remove a key there): only added and changed keys are applied`;
    }
  } else {
    return { state: 'ignored', note: `organization ${org.sourceId} is at the target; ${t.capabilities.displayName} cannot update organizations through flagless, so a rename or new metadata is not applied` };
  }
  const watermarkMs = Math.max(updatedAtMs ?? 0, state?.watermarkMs ?? 0) || undefined;
  return { state: 'applied', organization: { sourceId: org.sourceId, state: { status: 'present', ...(watermarkMs ? { watermarkMs } : {}), targetId: ref.id } }, note };
}

/**
 * An organization deleted at the source: deleted at the target with its memberships (the users
 * stay), and remembered as deleted so a late older event does not bring it back. A target that
 * cannot delete organizations keeps it: the event is ignored with a note saying so (its
 * memberships are removed by their own events).
 */
async function deleteOrganization(deps: ApplyDeps, sourceId: string, atMs: number): Promise<ApplyResult> {
  const t = deps.target;
  if (!t.capabilities.organizations) return { state: 'ignored', note: 'the target holds no organizations' };
  const state = await deps.store.orgState(deps.vendor, sourceId);
  if (state?.status === 'deleted') return { state: 'stale', note: `organization ${sourceId} was already deleted` };
  if (!t.deleteOrganization) {
    return {
      state: 'ignored',
      note: `organization ${sourceId} deleted at the source: ${t.capabilities.displayName} cannot delete organizations through flagless, so it stays at the target (its memberships are removed by their own events)`,
    };
  }
  // Not found by the target's own lookup (Kratos finds an organization by its marker tuple, which
  // organizations moved before the marker existed lack): the id sync or a migrate run recorded still
  // names it, and the target's delete is idempotent ('absent' when nothing was there).
  const found = await t.findOrganization({ externalId: sourceId, name: '' });
  const knownId = found ? undefined : (state?.targetId ?? (await deps.store.ledgerTargetId(sourceId, 'organization')));
  const ref = found ?? (knownId ? { id: knownId, externalId: sourceId, name: '' } : undefined);
  const outcome = ref ? await t.deleteOrganization(ref) : 'absent';
  await deps.store.settleDeletedOrganizationInLedger(sourceId, 'deleted at the source (sync)');
  const watermarkMs = Math.max(atMs, state?.watermarkMs ?? 0);
  return {
    state: 'applied',
    organization: { sourceId, state: { status: 'deleted', watermarkMs, ...(ref ? { targetId: ref.id } : {}) } },
    note: `organization ${sourceId} ${outcome === 'deleted' ? 'deleted at the target with its memberships' : 'was not at the target'}`,
  };
}

async function createOrganization(target: Target, org: Organization): Promise<TargetOrgRef> {
  try {
    return await target.createOrganization(org);
  } catch (e) {
    // Created meanwhile (an earlier attempt whose reply was lost): the target's uniqueness tells, the lookup finds it.
    const again = await target.findOrganization({ externalId: org.sourceId, name: org.name });
    if (again) return again;
    throw e;
  }
}

async function knownRef(deps: ApplyDeps, sourceId: string, state: SyncUserState | undefined, email?: string): Promise<TargetUserRef | undefined> {
  const known = state?.targetId ?? (await deps.store.ledgerTargetId(sourceId));
  if (known) return { id: known, externalId: sourceId, ...(email ? { email } : {}) };
  const found = await deps.target.findUser({ externalId: sourceId, ...(email ? { email } : {}) });
  if (!found) return undefined;
  if (found.externalId !== undefined && found.externalId !== sourceId) {
    throw new FlaglessError(
      'E_TARGET_CONFLICT',
      `the target already has an account with the address of source user ${sourceId} that was not created from it (a signup during the transition); it is not linked automatically`,
      { errorClass: 'skippable' },
    );
  }
  return found;
}

async function deleteUser(deps: ApplyDeps, sourceId: string, atMs: number): Promise<ApplyResult> {
  const state = await deps.store.userState(deps.vendor, sourceId);
  if (state?.status === 'deleted' || state?.status === 'disabled') return { state: 'stale', note: `user ${sourceId} was already deleted` };
  const t = deps.target;
  const ref = await knownRef(deps, sourceId, state);
  let note = `user ${sourceId} was never at the target`;
  if (ref) {
    if (deps.onDelete === 'disable') {
      if (!t.setUserDisabled) throw new FlaglessError('E_USAGE', `${t.capabilities.displayName} cannot disable users: use --on-delete delete`);
      await t.setUserDisabled(ref, true);
      note = `user ${sourceId} disabled at the target`;
    } else {
      if (!t.deleteUser) throw new FlaglessError('E_USAGE', `${t.capabilities.displayName} cannot delete users through flagless`);
      note = `user ${sourceId} ${(await t.deleteUser(ref)) === 'deleted' ? 'deleted at the target' : 'already gone from the target'}`;
    }
  }
  await deps.store.settleDeletedInLedger(sourceId, 'deleted at the source (sync)');
  const status = deps.onDelete === 'disable' && ref ? 'disabled' : 'deleted';
  return {
    state: 'applied',
    user: { sourceId, state: { status, watermarkMs: Math.max(atMs, state?.watermarkMs ?? 0), ...(ref ? { targetId: ref.id } : {}) } },
    note,
  };
}

async function passwordChanged(deps: ApplyDeps, sourceId: string): Promise<ApplyResult> {
  const state = await deps.store.userState(deps.vendor, sourceId);
  if (state?.status === 'deleted') return { state: 'stale', outOfOrder: true, note: `user ${sourceId} is deleted` };
  const current = deps.records ? await deps.records.user(sourceId) : undefined;
  const identifiers = current ? identifiersOf(current.user) : [];
  await deps.store.flagLegacy(sourceId, identifiers, PASSWORD_CHANGED);
  return { state: 'applied', note: `user ${sourceId}: gateway flag back to legacy (password changed at the source)` };
}

async function upsert(deps: ApplyDeps, change: Extract<SourceChange, { kind: 'user' | 'user-touched' }>): Promise<ApplyResult> {
  const sourceId = change.kind === 'user' ? change.user.sourceId : change.userId;
  const state = await deps.store.userState(deps.vendor, sourceId);
  if (state?.status === 'deleted' || state?.status === 'disabled') return { state: 'stale', outOfOrder: true, note: `user ${sourceId} was deleted at the source; an older event is not applied` };

  const newer = change.kind === 'user' && (state?.watermarkMs === undefined || change.updatedAtMs === undefined || change.updatedAtMs > state.watermarkMs);
  let user: CanonicalUser;
  let updatedAtMs: number | undefined;
  let membershipsKnown: boolean;
  let outOfOrder = false;
  if (newer && change.kind === 'user') {
    ({ user, updatedAtMs, membershipsKnown } = change);
  } else {
    outOfOrder = change.kind === 'user';
    // A complete state older than the watermark is stale: the newer complete state the watermark
    // records is at the target already (partial events are always completed from the source's API
    // before they set a watermark). Reading the source again for it would spend the source's rate
    // budget (Clerk: 100 requests per 10 s on development instances) for nothing; `refetchStale`
    // does it anyway, to catch up at once on a later change whose own event was lost.
    if (change.kind === 'user' && !deps.refetchStale) return { state: 'stale', outOfOrder, note: `user ${sourceId}: an older state than the one applied` };
    if (!deps.records) {
      return change.kind === 'user'
        ? { state: 'stale', outOfOrder, note: `user ${sourceId}: an older state than the one applied` }
        : { state: 'ignored', note: `user ${sourceId}: the event is partial and the source's API is not configured for sync` };
    }
    const current = await deps.records.user(sourceId);
    if (!current) {
      // Gone at the source since: the deletion's own event may still come, or never.
      return deleteUser(deps, sourceId, Date.now());
    }
    if (change.kind === 'user' && current.updatedAtMs !== undefined && state?.watermarkMs !== undefined && current.updatedAtMs <= state.watermarkMs) {
      return { state: 'stale', outOfOrder, note: `user ${sourceId}: the target holds the source's current state` };
    }
    ({ user, updatedAtMs } = current);
    membershipsKnown = true;
  }
  const targetId = await writeUser(deps, user, state, membershipsKnown);
  const identifiers = identifiersOf(user);
  await deps.store.remember(sourceId, identifiers);
  let note = `user ${sourceId} written to the target`;
  const passwordChangedAtMs = passwordTimestamp(user);
  if (passwordChangedAtMs !== undefined && (await passwordNowStale(deps, sourceId, passwordChangedAtMs, state))) {
    await deps.store.flagLegacy(sourceId, identifiers, PASSWORD_CHANGED);
    note += '; gateway flag back to legacy (password changed at the source after the target got it)';
  }
  const watermarkMs = Math.max(updatedAtMs ?? 0, state?.watermarkMs ?? 0) || undefined;
  return {
    state: 'applied',
    outOfOrder,
    user: {
      sourceId,
      state: {
        status: 'present',
        ...(watermarkMs ? { watermarkMs } : {}),
        targetId,
        snapshot: JSON.stringify(withoutSecrets(user)),
        ...(passwordChangedAtMs !== undefined ? { passwordChangedAtMs } : {}),
      },
    },
    note,
  };
}

/** The source's password timestamp of a user state (epoch ms), when it gives one. */
function passwordTimestamp(user: CanonicalUser): number | undefined {
  if (!user.passwordChangedAt) return undefined;
  const ms = Date.parse(user.passwordChangedAt);
  return Number.isFinite(ms) ? ms : undefined;
}

/**
 * Whether a user state's password timestamp means the target's copy of the password is stale:
 * newer than the one sync knows (the same one again, a retried or repeated state, changes
 * nothing), and newer than when the target got the password (a gateway move at a login, a
 * `migrate` with a usable hash). A target that never got a password from flagless holds none
 * that could be stale; one moved after the change holds the new one. The state reaching here is
 * newer than the watermark (stale states return before), so an older event never flags.
 */
async function passwordNowStale(deps: ApplyDeps, sourceId: string, changedAtMs: number, state: SyncUserState | undefined): Promise<boolean> {
  if (state?.passwordChangedAtMs !== undefined && changedAtMs <= state.passwordChangedAtMs) return false;
  const since = await deps.store.passwordAtTargetSinceMs(sourceId);
  return since !== undefined && changedAtMs > since;
}

async function writeUser(deps: ApplyDeps, source: CanonicalUser, state: SyncUserState | undefined, membershipsKnown: boolean): Promise<string> {
  const t = deps.target;
  const caps = t.capabilities;
  const plan = planUser(source, caps, { missingPassword: 'jit' });
  if (plan.action === 'skip') throw new FlaglessError('E_TARGET_VALIDATION', `user ${source.sourceId} cannot be held by the target: ${plan.skipReason}`, { errorClass: 'skippable' });
  // Webhooks carry no hash: the user is written without one, and an update keeps the password the target has.
  const written = withoutPassword(plan.user);
  const email = primaryEmail(written)?.address;
  let ref = await knownRef(deps, source.sourceId, state, email);
  if (ref) {
    try {
      ref = await t.updateUser(ref, written, WRITE);
    } catch (e) {
      // The id we knew is gone (deleted at the target by hand): find or create it again.
      if (!(isFlaglessError(e) && e.code === 'E_TARGET_CONFLICT' && state?.targetId)) throw e;
      const found = await t.findUser({ externalId: source.sourceId, ...(email ? { email } : {}) });
      ref = found ? await t.updateUser(found, written, WRITE) : await t.createUser(written, WRITE);
    }
  } else {
    try {
      ref = await t.createUser(written, WRITE);
    } catch (e) {
      if (!(isFlaglessError(e) && e.code === 'E_TARGET_CONFLICT')) throw e;
      const found = await t.findUser({ externalId: source.sourceId, ...(email ? { email } : {}) });
      if (!found || (found.externalId !== undefined && found.externalId !== source.sourceId)) throw e;
      ref = await t.updateUser(found, written, WRITE);
    }
  }
  if (membershipsKnown && caps.organizations) await syncMemberships(deps, ref, written);
  return ref.id;
}

/** The target's memberships of the user made equal to the source's: added, roles updated, removed. */
async function syncMemberships(deps: ApplyDeps, ref: TargetUserRef, user: CanonicalUser): Promise<void> {
  const t = deps.target;
  const wanted = new Set<string>();
  for (const m of user.memberships) {
    wanted.add(m.organizationId);
    let org = await t.findOrganization({ externalId: m.organizationId, name: '' });
    if (!org) {
      // Deleted at the source (its deletion applied already): not made again for a listing taken before.
      if ((await deps.store.orgState(deps.vendor, m.organizationId))?.status === 'deleted') continue;
      const source = await deps.records?.organization(m.organizationId);
      if (!source) continue; // deleted at the source meanwhile
      org = await createOrganization(t, source);
    }
    await t.ensureMembership(ref, org, planMembership(m, t.capabilities).roles);
  }
  if (!t.removeMembership) return;
  const view = await t.getUser(ref);
  for (const m of view?.memberships ?? []) {
    const external = m.organizationExternalId;
    if (external !== undefined && !wanted.has(external)) await t.removeMembership(ref, { id: m.organizationId, externalId: external, name: '' });
  }
}
