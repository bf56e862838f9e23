import { setMaxListeners } from 'node:events';
import { looksLikeEmail, normalizeEmail } from '../model/email.js';
import { primaryEmail, type CanonicalUser, type Organization } from '../model/user.js';
import type { Source } from '../protocol/source.js';
import type { Target, TargetOrgRef, TargetUserView } from '../protocol/target.js';
import { planMembership, planOrganization, planUser, type PlanOptions } from './plan.js';
import { RecordFailure, Requester } from './request.js';
import { checkLogins, type Credential, type LoginReport } from './verify-logins.js';

/**
 * `verify`: reconciles the source against the target record by record, reading the target through
 * its own API (never the ledger: the import's own bookkeeping is what is being checked). What a
 * user should look like in the target is what the plan says would be written, so a lossy field the
 * target cannot hold is not a mismatch, and a field it can hold but lacks is.
 *
 * The target's users are listed once and indexed in memory by external id and email (one compact
 * view per target user); the source is streamed.
 */
export interface VerifyOptions {
  source: Source;
  target: Target;
  plan: PlanOptions;
  concurrency?: number;
  rate?: number;
  credentials?: AsyncIterable<Credential | { line: number; error: string }>;
  /** Longest list kept per finding (counts stay exact). */
  maxListed?: number;
  signal?: AbortSignal;
}

export interface Mismatch {
  sourceId: string;
  targetId: string;
  field: string;
  /** Shown for identity fields (email, names, flags, external id); metadata values are not printed. */
  expected?: unknown;
  actual?: unknown;
}

export interface VerifyReport {
  users: { source: number; expected: number; skippedByPlan: number; target: number; matched: number };
  organizations: { expected: number; found: number };
  counts: { missing: number; extra: number; duplicates: number; mismatches: number; missingOrganizations: number; missingMemberships: number; missingSocialLinks: number };
  missing: { sourceId: string; email?: string; reason?: string }[];
  extra: { targetId: string; email?: string; externalId?: string }[];
  duplicates: { externalId: string; targetIds: string[] }[];
  mismatches: Mismatch[];
  missingOrganizations: { sourceId: string; name: string }[];
  missingMemberships: { sourceId: string; organizationId: string; reason: string }[];
  missingSocialLinks: { sourceId: string; provider: string; providerUserId: string }[];
  logins?: LoginReport;
  ok: boolean;
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

class Listed<T> {
  readonly items: T[] = [];
  count = 0;
  constructor(private readonly max: number) {}
  add(item: T): void {
    this.count++;
    if (this.items.length < this.max) this.items.push(item);
  }
}

export async function verify(opts: VerifyOptions): Promise<VerifyReport> {
  const { target } = opts;
  const caps = target.capabilities;
  const max = opts.maxListed ?? 1000;
  const requester = new Requester({ concurrency: opts.concurrency ?? 4, rate: opts.rate ?? caps.readRateLimitPerSecond ?? caps.rateLimitPerSecond ?? 1000, ...(opts.signal ? { signal: opts.signal } : {}) });
  if (opts.signal) setMaxListeners(0, opts.signal);

  const byExternalId = new Map<string, TargetUserView[]>();
  const byEmail = new Map<string, TargetUserView>();
  let targetCount = 0;
  for await (const v of target.listUsers()) {
    targetCount++;
    if (v.externalId) byExternalId.set(v.externalId, [...(byExternalId.get(v.externalId) ?? []), v]);
    if (v.email) byEmail.set(normalizeEmail(v.email), v);
  }

  const matched = new Set<string>();
  const missing = new Listed<VerifyReport['missing'][number]>(max);
  const duplicates = new Listed<VerifyReport['duplicates'][number]>(max);
  const mismatches = new Listed<Mismatch>(max);
  const missingMemberships = new Listed<VerifyReport['missingMemberships'][number]>(max);
  const missingSocial = new Listed<VerifyReport['missingSocialLinks'][number]>(max);
  const orgs = new Map<string, Organization>();
  const orgRefs = new Map<string, Promise<TargetOrgRef | undefined>>();
  const users = { source: 0, expected: 0, skippedByPlan: 0, target: targetCount, matched: 0 };
  const planOptions = { ...opts.plan, ...(target.lossyNotes ? { targetNotes: target.lossyNotes.bind(target) } : {}) };
  const roleName = (r: string) => target.roleName?.(r) ?? r;
  /** Emails of users the plan moves without a hash (JIT or reset): their sign-in is expected to fail. */
  const noImportedPassword = new Map<string, string>();
  /** Emails of users the plan does not move at all, with the reason. */
  const notMoved = new Map<string, string>();
  /** Emails of users disabled in the source and moved disabled (a target that can disable users): their sign-in must fail. */
  const movedDisabled = new Set<string>();

  const findOrg = (sourceId: string): Promise<TargetOrgRef | undefined> => {
    let p = orgRefs.get(sourceId);
    if (!p) {
      const name = orgs.get(sourceId)?.name ?? sourceId;
      p = requester.call(() => target.findOrganization({ externalId: sourceId, name }), undefined, 'read').catch((e) => {
        if (e instanceof RecordFailure) return undefined;
        throw e;
      });
      orgRefs.set(sourceId, p);
    }
    return p;
  };

  const checkUser = async (user: CanonicalUser) => {
    users.source++;
    const plan = planUser(user, caps, planOptions);
    if (plan.action === 'skip') {
      users.skippedByPlan++;
      const e = primaryEmail(user);
      if (e) notMoved.set(normalizeEmail(e.address), plan.skipReason ?? 'skipped by the plan');
      return;
    }
    users.expected++;
    const email = primaryEmail(user);
    const candidates = byExternalId.get(user.sourceId) ?? [];
    if (candidates.length > 1) duplicates.add({ externalId: user.sourceId, targetIds: candidates.map((c) => c.id) });
    if (plan.password !== 'import' && plan.password !== 'none' && email) {
      const costly = plan.lossy.find((n) => n.field === 'password' && n.reason.startsWith('E_HASH_COST'))?.reason;
      noImportedPassword.set(normalizeEmail(email.address), costly ?? `the plan moves the password by ${opts.plan.missingPassword === 'jit' ? 'JIT' : 'reset'}`);
    }
    if (user.disabled && email) movedDisabled.add(normalizeEmail(email.address));
    const byMail = email ? byEmail.get(email.normalized || normalizeEmail(email.address)) : undefined;
    // An account found by email that carries another record's external id is that record's, not this one's.
    const view = candidates[0] ?? (byMail && (byMail.externalId === undefined || byMail.externalId === user.sourceId) ? byMail : undefined);
    if (!view) {
      missing.add({
        sourceId: user.sourceId,
        ...(email ? { email: email.address } : {}),
        ...(byMail?.externalId ? { reason: `the email belongs to the target account of ${byMail.externalId}` } : {}),
      });
      return;
    }
    matched.add(view.id);
    for (const c of candidates) matched.add(c.id);
    users.matched++;
    const mismatch = (field: string, expected?: unknown, actual?: unknown, show = true) =>
      mismatches.add({ sourceId: user.sourceId, targetId: view.id, field, ...(show ? { expected, actual } : {}) });

    // A field the plan says the target cannot hold as it is (the target's own lossy notes) is not a mismatch.
    const lossyField = (field: string) => plan.lossy.some((n) => n.field === field);
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
    if (plan.password === 'import' && view.hasPassword === false) mismatch('password', 'a password credential', 'none', true);
    // Usernames compare case-insensitively (Keycloak, for one, stores them lower-cased).
    if (plan.user.username && !lossyField('username') && view.username !== undefined && view.username.toLowerCase() !== plan.user.username.toLowerCase()) {
      mismatch('username', plan.user.username, view.username);
    }

    if (caps.metadata !== 'none') {
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
          if (k in g ? !sameValue(g[k], v) : !mayLack) mismatch(`metadata.${bag ? `${bag}.` : ''}${k}`, undefined, undefined, false);
        }
      }
    }

    if (caps.organizations) {
      for (const m of user.memberships) {
        const mp = planMembership(m, caps);
        if (mp.action === 'skip') continue;
        let entry = view.memberships.find((x) => x.organizationExternalId === m.organizationId);
        if (!entry) {
          const ref = await findOrg(m.organizationId);
          entry = ref ? view.memberships.find((x) => x.organizationId === ref.id) : undefined;
          if (!ref) {
            missingMemberships.add({ sourceId: user.sourceId, organizationId: m.organizationId, reason: 'organization not in the target' });
            continue;
          }
        }
        if (!entry) {
          missingMemberships.add({ sourceId: user.sourceId, organizationId: m.organizationId, reason: 'not a member' });
          continue;
        }
        const lacking = caps.roles ? mp.roles.map(roleName).filter((r) => !entry.roles.includes(r)) : [];
        if (lacking.length) missingMemberships.add({ sourceId: user.sourceId, organizationId: m.organizationId, reason: `lacks role ${lacking.join(', ')}` });
      }
    }
    if (caps.socialLinks) {
      for (const i of user.identities) {
        if (!view.identities.some((x) => x.provider === i.provider && x.providerUserId === i.providerUserId)) {
          missingSocial.add({ sourceId: user.sourceId, provider: i.provider, providerUserId: i.providerUserId });
        }
      }
    }
  };

  for await (const item of opts.source.read()) {
    if (item.type === 'organization') orgs.set(item.organization.sourceId, item.organization);
    else if (item.type === 'user') await checkUser(item.user);
  }

  const missingOrganizations = new Listed<VerifyReport['missingOrganizations'][number]>(max);
  let orgsExpected = 0;
  for (const org of orgs.values()) {
    if (planOrganization(org, caps).action === 'skip') continue;
    orgsExpected++;
    if (!(await findOrg(org.sourceId))) missingOrganizations.add({ sourceId: org.sourceId, name: org.name });
  }

  const extra = new Listed<VerifyReport['extra'][number]>(max);
  if (matched.size < targetCount) {
    for await (const v of target.listUsers()) {
      if (!matched.has(v.id)) extra.add({ targetId: v.id, ...(v.email ? { email: v.email } : {}), ...(v.externalId ? { externalId: v.externalId } : {}) });
    }
  }
  requester.close();

  const report: VerifyReport = {
    users,
    organizations: { expected: orgsExpected, found: orgsExpected - missingOrganizations.count },
    counts: {
      missing: missing.count,
      extra: extra.count,
      duplicates: duplicates.count,
      mismatches: mismatches.count,
      missingOrganizations: missingOrganizations.count,
      missingMemberships: missingMemberships.count,
      missingSocialLinks: missingSocial.count,
    },
    missing: missing.items,
    extra: extra.items,
    duplicates: duplicates.items,
    mismatches: mismatches.items,
    missingOrganizations: missingOrganizations.items,
    missingMemberships: missingMemberships.items,
    missingSocialLinks: missingSocial.items,
    ok: false,
  };
  if (opts.credentials) {
    report.logins = await checkLogins(target, opts.credentials, {
      concurrency: opts.concurrency ?? 4,
      rate: opts.rate ?? caps.rateLimitPerSecond ?? 1000,
      maxListed: max,
      ...(opts.signal ? { signal: opts.signal } : {}),
      explain: (identifier) => {
        if (!looksLikeEmail(identifier)) return undefined;
        const key = normalizeEmail(identifier);
        if (notMoved.has(key)) return `the user is not moved: ${notMoved.get(key)}`;
        if (movedDisabled.has(key)) return 'the user is disabled in the source and was moved disabled';
        const noHash = noImportedPassword.get(key);
        if (noHash) return `no hash was imported for this user (${noHash})`;
        return undefined;
      },
    });
  }
  const c = report.counts;
  // Extra users are reported, not failed: a signup during the transition is expected. Duplicates fail.
  report.ok = c.missing + c.duplicates + c.mismatches + c.missingOrganizations + c.missingMemberships + c.missingSocialLinks === 0 && (!report.logins || report.logins.failedCount === 0);
  return report;
}

export function formatVerify(r: VerifyReport): string {
  const c = r.counts;
  const lines = [
    `verify: ${r.users.matched}/${r.users.expected} users found in the target (${r.users.source} in the source, ${r.users.skippedByPlan} skipped by the plan, ${r.users.target} in the target)`,
    `  organizations ${r.organizations.found}/${r.organizations.expected}`,
    `  missing users ${c.missing}, duplicates ${c.duplicates}, field mismatches ${c.mismatches}, missing organizations ${c.missingOrganizations}, missing memberships ${c.missingMemberships}, missing social links ${c.missingSocialLinks}, extra users ${c.extra} (not in the source)`,
  ];
  for (const m of r.missing.slice(0, 10)) lines.push(`    missing ${m.sourceId}${m.email ? ` <${m.email}>` : ''}${m.reason ? `: ${m.reason}` : ''}`);
  for (const d of r.duplicates.slice(0, 10)) lines.push(`    duplicate ${d.externalId}: ${d.targetIds.join(', ')}`);
  for (const m of r.mismatches.slice(0, 10)) lines.push(`    ${m.sourceId} ${m.field}${'expected' in m ? `: expected ${JSON.stringify(m.expected)}, target has ${JSON.stringify(m.actual)}` : ' differs'}`);
  for (const m of r.missingMemberships.slice(0, 10)) lines.push(`    ${m.sourceId} in ${m.organizationId}: ${m.reason}`);
  for (const e of r.extra.slice(0, 10)) lines.push(`    extra ${e.targetId}${e.email ? ` <${e.email}>` : ''}`);
  if (r.logins) {
    const expected = r.logins.total - r.logins.succeeded - r.logins.failedCount;
    const tried = r.logins.total - expected;
    const rate = tried ? ((100 * r.logins.succeeded) / tried).toFixed(2) : '100.00';
    lines.push(`  logins ${r.logins.succeeded}/${tried} succeeded (${rate}%)${expected ? `; ${expected} failed as planned (users not moved, or moved without a hash)` : ''}`);
    for (const f of r.logins.failed.slice(0, 10)) lines.push(`    ${f.identifier}: ${f.reason}`);
    for (const f of r.logins.expectedFailures.slice(0, 5)) lines.push(`    (as planned) ${f.identifier}: ${f.reason}`);
  }
  lines.push(r.ok ? '  OK: everything the plan moves is in the target' : '  NOT OK: see above');
  return lines.join('\n');
}
