import { normalizeEmail } from '../../model/email.js';
import { describeHash } from '../../model/password/index.js';
import type { CanonicalUser } from '../../model/user.js';
import type { TargetCapabilities } from '../../protocol/capabilities.js';
import type { ErrorCode } from '../../protocol/errors.js';
import type { Problem } from '../../protocol/problem.js';
import type { Source } from '../../protocol/source.js';
import { SeenIndex } from '../io/seen-index.js';
import { addUserToFit, emptyFit, UserFacts, type TargetFit } from './target-fit.js';

/** How many problems and duplicate groups a report lists in full (all are counted). */
export const LISTED_PROBLEMS = 1000;
export const LISTED_DUPLICATE_GROUPS = 200;

export interface DuplicateEmailGroup {
  email: string;
  users: { sourceId: string; line?: number }[];
}

export interface AssessReport {
  source: string;
  users: number;
  withPassword: number;
  passwordPlans: { import: number; jit: number; none: number };
  /** Algorithm → users (only for hashes that parsed). */
  hashAlgorithms: Record<string, number>;
  /** Algorithm with its non-secret parameters → users, e.g. "bcrypt (cost 10)". */
  hashVariants: Record<string, number>;
  insecureHashes: number;
  /** Users with at least one factor of each kind. */
  mfa: { totp: number; totpWithSecret: number; sms: number; other: number };
  socialOnly: number;
  withSocialLinks: number;
  identityProviders: Record<string, number>;
  disabled: number;
  withoutEmail: number;
  unverifiedEmail: number;
  withMetadata: number;
  duplicateEmailGroups: number;
  usersInDuplicateGroups: number;
  duplicateEmails: DuplicateEmailGroup[];
  organizations: number;
  memberships: number;
  passwordsWithoutUser: number;
  usersWithoutPasswordRecord: number;
  problemCount: number;
  problemsByCode: Partial<Record<ErrorCode, number>>;
  /** The first LISTED_PROBLEMS problems; `problemCount` has the total. */
  problems: Problem[];
  targets: TargetFit[];
  durationMs: number;
  usersPerSecond: number;
}

export interface AssessOptions {
  targets: readonly TargetCapabilities[];
  onProgress?: (users: number) => void;
}

/** Streams a source once and builds the report. Memory grows only with the duplicate index. */
export async function assess(source: Source, options: AssessOptions): Promise<AssessReport> {
  const started = performance.now();
  const report: AssessReport = {
    source: source.vendor,
    users: 0,
    withPassword: 0,
    passwordPlans: { import: 0, jit: 0, none: 0 },
    hashAlgorithms: {},
    hashVariants: {},
    insecureHashes: 0,
    mfa: { totp: 0, totpWithSecret: 0, sms: 0, other: 0 },
    socialOnly: 0,
    withSocialLinks: 0,
    identityProviders: {},
    disabled: 0,
    withoutEmail: 0,
    unverifiedEmail: 0,
    withMetadata: 0,
    duplicateEmailGroups: 0,
    usersInDuplicateGroups: 0,
    duplicateEmails: [],
    organizations: 0,
    memberships: 0,
    passwordsWithoutUser: 0,
    usersWithoutPasswordRecord: 0,
    problemCount: 0,
    problemsByCode: {},
    problems: [],
    targets: options.targets.map(emptyFit),
    durationMs: 0,
    usersPerSecond: 0,
  };
  const targets = options.targets;
  const seenEmails = new SeenIndex();
  const groups = new Map<string, DuplicateEmailGroup>();
  /** The file users came from, for pointing at duplicate groups (sources read one user file). */
  let userFile: string | undefined;

  const addProblem = (p: Problem) => {
    report.problemCount++;
    report.problemsByCode[p.code] = (report.problemsByCode[p.code] ?? 0) + 1;
    if (p.code === 'E_PASSWORD_ORPHAN') report.passwordsWithoutUser++;
    if (p.code === 'E_PASSWORD_MISSING') report.usersWithoutPasswordRecord++;
    if (report.problems.length < LISTED_PROBLEMS) report.problems.push(p);
  };

  try {
    for await (const item of source.read()) {
      if (item.type === 'problem') addProblem(item.problem);
      else if (item.type === 'organization') report.organizations++;
      else {
        const facts = new UserFacts(item.user);
        countUser(report, facts);
        userFile ??= item.file;
        for (let i = 0; i < targets.length; i++) addUserToFit(report.targets[i]!, targets[i]!, facts);
        for (const email of distinctEmails(item.user)) {
          const first = seenEmails.add(email, item.line ?? 0, item.user.sourceId);
          if (!first) continue;
          let group = groups.get(email);
          if (!group) {
            group = { email, users: [{ sourceId: first.label, ...(first.line ? { line: first.line } : {}) }] };
            groups.set(email, group);
          }
          group.users.push({ sourceId: item.user.sourceId, ...(item.line ? { line: item.line } : {}) });
        }
        if (options.onProgress && report.users % 10_000 === 0) options.onProgress(report.users);
      }
    }
  } finally {
    seenEmails.close();
  }

  for (const group of groups.values()) {
    report.duplicateEmailGroups++;
    report.usersInDuplicateGroups += group.users.length;
    if (report.duplicateEmails.length < LISTED_DUPLICATE_GROUPS) report.duplicateEmails.push(group);
    addProblem({
      code: 'E_DUPLICATE_EMAIL',
      severity: 'error',
      message: `${group.users.length} users share the email ${group.email} (${group.users.map((u) => u.sourceId).join(', ')}); flagless never merges them: decide which one keeps it.`,
      ...(userFile ? { file: userFile } : {}),
      ...(group.users[0]?.line ? { line: group.users[0].line } : {}),
      sourceId: group.users[0]?.sourceId ?? '',
    });
  }
  report.durationMs = Math.round(performance.now() - started);
  report.usersPerSecond = report.durationMs > 0 ? Math.round((report.users * 1000) / report.durationMs) : report.users;
  return report;
}

/** Each normalized address once per user: a user listing the same address twice is not a duplicate group. */
function distinctEmails(user: CanonicalUser): Iterable<string> {
  if (user.emails.length === 1) return [user.emails[0]!.normalized || normalizeEmail(user.emails[0]!.address)];
  const out = new Set<string>();
  for (const e of user.emails) out.add(e.normalized || normalizeEmail(e.address));
  return out;
}

function countUser(r: AssessReport, facts: UserFacts): void {
  const u = facts.user;
  r.users++;
  r.passwordPlans[u.passwordPlan]++;
  if (u.passwordPlan !== 'none') r.withPassword++;
  if (u.password) {
    r.hashAlgorithms[u.password.algorithm] = (r.hashAlgorithms[u.password.algorithm] ?? 0) + 1;
    const variant = describeHash(u.password);
    r.hashVariants[variant] = (r.hashVariants[variant] ?? 0) + 1;
    if (u.password.insecure) r.insecureHashes++;
  }
  // Users, not factors: "how many people must re-enrol" is the question a report answers.
  if (u.mfa.length > 0) {
    if (facts.hasTotp) r.mfa.totp++;
    if (u.mfa.some((f) => f.kind === 'totp' && f.secret)) r.mfa.totpWithSecret++;
    if (facts.hasSms) r.mfa.sms++;
    if (u.mfa.some((f) => f.kind !== 'totp' && f.kind !== 'sms')) r.mfa.other++;
  }
  if (u.identities.length > 0) {
    r.withSocialLinks++;
    if (u.passwordPlan === 'none') r.socialOnly++;
    for (const id of new Set(u.identities.map((i) => i.provider))) r.identityProviders[id] = (r.identityProviders[id] ?? 0) + 1;
  }
  if (u.disabled) r.disabled++;
  if (u.emails.length === 0) r.withoutEmail++;
  else if (!u.emails.some((e) => e.verified)) r.unverifiedEmail++;
  if (facts.hasPublic || facts.hasPrivate) r.withMetadata++;
  r.memberships += u.memberships.length;
}
