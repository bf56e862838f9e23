import { setMaxListeners } from 'node:events';
import { looksLikeEmail, normalizeEmail } from '../model/email.js';
import { primaryEmail, type CanonicalUser, type Organization } from '../model/user.js';
import type { Source } from '../protocol/source.js';
import type { Target } from '../protocol/target.js';
import { planUser, type PlanOptions, type UserPlan } from './plan.js';
import { Requester } from './request.js';
import { Findings, organizationFinder, type Mismatch, type Reconciliation } from './verify/findings.js';
import { reconcileLinks } from './verify/links.js';
import { reconcileMemberships } from './verify/memberships.js';
import { reconcileOrganizations } from './verify/organizations.js';
import { indexTargetUsers, listExtraUsers, reconcileUser } from './verify/users.js';
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

export type { Mismatch } from './verify/findings.js';

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

/** Why a sign-in is expected to fail, by normalized email, from what the plan does with each user. */
class LoginExpectations {
  /** Users the plan moves without a hash (JIT or reset, or a hash over the cost ceiling), with why: their sign-in is expected to fail. */
  readonly noImportedPassword = new Map<string, string>();
  /** Users the plan does not move at all, with the reason. */
  readonly notMoved = new Map<string, string>();
  /** Users disabled in the source and moved disabled (a target that can disable users): their sign-in must fail. */
  readonly movedDisabled = new Set<string>();

  note(user: CanonicalUser, plan: UserPlan, missingPassword: 'jit' | 'reset'): void {
    const e = primaryEmail(user);
    if (!e) return;
    const key = normalizeEmail(e.address);
    if (plan.action === 'skip') this.notMoved.set(key, plan.skipReason ?? 'skipped by the plan');
    else {
      if (plan.password !== 'import' && plan.password !== 'none') {
        const costly = plan.lossy.find((n) => n.field === 'password' && n.reason.startsWith('E_HASH_COST'))?.reason;
        this.noImportedPassword.set(key, costly ?? `the plan moves the password by ${missingPassword === 'jit' ? 'JIT' : 'reset'}`);
      }
      if (user.disabled) this.movedDisabled.add(key);
    }
  }

  explain(identifier: string): string | undefined {
    if (!looksLikeEmail(identifier)) return undefined;
    const key = normalizeEmail(identifier);
    if (this.notMoved.has(key)) return `the user is not moved: ${this.notMoved.get(key)}`;
    if (this.movedDisabled.has(key)) return 'the user is disabled in the source and was moved disabled';
    const noHash = this.noImportedPassword.get(key);
    if (noHash) return `no hash was imported for this user (${noHash})`;
    return undefined;
  }
}

/**
 * The reconciliation, step by step: index the target's users; stream the source, and for each
 * user the plan moves reconcile the user (verify/users.ts), its memberships (verify/memberships.ts)
 * and its links (verify/links.ts); then the organizations (verify/organizations.ts), the target's
 * extra users, and the sign-ins.
 */
export async function verify(opts: VerifyOptions): Promise<VerifyReport> {
  const { target } = opts;
  const caps = target.capabilities;
  const max = opts.maxListed ?? 1000;
  const requester = new Requester({ concurrency: opts.concurrency ?? 4, rate: opts.rate ?? caps.readRateLimitPerSecond ?? caps.rateLimitPerSecond ?? 1000, ...(opts.signal ? { signal: opts.signal } : {}) });
  if (opts.signal) setMaxListeners(0, opts.signal);

  const index = await indexTargetUsers(target);
  const organizations = new Map<string, Organization>();
  const r: Reconciliation = {
    target,
    requester,
    plan: { ...opts.plan, ...(target.lossyNotes ? { targetNotes: target.lossyNotes.bind(target) } : {}) },
    index,
    findings: new Findings(max),
    matched: new Set(),
    organizations,
    findOrganization: organizationFinder(target, requester, organizations),
  };
  const users = { source: 0, expected: 0, skippedByPlan: 0, target: index.count, matched: 0 };
  const logins = new LoginExpectations();

  for await (const item of opts.source.read()) {
    if (item.type === 'organization') {
      organizations.set(item.organization.sourceId, item.organization);
      continue;
    }
    if (item.type !== 'user') continue;
    const user = item.user;
    users.source++;
    const plan = planUser(user, caps, r.plan);
    logins.note(user, plan, opts.plan.missingPassword);
    if (plan.action === 'skip') {
      users.skippedByPlan++;
      continue;
    }
    users.expected++;
    const view = reconcileUser(r, user, plan);
    if (!view) continue;
    users.matched++;
    await reconcileMemberships(r, user, view);
    reconcileLinks(r, user, view);
  }

  const orgsExpected = await reconcileOrganizations(r);
  await listExtraUsers(r);
  requester.close();

  const f = r.findings;
  const report: VerifyReport = {
    users,
    organizations: { expected: orgsExpected, found: orgsExpected - f.missingOrganizations.count },
    counts: {
      missing: f.missing.count,
      extra: f.extra.count,
      duplicates: f.duplicates.count,
      mismatches: f.mismatches.count,
      missingOrganizations: f.missingOrganizations.count,
      missingMemberships: f.missingMemberships.count,
      missingSocialLinks: f.missingSocialLinks.count,
    },
    missing: f.missing.items,
    extra: f.extra.items,
    duplicates: f.duplicates.items,
    mismatches: f.mismatches.items,
    missingOrganizations: f.missingOrganizations.items,
    missingMemberships: f.missingMemberships.items,
    missingSocialLinks: f.missingSocialLinks.items,
    ok: false,
  };
  if (opts.credentials) {
    report.logins = await checkLogins(target, opts.credentials, {
      concurrency: opts.concurrency ?? 4,
      rate: opts.rate ?? caps.rateLimitPerSecond ?? 1000,
      maxListed: max,
      ...(opts.signal ? { signal: opts.signal } : {}),
      explain: (identifier) => logins.explain(identifier),
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
