import { openExportFile, readTextChunks } from '../../lib/io/export-file.js';
import { scanJsonElements, type ScanEvent, type ScanStats } from '../../lib/io/json-element-scanner.js';
import type { Membership, Organization } from '../../model/user.js';
import { FlaglessError } from '../../protocol/errors.js';
import type { Problem } from '../../protocol/problem.js';
import { membershipFromJson, organizationFromJson } from './map.js';
import type { ClerkMembershipJson, ClerkOrganizationJson, ClerkUserJson } from './types.js';

export type DumpProblem = Omit<Problem, 'file'>;

/**
 * Memberships by user, packed: each membership is one number (organization index × 1024 + role
 * index) and organization ids and roles are stored once. 600,000 memberships take tens of MB
 * instead of the hundreds a Map of objects would.
 */
export class MembershipIndex {
  readonly orgIds: string[] = [];
  readonly #orgIndex = new Map<string, number>();
  readonly roles: string[] = [];
  readonly #roleIndex = new Map<string, number>();
  readonly #byUser = new Map<string, number | number[]>();

  get userCount(): number {
    return this.#byUser.size;
  }

  orgIndexOf(orgId: string): number {
    let i = this.#orgIndex.get(orgId);
    if (i === undefined) {
      i = this.orgIds.length;
      this.orgIds.push(orgId);
      this.#orgIndex.set(orgId, i);
    }
    return i;
  }

  add(userId: string, orgId: string, role: string): void {
    let r = this.#roleIndex.get(role);
    if (r === undefined) {
      r = this.roles.length;
      if (r >= 1024) throw new FlaglessError('E_SOURCE_PARSE', 'the API dump names more than 1024 distinct organization roles.');
      this.roles.push(role);
      this.#roleIndex.set(role, r);
    }
    const packed = this.orgIndexOf(orgId) * 1024 + r;
    const prev = this.#byUser.get(userId);
    if (prev === undefined) this.#byUser.set(userId, packed);
    else if (typeof prev === 'number') this.#byUser.set(userId, [prev, packed]);
    else prev.push(packed);
  }

  /** The user's memberships, removed from the index (each user is read once). */
  take(userId: string): Membership[] | undefined {
    const packed = this.#byUser.get(userId);
    if (packed === undefined) return undefined;
    this.#byUser.delete(userId);
    return (typeof packed === 'number' ? [packed] : packed).map((p) => ({
      organizationId: this.orgIds[Math.floor(p / 1024)]!,
      roles: [this.roles[p % 1024]!],
    }));
  }

  /** Users whose memberships were never taken, with how many. */
  *leftovers(): Generator<[string, number]> {
    for (const [userId, packed] of this.#byUser) yield [userId, typeof packed === 'number' ? 1 : packed.length];
  }

  clear(): void {
    this.#byUser.clear();
  }
}

/** The API dump, indexed for the join with the CSV by user id. */
export interface ClerkDumpIndex {
  /** User JSON text by id, in dump order; the reader deletes each one it joins, so what is left is dump-only. */
  users: Map<string, string>;
  organizations: Organization[];
  memberships: MembershipIndex;
  /** Organization ids of memberships left out because the organization is not in the dump. */
  orphansByUser: Map<string, string[]>;
  problems: DumpProblem[];
}

/**
 * Where the dump's lists stand, and the section each one is: `{users, organizations, memberships}`
 * as saved from the Backend API, `{data: [...]}` (a user list response), or a bare array of users.
 */
const SECTION_OF = new Map([
  ['.users[]', 'users'],
  ['.data[]', 'users'],
  ['[]', 'users'],
  ['.organizations[]', 'organizations'],
  ['.memberships[]', 'memberships'],
]);

/** One element of a section, with its place for messages (`users[3]`). */
interface DumpElement {
  section: string;
  index: number;
  line: number;
  value: unknown;
  text: string;
}

/**
 * The dump's elements in file order. The dump is strict JSON: a broken element is a problem (the
 * rest is read), anything else that is not JSON fails with its line.
 */
async function* dumpElements(path: string, problems: DumpProblem[]): AsyncGenerator<DumpElement> {
  const file = await openExportFile(path, 'Clerk API dump');
  const indexes = new Map<string, number>();
  const place = (ev: { path?: string }): { section: string; index: number } => {
    const key = ev.path ?? '';
    const index = indexes.get(key) ?? 0;
    indexes.set(key, index + 1);
    return { section: SECTION_OF.get(key) ?? 'users', index };
  };
  let stats: ScanStats | undefined;
  const events: AsyncIterable<ScanEvent> = scanJsonElements(readTextChunks(file), { match: (p) => SECTION_OF.has(p), keepText: true }, (s) => (stats = s));
  for await (const ev of events) {
    if (ev.kind === 'element') {
      yield { ...place(ev), line: ev.line, value: ev.value, text: ev.text };
    } else if (ev.element && ev.intact) {
      // The scanner's message never quotes the text (it may be metadata): only the place is said.
      const { section, index } = place(ev);
      problems.push({ code: 'E_SOURCE_PARSE', severity: 'error', line: ev.line, message: `${section}[${index}] in the API dump is not valid JSON; it was skipped` });
    } else {
      throw new FlaglessError('E_SOURCE_PARSE', `${path} line ${ev.line}: not valid JSON (${ev.message}).`);
    }
  }
  if (stats && stats.rootValues > 1) throw new FlaglessError('E_SOURCE_PARSE', `${path}: not valid JSON (there is text after the end of the document).`);
}

/**
 * Streams the API dump into an index, never holding the file: users are kept as their JSON text
 * until the join, memberships packed. It is the small side of the join (the CSV, which can be
 * millions of rows, is streamed row by row), and `flagless generate` keeps only users that have
 * something the CSV lacks in it.
 */
export async function loadClerkDump(path: string): Promise<ClerkDumpIndex> {
  const problems: DumpProblem[] = [];
  const users = new Map<string, string>();
  const organizations: Organization[] = [];
  const declared = new Set<string>();
  const embedded = new Map<string, ClerkOrganizationJson>();
  let sawOrganizations = false;
  const memberships = new MembershipIndex();
  // Memberships read before their organization was declared: settled at the end.
  const pending: { userId: string; orgId: string; role: string; line: number }[] = [];

  for await (const el of dumpElements(path, problems)) {
    if (el.section === 'users') {
      const u = el.value as ClerkUserJson;
      if (!u) continue;
      if (typeof u !== 'object' || typeof u.id !== 'string' || u.id === '') {
        problems.push({ code: 'E_SOURCE_FIELD', severity: 'error', line: el.line, message: `users[${el.index}] in the API dump has no id; it was skipped` });
      } else if (users.has(u.id)) {
        problems.push({ code: 'E_DUPLICATE_ID', severity: 'error', line: el.line, sourceId: u.id, message: `users[${el.index}] in the API dump repeats the id ${u.id}; the first one is used` });
      } else {
        users.set(u.id, el.text);
      }
    } else if (el.section === 'organizations') {
      sawOrganizations = true;
      const o = el.value as ClerkOrganizationJson;
      if (!o) continue;
      if (typeof o !== 'object' || typeof o.id !== 'string' || typeof o.name !== 'string') {
        problems.push({ code: 'E_SOURCE_FIELD', severity: 'error', line: el.line, message: `organizations[${el.index}] in the API dump has no id or name; it was skipped` });
      } else if (!declared.has(o.id)) {
        declared.add(o.id);
        organizations.push(organizationFromJson(o));
      }
    } else if (el.section === 'memberships') {
      const m = el.value as ClerkMembershipJson;
      const mapped = m && typeof m === 'object' ? membershipFromJson(m) : undefined;
      if (!mapped) {
        if (m) problems.push({ code: 'E_SOURCE_FIELD', severity: 'error', line: el.line, message: `memberships[${el.index}] in the API dump has no user or organization id; it was skipped` });
        continue;
      }
      const orgId = mapped.membership.organizationId;
      const role = mapped.membership.roles[0] ?? '';
      const org = m!.organization as Partial<ClerkOrganizationJson>;
      if (typeof org.name === 'string' && !embedded.has(orgId)) embedded.set(orgId, org as ClerkOrganizationJson);
      if (declared.has(orgId)) memberships.add(mapped.userId, orgId, role);
      else pending.push({ userId: mapped.userId, orgId, role, line: el.line });
    }
  }

  // Without an organizations list, the organizations the API embeds in each membership stand in.
  if (!sawOrganizations) {
    for (const o of embedded.values()) {
      declared.add(o.id);
      organizations.push(organizationFromJson(o));
    }
  }
  const orphansByUser = new Map<string, string[]>();
  for (const p of pending) {
    if (declared.has(p.orgId)) {
      memberships.add(p.userId, p.orgId, p.role);
      continue;
    }
    problems.push({
      code: 'E_MEMBERSHIP_ORPHAN',
      severity: 'error',
      line: p.line,
      sourceId: p.userId,
      message: `the membership of ${p.userId} names organization ${p.orgId}, which is not in the dump; it was left out`,
    });
    orphansByUser.set(p.userId, [...(orphansByUser.get(p.userId) ?? []), p.orgId]);
  }
  return { users, organizations, memberships, orphansByUser, problems };
}
