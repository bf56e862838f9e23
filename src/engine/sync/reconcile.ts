import type { CanonicalUser, Organization } from '../../model/user.js';
import type { InboundEvent, SourceChange } from '../../protocol/sync.js';
import type { SourceItem } from '../../protocol/source.js';
import type { Target } from '../../protocol/target.js';
import type { SyncStore } from '../../state/sync/store.js';
import { withoutSecrets } from './snapshot.js';

/**
 * `sync reconcile`: lists the source through its API and puts what differs from what sync last
 * applied into the same inbox the webhooks fill, so one worker applies both, in order per user,
 * exactly once. A user whose source `updated_at` is newer than its watermark (or that sync never
 * applied) becomes a user event; a user sync or `migrate` put in the target that the complete
 * listing no longer has becomes a deletion. A listing that fails part-way deletes nothing.
 * Organizations go the same way (subject `org:<id>`): one missing at the target, or named
 * differently there, becomes an organization event (created or renamed) whose state is ordered by
 * the time reconcile saw it (the listings carry no organization updated_at), so a webhook older
 * than that arriving later is stale and cannot undo the rename; one the target holds
 * that the listing no longer has is reported, and deleted only with `deleteMissingOrganizations`.
 *
 * The event body is the canonical user without any secret (no hash, no TOTP secret: webhooks
 * carry none either, and a hash stays in the export), under a key no vendor sends.
 */
export const RECONCILE_KEY = 'flagless_reconcile';

interface ReconcileBody {
  [RECONCILE_KEY]: { user?: CanonicalUser; updatedAtMs?: number; deleted?: string; organization?: Organization; observedAtMs?: number; deletedOrganization?: string };
}

/** Organization ids listed in a summary at most (the count is always whole). */
const MISSING_LISTED = 100;


/** Decodes a reconcile event; undefined for a vendor's own event. */
export function decodeReconcile(event: InboundEvent): SourceChange | undefined {
  // The inbox keys events `<vendor>:<id>`; reconcile's ids start `reconcile:`, which no vendor's do.
  if (!/^([a-z0-9-]+:)?reconcile:/.test(event.id)) return undefined;
  const body = JSON.parse(event.body) as Partial<ReconcileBody>;
  const r = body[RECONCILE_KEY];
  if (!r) return undefined;
  if (r.deleted) return { kind: 'user-deleted', userId: r.deleted, atMs: event.occurredAtMs };
  if (r.deletedOrganization) return { kind: 'organization-deleted', organizationId: r.deletedOrganization, atMs: event.occurredAtMs };
  // The listing carries no organization updated_at: the time reconcile saw this state orders it
  // (events older than that are stale once it is applied). Events from before that field: unordered.
  if (r.organization) return { kind: 'organization', organization: r.organization, ...(r.observedAtMs !== undefined ? { updatedAtMs: r.observedAtMs } : {}) };
  if (!r.user) return { kind: 'ignored', reason: 'an empty reconcile event' };
  return { kind: 'user', user: r.user, ...(r.updatedAtMs !== undefined ? { updatedAtMs: r.updatedAtMs } : {}), membershipsKnown: true };
}

export interface ReconcileSummary {
  listed: number;
  unchanged: number;
  /** User states put in the inbox (new or changed since sync last applied them). */
  changed: number;
  /** Users in the target that the source no longer has: deletions put in the inbox. */
  deleted: number;
  /**
   * Deletions not made because the listing had unreadable records (problems of severity error): a record that did
   * not parse is not a record the source no longer has. Users and organizations alike.
   */
  deletionsWithheld: number;
  /** Organizations listed. */
  organizations: number;
  /** Organizations missing at the target or named differently there: put in the inbox (created or renamed). */
  organizationsChanged: number;
  /**
   * Organizations sync or `migrate` put in the target that the complete listing no longer has.
   * Reported, not deleted, unless `deleteMissingOrganizations` (then put in the inbox as deletions).
   */
  organizationsMissing: number;
  /** Their source ids (the first 100). */
  missingOrganizationIds: string[];
  /** Deletions of missing organizations put in the inbox (only with `deleteMissingOrganizations`). */
  organizationsDeleted: number;
  problems: number;
}

export interface ReconcileOptions {
  vendor: string;
  items: AsyncIterable<SourceItem>;
  store: SyncStore;
  target: Target;
  /** Source ids of users `migrate` moved (the ledger), so a user gone from the source is deleted even if sync never saw it. */
  movedUsers?: AsyncIterable<string>;
  nowMs?: number;
  /** Source ids of organizations `migrate` moved (the ledger), so one gone from the source is found missing even if sync never saw it. */
  movedOrganizations?: AsyncIterable<string>;
  /** Delete at the target the organizations the complete listing no longer has (default: report them only). */
  deleteMissingOrganizations?: boolean;
  /** Events per inbox transaction (default 200). */
  chunk?: number;
}

export async function reconcileSource(o: ReconcileOptions): Promise<ReconcileSummary> {
  const stamp = o.nowMs ?? Date.now();
  const chunk = o.chunk ?? 200;
  /** Records of the listing that could not be read (problems of severity error). */
  let unreadable = 0;
  const summary: ReconcileSummary = { listed: 0, unchanged: 0, changed: 0, deleted: 0, deletionsWithheld: 0, organizations: 0, organizationsChanged: 0, organizationsMissing: 0, missingOrganizationIds: [], organizationsDeleted: 0, problems: 0 };
  const seen = new Set<string>();
  const seenOrgs = new Set<string>();
  let pending: InboundEvent[] = [];
  const flush = async () => {
    if (pending.length > 0) await o.store.enqueue(o.vendor, pending, Date.now());
    pending = [];
  };
  for await (const item of o.items) {
    if (item.type === 'problem') {
      summary.problems++;
      if (item.problem.severity === 'error') unreadable++;
      continue;
    }
    if (item.type === 'organization') {
      const org = item.organization;
      summary.organizations++;
      seenOrgs.add(org.sourceId);
      // When the source said this, at the earliest: the time before the listing was read (its pages
      // are fetched as this loop runs). Earlier than the truth, never later, so a rename made while
      // the listing was read is not taken for older than this state (its webhook applies it again).
      const observedAtMs = stamp;
      if (await organizationDiffers(o, org)) {
        const body: ReconcileBody = { [RECONCILE_KEY]: { organization: org, observedAtMs } };
        pending.push({ id: `reconcile:${stamp}:org:${org.sourceId}`, type: 'reconcile.organization', subject: `org:${org.sourceId}`, occurredAtMs: stamp, body: JSON.stringify(body) });
        summary.organizationsChanged++;
        if (pending.length >= chunk) await flush();
      }
      continue;
    }
    const user = item.user;
    summary.listed++;
    seen.add(user.sourceId);
    const updatedAtMs = user.updatedAt ? Date.parse(user.updatedAt) : undefined;
    const state = await o.store.userState(o.vendor, user.sourceId);
    if (state?.status === 'present' && updatedAtMs !== undefined && state.watermarkMs !== undefined && updatedAtMs <= state.watermarkMs) {
      summary.unchanged++;
      continue;
    }
    const body: ReconcileBody = { [RECONCILE_KEY]: { user: withoutSecrets(user), ...(updatedAtMs !== undefined ? { updatedAtMs } : {}) } };
    pending.push({ id: `reconcile:${stamp}:${user.sourceId}`, type: 'reconcile.user', subject: user.sourceId, occurredAtMs: updatedAtMs ?? stamp, body: JSON.stringify(body) });
    summary.changed++;
    if (pending.length >= chunk) await flush();
  }
  // Only a complete listing may say a user is gone.
  const gone = new Set<string>();
  for await (const row of o.store.idMap(o.vendor)) if (row.status === 'present' && !seen.has(row.sourceId)) gone.add(row.sourceId);
  if (o.movedUsers) {
    for await (const id of o.movedUsers) {
      if (seen.has(id) || gone.has(id)) continue;
      const state = await o.store.userState(o.vendor, id);
      if (state?.status !== 'deleted' && state?.status !== 'disabled') gone.add(id);
    }
  }
  // A listing with unreadable records is not complete: nobody is deleted on its word.
  if (unreadable > 0) {
    summary.deletionsWithheld += gone.size;
    gone.clear();
  }
  for (const id of gone) {
    pending.push({ id: `reconcile:${stamp}:${id}:deleted`, type: 'reconcile.deleted', subject: id, occurredAtMs: stamp, body: JSON.stringify({ [RECONCILE_KEY]: { deleted: id } }) });
    summary.deleted++;
    if (pending.length >= chunk) await flush();
  }
  // Organizations: only a listing that holds organizations may say one is gone (an export without
  // them, a users-only file, says nothing about them).
  if (summary.organizations > 0 && o.target.capabilities.organizations) {
    const missing = new Set<string>();
    for await (const row of o.store.orgIdMap(o.vendor)) if (row.status === 'present' && !seenOrgs.has(row.sourceId)) missing.add(row.sourceId);
    if (o.movedOrganizations) {
      for await (const id of o.movedOrganizations) {
        if (seenOrgs.has(id) || missing.has(id)) continue;
        if ((await o.store.orgState(o.vendor, id))?.status !== 'deleted') missing.add(id);
      }
    }
    summary.organizationsMissing = missing.size;
    summary.missingOrganizationIds = [...missing].slice(0, MISSING_LISTED);
    if (o.deleteMissingOrganizations && unreadable > 0) summary.deletionsWithheld += missing.size;
    else if (o.deleteMissingOrganizations) {
      for (const id of missing) {
        pending.push({ id: `reconcile:${stamp}:org:${id}:deleted`, type: 'reconcile.organization-deleted', subject: `org:${id}`, occurredAtMs: stamp, body: JSON.stringify({ [RECONCILE_KEY]: { deletedOrganization: id } }) });
        summary.organizationsDeleted++;
        if (pending.length >= chunk) await flush();
      }
    }
  }
  await flush();
  return summary;
}

/**
 * Whether a listed organization needs applying: missing at the target, or held under a name the
 * target would not store for it (a rename whose webhook never arrived). One lookup, as before; the
 * apply itself compares the rest.
 */
async function organizationDiffers(o: ReconcileOptions, org: Organization): Promise<boolean> {
  if (!o.target.capabilities.organizations) return false;
  if ((await o.store.orgState(o.vendor, org.sourceId))?.status === 'deleted') return false;
  const found = await o.target.findOrganization({ externalId: org.sourceId, name: org.name });
  if (!found) return true;
  // Compared with the names the target would store (Keycloak: the source id appended after a clash).
  const names = o.target.organizationNames?.(org) ?? [org.name];
  return !names.includes(found.name) && o.target.updateOrganization !== undefined;
}
