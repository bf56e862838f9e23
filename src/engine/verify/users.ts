import { normalizeEmail } from '../../model/email.js';
import { primaryEmail, type CanonicalUser } from '../../model/user.js';
import type { Target, TargetUserView } from '../../protocol/target.js';
import type { UserPlan } from '../plan.js';
import type { Reconciliation, TargetIndex } from './findings.js';

/** Step 0: the target's users, listed once and indexed in memory. */
export async function indexTargetUsers(target: Target): Promise<TargetIndex> {
  const index: TargetIndex = { byExternalId: new Map(), byEmail: new Map(), count: 0 };
  for await (const v of target.listUsers()) {
    index.count++;
    if (v.externalId) index.byExternalId.set(v.externalId, [...(index.byExternalId.get(v.externalId) ?? []), v]);
    if (v.email) index.byEmail.set(normalizeEmail(v.email), v);
  }
  return index;
}

/**
 * Users step: finds the target account of a source user the plan moves (by external id, else by
 * an email no other record claims), records duplicates and a missing account, and compares the
 * identity fields and metadata with what the plan says would be written. Returns the account.
 */
export function reconcileUser(r: Reconciliation, user: CanonicalUser, plan: UserPlan): TargetUserView | undefined {
  const { index, findings } = r;
  const email = primaryEmail(user);
  const candidates = index.byExternalId.get(user.sourceId) ?? [];
  if (candidates.length > 1) findings.duplicates.add({ externalId: user.sourceId, targetIds: candidates.map((c) => c.id) });
  const byMail = email ? index.byEmail.get(email.normalized || normalizeEmail(email.address)) : undefined;
  // An account found by email that carries another record's external id is that record's, not this one's.
  const view = candidates[0] ?? (byMail && (byMail.externalId === undefined || byMail.externalId === user.sourceId) ? byMail : undefined);
  if (!view) {
    findings.missing.add({
      sourceId: user.sourceId,
      ...(email ? { email: email.address } : {}),
      ...(byMail?.externalId ? { reason: `the email belongs to the target account of ${byMail.externalId}` } : {}),
    });
    return undefined;
  }
  r.matched.add(view.id);
  for (const c of candidates) r.matched.add(c.id);
  compareFields(r, user, plan, view);
  compareMetadata(r, user, plan, view);
  return view;
}

function compareFields(r: Reconciliation, user: CanonicalUser, plan: UserPlan, view: TargetUserView): void {
  const mismatch = (field: string, expected?: unknown, actual?: unknown) => r.findings.mismatches.add({ sourceId: user.sourceId, targetId: view.id, field, expected, actual });
  // A field the plan says the target cannot hold as it is (the target's own lossy notes) is not a mismatch.
  const lossyField = (field: string) => plan.lossy.some((n) => n.field === field);
  const email = primaryEmail(user);
  if (email && (!view.email || normalizeEmail(view.email) !== normalizeEmail(email.address))) mismatch('email', email.address, view.email);
  if (email && view.emailVerified !== undefined && view.emailVerified !== email.verified) mismatch('emailVerified', email.verified, view.emailVerified);
  if (view.firstName === undefined && view.lastName === undefined && view.displayName !== undefined) {
    // A target with one name field: compare with the name the user would have there.
    const want = user.displayName?.trim() || [user.firstName?.trim(), user.lastName?.trim()].filter((x) => x).join(' ');
    if (want && view.displayName !== want) mismatch('displayName', want, view.displayName);
  } else {
    if (user.firstName && !lossyField('firstName') && view.firstName !== user.firstName) mismatch('firstName', user.firstName, view.firstName);
    if (user.lastName && !lossyField('lastName') && view.lastName !== user.lastName) mismatch('lastName', user.lastName, view.lastName);
  }
  if (view.externalId !== undefined && view.externalId !== user.sourceId) mismatch('externalId', user.sourceId, view.externalId);
  // A user the plan gives a password (its hash) that holds no credential at all cannot sign in.
  if (plan.password === 'import' && view.hasPassword === false) mismatch('password', 'a password credential', 'none');
  // Usernames compare case-insensitively (Keycloak, for one, stores them lower-cased).
  if (plan.user.username && !lossyField('username') && view.username !== undefined && view.username.toLowerCase() !== plan.user.username.toLowerCase()) {
    mismatch('username', plan.user.username, view.username);
  }
}

/** Targets with string-only metadata store other values (and non-ASCII text) as JSON text. */
function sameValue(stored: unknown, expected: unknown): boolean {
  if (stored === expected) return true;
  if (JSON.stringify(stored) === JSON.stringify(expected)) return true;
  if (typeof stored === 'string') {
    try {
      return JSON.stringify(JSON.parse(stored)) === JSON.stringify(expected);
    } catch {
      return false;
    }
  }
  return false;
}

function compareMetadata(r: Reconciliation, user: CanonicalUser, plan: UserPlan, view: TargetUserView): void {
  const caps = r.target.capabilities;
  if (caps.metadata === 'none') return;
  const want = plan.user.metadata;
  const got = view.metadata ?? {};
  const split = caps.metadata === 'public-private' && typeof got.public === 'object' && typeof got.private === 'object';
  const bags: [string, Record<string, unknown>, Record<string, unknown>][] = split
    ? [
        ['public', want.public, got.public as Record<string, unknown>],
        ['private', want.private, got.private as Record<string, unknown>],
      ]
    : [['', { ...want.public, ...want.private }, got]];
  // Keys the target said it cannot hold (its lossy notes) may be absent; a different value is still a mismatch.
  const mayLack = plan.lossy.some((n) => n.field.startsWith('metadata'));
  for (const [bag, w, g] of bags) {
    for (const [k, v] of Object.entries(w)) {
      // Metadata values are not printed: they may be private.
      if (k in g ? !sameValue(g[k], v) : !mayLack) r.findings.mismatches.add({ sourceId: user.sourceId, targetId: view.id, field: `metadata.${bag ? `${bag}.` : ''}${k}` });
    }
  }
}

/** Last step: target users no source user matched (reported, not failed: signups happen). */
export async function listExtraUsers(r: Reconciliation): Promise<void> {
  if (r.matched.size >= r.index.count) return;
  for await (const v of r.target.listUsers()) {
    if (!r.matched.has(v.id)) r.findings.extra.add({ targetId: v.id, ...(v.email ? { email: v.email } : {}), ...(v.externalId ? { externalId: v.externalId } : {}) });
  }
}
