import { normalizeEmail } from '../../model/email.js';
import type { HashCostCeiling, PasswordHash } from '../../model/password/index.js';
import { DEFAULT_HASH_COST_CEILING, hashCostExcess } from '../../model/password/cost.js';
import type { CanonicalUser } from '../../model/user.js';
import type { TargetCapabilities } from '../../protocol/capabilities.js';
import type { ErrorCode } from '../../protocol/errors.js';
import type { Problem } from '../../protocol/problem.js';
import type { ByteRange, Source, SourceItem } from '../../protocol/source.js';
import { DigestSpill, findRepeats, readLabel, SpillFiles, type Holder, type SpillFds, type SpillToRead, type SpillWritten } from '../../lib/io/digest-spill.js';
import { addUserToFit, emptyFit, UserFacts, type TargetFit } from './target-fit.js';

/**
 * How much more of the file the first part gets when it is read in this thread and the others in
 * worker threads: about what one thread reads while a worker starts (~60 ms at ~60 MB/s with two
 * at work), halved, so that both end together (measured: the first part ended 50–110 ms early on
 * even halves of a 64 MB export).
 */
const HEAD_START_BYTES = 2 * 1024 * 1024;

/** How many problems and duplicate groups a report lists in full (all are counted). */
export const LISTED_PROBLEMS = 1000;
export const LISTED_DUPLICATE_GROUPS = 200;

export interface DuplicateEmailGroup {
  email: string;
  /** How many users share it. */
  count: number;
  /** The first LISTED_GROUP_MEMBERS of them, in file order. */
  users: { sourceId: string; line?: number }[];
}

/** Users listed per duplicate group (a placeholder address can be shared by thousands). */
export const LISTED_GROUP_MEMBERS = 50;

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
  /** Parts the export was read in at once (each in its own thread but the first); 1 = one read. */
  parts: number;
  /** What this kind of export cannot contain (so a zero above means "not in the export"), and how to get it. */
  absent?: { fields: string[]; how: string };
}

export interface AssessOptions {
  targets: readonly TargetCapabilities[];
  onProgress?: (users: number) => void;
  /**
   * How many parts a source that can be read in parts may be cut into (default 1). The parts run
   * through `runPart` when it is given (each in another thread, all at once), otherwise here one
   * after the other.
   */
  parts?: number;
  /** Smallest part worth its own read (the source's default when absent; tests set it low). */
  minPartBytes?: number;
  runPart?: PartRunner;
  /**
   * With `runPart` and more than one part: the first part is read here, at the same time as the
   * others go through `runPart` (this thread starts at once, while a worker thread first spends
   * some 60 ms starting up and loading its modules).
   */
  firstPartHere?: boolean;
  /** Hashes above it are reported as E_HASH_COST (default DEFAULT_HASH_COST_CEILING). */
  hashCostCeiling?: HashCostCeiling;
}

/** What one part of a read needs: which bytes, where to spill digests, which records repeat an id. */
export interface PartInput {
  index: number;
  range: ByteRange;
  emailSpill: SpillFds;
  idSpill: SpillFds;
  /** [local line, first holder's line] of each record to skip as a repeated id (a second read). */
  skip?: [number, number][];
  /** The hash cost ceiling (plain data: parts may run in worker threads). */
  hashCostCeiling?: HashCostCeiling;
}

/** A part's report, before repeats are looked for (lines local to the part). Plain data. */
export interface PartResult {
  report: AssessReport;
  /** Lines in the part (blank ones included), when the reader said. */
  lines: number | undefined;
  userFile: string | undefined;
  emails: SpillWritten;
  ids: SpillWritten;
}

/** Runs one part elsewhere (a worker thread); stops it when `signal` aborts (another part failed). */
export type PartRunner = (input: PartInput, onProgress: (users: number) => void, signal?: AbortSignal) => Promise<PartResult>;

/**
 * Streams a source and builds the report. Memory does not grow with the users: duplicate emails
 * (and, for sources that can be read again, repeated ids) are found from digests spilled to disk.
 * A source that can be read in parts is read in up to `options.parts` parts at once; a part
 * holding a record that repeats an id seen earlier is read a second time, skipping it.
 */
export async function assess(source: Source, options: AssessOptions): Promise<AssessReport> {
  const started = performance.now();
  const hereFirst = !!options.runPart && !!options.firstPartHere;
  const ranges =
    source.partition && source.readPart
      ? await source.partition(Math.max(1, options.parts ?? 1), options.minPartBytes, hereFirst ? HEAD_START_BYTES : 0)
      : undefined;
  const files = new SpillFiles();
  try {
    let results: PartResult[];
    if (!ranges) {
      const emailSpill = files.open();
      const emails = new DigestSpill(emailSpill);
      const tally = new PartTally(options.targets, emails, options.onProgress, options.hashCostCeiling);
      for await (const item of source.read()) {
        if (!describeHash && item.type === 'user' && item.user.password) await loadDescribeHash();
        tally.accept(item);
      }
      results = [{ report: tally.report, lines: undefined, userFile: tally.userFile, emails: emails.finish(), ids: { blocks: [], keys: 0 } }];
      return withAbsent(source, finish(source.vendor, results, [{ emailSpill }], options, started));
    }
    const progress = new PartProgress(ranges.length, options.onProgress);
    const readHere = hereFirst && ranges.length > 1 ? 0 : -1; // the part this thread reads when there is a runner
    const run = (input: PartInput, signal: AbortSignal): Promise<PartResult> =>
      options.runPart && input.index !== readHere
        ? options.runPart(input, progress.of(input.index), signal)
        : runPart(source, options.targets, input, progress.of(input.index), signal);
    const inputs: PartInput[] = ranges.map((range, index) => ({
      index,
      range,
      emailSpill: files.open(),
      idSpill: files.open(),
      ...(options.hashCostCeiling ? { hashCostCeiling: options.hashCostCeiling } : {}),
    }));
    results = await runAll(inputs, run, !!options.runPart);
    // Repeated ids across the whole export: every holder after the first is skipped, in a second read of its part.
    const offsets = lineOffsets(results);
    const skips = new Map<number, [number, number][]>();
    findRepeats(
      results.map((r, part) => ({ fds: inputs[part]!.idSpill, written: r.ids, part, lineOffset: offsets[part]! })),
      (holders) => {
        for (let h = 1; h < holders.length; h++) {
          const { part, line } = holders[h]!;
          let list = skips.get(part);
          if (!list) skips.set(part, (list = []));
          list.push([line - offsets[part]!, holders[0]!.line]);
        }
      },
    );
    if (skips.size > 0) {
      const again = [...skips].map(([part, skip]) => ({ ...inputs[part]!, emailSpill: files.open(), skip }));
      const reread = await runAll(again, run, !!options.runPart);
      again.forEach((input, i) => {
        inputs[input.index] = input;
        results[input.index] = reread[i]!;
      });
    }
    return withAbsent(source, finish(source.vendor, results, inputs, options, started));
  } finally {
    files.close();
  }
}

function withAbsent(source: Source, report: AssessReport): AssessReport {
  if (source.absent) report.absent = { fields: [...source.absent.fields], how: source.absent.how };
  return report;
}

/** Reads one part here: the source's `readPart`, tallied, with digests spilled. */
export async function runPart(source: Source, targets: readonly TargetCapabilities[], input: PartInput, onProgress?: (users: number) => void, signal?: AbortSignal): Promise<PartResult> {
  if (!source.readPart) throw new Error(`assess: the ${source.vendor} source cannot be read in parts`);
  const emails = new DigestSpill(input.emailSpill);
  const ids = new DigestSpill(input.idSpill);
  const skip = input.skip ? new Map(input.skip) : undefined;
  let lines: number | undefined;
  const tally = new PartTally(targets, emails, onProgress, input.hashCostCeiling);
  const read = source.readPart({
    range: input.range,
    repeatedId: skip
      ? (_id, line) => skip.get(line)
      : (id, line) => {
          ids.add(id, line);
          return undefined;
        },
    linesRead: (n) => (lines = n),
  });
  for await (const batch of read) {
    // Another part failed: stop here too (the parts read in other threads are stopped by their runner).
    if (signal?.aborted) throw new Error(PART_STOPPED);
    if (!describeHash && batch.some((item) => item.type === 'user' && item.user.password)) await loadDescribeHash();
    for (let i = 0; i < batch.length; i++) tally.accept(batch[i]!);
  }
  return { report: tally.report, lines, userFile: tally.userFile, emails: emails.finish(), ids: ids.finish() };
}

/**
 * All parts at once (through the runner), or all here one after the other. When one fails the others are stopped, and only then is the failure passed on: their scratch
 * files must not be closed under them.
 */
async function runAll(inputs: PartInput[], run: (input: PartInput, signal: AbortSignal) => Promise<PartResult>, concurrent: boolean): Promise<PartResult[]> {
  const stop = new AbortController();
  if (!concurrent) {
    const out: PartResult[] = [];
    for (const input of inputs) out.push(await run(input, stop.signal));
    return out;
  }
  const runs = inputs.map((input) =>
    run(input, stop.signal).catch((e: unknown) => {
      stop.abort();
      throw e;
    }),
  );
  const settled = await Promise.allSettled(runs);
  if (settled.some((s) => s.status === 'rejected')) throw firstFailure(settled);
  return settled.map((s) => (s as PromiseFulfilledResult<PartResult>).value);
}

/** The failure of the earliest part that failed on its own (not because it was stopped). */
function firstFailure(settled: PromiseSettledResult<PartResult>[]): unknown {
  const reasons = settled.filter((s): s is PromiseRejectedResult => s.status === 'rejected').map((s) => s.reason as unknown);
  return reasons.find((r) => !(r instanceof Error && r.message === PART_STOPPED)) ?? reasons[0];
}

/** The message a runner rejects with when it stopped a part because another failed. */
export const PART_STOPPED = 'assess: the part was stopped';

function lineOffsets(results: readonly PartResult[]): number[] {
  const offsets = [0];
  for (let i = 0; i + 1 < results.length; i++) {
    const lines = results[i]!.lines;
    if (lines === undefined) throw new Error('assess: a part of a read in parts did not say how many lines it held');
    offsets.push(offsets[i]! + lines);
  }
  return offsets;
}

/** Users read so far over all parts, for one progress line. */
class PartProgress {
  readonly #counts: number[];
  #shown = 0;
  readonly #onProgress: ((users: number) => void) | undefined;

  constructor(parts: number, onProgress: ((users: number) => void) | undefined) {
    this.#counts = new Array<number>(parts).fill(0);
    this.#onProgress = onProgress;
  }

  of(part: number): (users: number) => void {
    return (users) => {
      this.#counts[part] = users;
      const total = this.#counts.reduce((a, b) => a + b, 0);
      // A part read a second time starts again from 0: the line never goes back.
      if (total > this.#shown) {
        this.#shown = total;
        this.#onProgress?.(total);
      }
    };
  }
}

/** Merges the parts' reports (lines made global), then adds the duplicate-email groups. */
function finish(vendor: string, results: PartResult[], inputs: readonly Pick<PartInput, 'emailSpill'>[], options: AssessOptions, started: number): AssessReport {
  const offsets = results.length > 1 ? lineOffsets(results) : [0];
  const report = emptyReport(vendor, options.targets);
  const listed: Problem[] = [];
  for (let part = 0; part < results.length; part++) {
    const r = results[part]!.report;
    addNumbers(report as unknown as Record<string, unknown>, r as unknown as Record<string, unknown>);
    for (const p of r.problems) {
      if (listed.length >= LISTED_PROBLEMS) break;
      // With more than one part, every line a part reports is a line of the main file (Source.partition).
      listed.push(offsets[part]! > 0 && p.line !== undefined ? { ...p, line: p.line + offsets[part]! } : p);
    }
  }
  report.problems = listed;
  report.parts = results.length;
  const userFile = results.find((r) => r.userFile !== undefined)?.userFile;
  addDuplicateEmails(
    report,
    results.map((r, part) => ({ fds: inputs[part]!.emailSpill, written: r.emails, part, lineOffset: offsets[part]! })),
    userFile,
  );
  report.durationMs = Math.round(performance.now() - started);
  report.usersPerSecond = report.durationMs > 0 ? Math.round((report.users * 1000) / report.durationMs) : report.users;
  return report;
}

/** Sums every count of `from` into `into` (nested records of numbers; targets by position). */
function addNumbers(into: Record<string, unknown>, from: Record<string, unknown>): void {
  for (const key in from) {
    const v = from[key];
    if (typeof v === 'number') {
      if (key !== 'durationMs' && key !== 'usersPerSecond' && key !== 'parts') into[key] = ((into[key] as number | undefined) ?? 0) + v;
    } else if (Array.isArray(v)) {
      if (key === 'targets') v.forEach((fit, i) => addNumbers((into[key] as Record<string, unknown>[])[i]!, fit as Record<string, unknown>));
    } else if (v !== null && typeof v === 'object') {
      into[key] ??= {};
      addNumbers(into[key] as Record<string, unknown>, v as Record<string, unknown>);
    }
  }
}

/** Label of an email digest: the address and its holder's id, length-prefixed (either may hold any character). */
function emailLabel(email: string, sourceId: string): string {
  return `${email.length}:${email}${sourceId}`;
}

function parseEmailLabel(label: string): { email: string; sourceId: string } {
  const colon = label.indexOf(':');
  const length = Number(label.slice(0, colon));
  return { email: label.slice(colon + 1, colon + 1 + length), sourceId: label.slice(colon + 1 + length) };
}

/**
 * Every duplicate-email group is counted; the first ones in file order (by their first holder's
 * line) are listed, and only those have their labels read back from disk.
 */
function addDuplicateEmails(report: AssessReport, spills: SpillToRead[], userFile: string | undefined): void {
  const keep = Math.max(LISTED_DUPLICATE_GROUPS, LISTED_PROBLEMS - report.problems.length);
  let kept: Holder[][] = [];
  const byFirstLine = (a: Holder[], b: Holder[]) => a[0]!.line - b[0]!.line || a[0]!.labelAt - b[0]!.labelAt;
  findRepeats(spills, (holders) => {
    report.duplicateEmailGroups++;
    report.usersInDuplicateGroups += holders.length;
    report.problemCount++;
    report.problemsByCode.E_DUPLICATE_EMAIL = (report.problemsByCode.E_DUPLICATE_EMAIL ?? 0) + 1;
    kept.push(holders);
    if (kept.length > 2 * keep) kept = kept.sort(byFirstLine).slice(0, keep);
  });
  kept.sort(byFirstLine);
  for (const holders of kept.slice(0, keep)) {
    const members = holders.slice(0, LISTED_GROUP_MEMBERS).map((h) => ({ ...parseEmailLabel(readLabel(h)), line: h.line }));
    const group: DuplicateEmailGroup = {
      email: members[0]!.email,
      count: holders.length,
      users: members.map((m) => ({ sourceId: m.sourceId, ...(m.line ? { line: m.line } : {}) })),
    };
    if (report.duplicateEmails.length < LISTED_DUPLICATE_GROUPS) report.duplicateEmails.push(group);
    if (report.problems.length < LISTED_PROBLEMS) {
      const more = group.count > group.users.length ? ` and ${group.count - group.users.length} more` : '';
      report.problems.push({
        code: 'E_DUPLICATE_EMAIL',
        severity: 'error',
        message: `${group.count} users share the email ${group.email} (${group.users.map((u) => u.sourceId).join(', ')}${more}); flagless never merges them: decide which one keeps it.`,
        ...(userFile ? { file: userFile } : {}),
        ...(group.users[0]?.line ? { line: group.users[0].line } : {}),
        sourceId: group.users[0]?.sourceId ?? '',
      });
    }
  }
}

function emptyReport(source: string, targets: readonly TargetCapabilities[]): AssessReport {
  return {
    source,
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
    targets: targets.map(emptyFit),
    durationMs: 0,
    usersPerSecond: 0,
    parts: 1,
  };
}

/** One read's counts: everything but the duplicate-email groups, whose digests go to the spill. */
class PartTally {
  readonly report: AssessReport;
  /** The file users came from, for pointing at duplicate groups (sources read one user file). */
  userFile: string | undefined;
  readonly #targets: readonly TargetCapabilities[];
  readonly #emails: DigestSpill;
  readonly #onProgress: ((users: number) => void) | undefined;
  readonly #ceiling: HashCostCeiling;

  constructor(targets: readonly TargetCapabilities[], emails: DigestSpill, onProgress: ((users: number) => void) | undefined, ceiling?: HashCostCeiling) {
    this.report = emptyReport('', targets);
    this.#targets = targets;
    this.#emails = emails;
    this.#onProgress = onProgress;
    this.#ceiling = ceiling ?? DEFAULT_HASH_COST_CEILING;
  }

  accept(item: SourceItem): void {
    const report = this.report;
    if (item.type === 'problem') this.#problem(item.problem);
    else if (item.type === 'organization') report.organizations++;
    else {
      const hash = item.user.password;
      const tooCostly = hash && item.user.passwordPlan === 'import' ? hashCostExcess(hash, this.#ceiling) : undefined;
      if (tooCostly) {
        this.#problem({
          code: 'E_HASH_COST',
          severity: 'error',
          message: `user ${item.user.sourceId}: ${tooCostly}; migrate moves this user without a password (reset)`,
          ...(item.file ? { file: item.file } : {}),
          ...(item.line !== undefined ? { line: item.line } : {}),
          sourceId: item.user.sourceId,
        });
      }
      const facts = new UserFacts(item.user);
      countUser(report, facts);
      this.userFile ??= item.file;
      const targets = this.#targets;
      for (let i = 0; i < targets.length; i++) addUserToFit(report.targets[i]!, targets[i]!, facts);
      for (const email of distinctEmails(item.user)) this.#emails.add(email, item.line ?? 0, emailLabel(email, item.user.sourceId));
      if (this.#onProgress && report.users % 10_000 === 0) this.#onProgress(report.users);
    }
  }

  #problem(p: Problem): void {
    const report = this.report;
    report.problemCount++;
    report.problemsByCode[p.code] = (report.problemsByCode[p.code] ?? 0) + 1;
    if (p.code === 'E_PASSWORD_ORPHAN') report.passwordsWithoutUser++;
    if (p.code === 'E_PASSWORD_MISSING') report.usersWithoutPasswordRecord++;
    if (report.problems.length < LISTED_PROBLEMS) report.problems.push(p);
  }
}

/** Each normalized address once per user: a user listing the same address twice is not a duplicate group. */
function distinctEmails(user: CanonicalUser): Iterable<string> {
  if (user.emails.length === 1) return [user.emails[0]!.normalized || normalizeEmail(user.emails[0]!.address)];
  const out = new Set<string>();
  for (const e of user.emails) out.add(e.normalized || normalizeEmail(e.address));
  return out;
}

/**
 * The model's hash descriptions, loaded at the first user with a hash: an export without any
 * (Auth0 without its password file, Cognito) never loads the password-hash code, which is a good
 * part of a worker thread's start-up.
 */
let describeHash: ((hash: PasswordHash) => string) | undefined;

async function loadDescribeHash(): Promise<void> {
  describeHash ??= (await import('../../model/password/index.js')).describeHash;
}

function countUser(r: AssessReport, facts: UserFacts): void {
  const u = facts.user;
  r.users++;
  r.passwordPlans[u.passwordPlan]++;
  if (u.passwordPlan !== 'none') r.withPassword++;
  if (u.password) {
    r.hashAlgorithms[u.password.algorithm] = (r.hashAlgorithms[u.password.algorithm] ?? 0) + 1;
    if (!describeHash) throw new Error('assess: a user with a password hash was counted before the hash descriptions were loaded');
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
