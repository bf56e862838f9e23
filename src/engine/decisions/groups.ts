import { DigestSpill, findRepeats, readLabel, SpillFiles } from '../../lib/io/digest-spill.js';
import { normalizeEmail } from '../../model/email.js';
import type { CanonicalUser } from '../../model/user.js';
import type { Source } from '../../protocol/source.js';
import { AbortedError } from '../concurrency.js';
import { rankGroup, type GroupMember, type RankedMember } from './default-policy.js';

/**
 * Every duplicate-email group of an export, each with the facts the default policy needs: the same
 * groups `assess` counts (accounts sharing a normalized address, any of their addresses). One pass
 * over the source; the addresses are found repeated from digests spilled to scratch files (as in
 * assess), so memory holds only the accounts that are in a group.
 */
export interface DuplicateGroup {
  /** The address as the first account in the export writes it. */
  email: string;
  normalized: string;
  members: RankedMember[];
}

interface Label {
  e: string;
  i: string;
  v: boolean;
  s?: string;
  c?: string;
}

function addresses(user: CanonicalUser): Map<string, { address: string; verified: boolean }> {
  const out = new Map<string, { address: string; verified: boolean }>();
  for (const e of user.emails) {
    const key = e.normalized || normalizeEmail(e.address);
    const had = out.get(key);
    out.set(key, { address: had?.address ?? e.address, verified: (had?.verified ?? false) || e.verified });
  }
  return out;
}

export async function findDuplicateGroups(source: Source, opts: { signal?: AbortSignal; onProgress?: (users: number) => void } = {}): Promise<{ groups: DuplicateGroup[]; users: number }> {
  const files = new SpillFiles();
  try {
    const fds = files.open();
    const spill = new DigestSpill(fds);
    let users = 0;
    for await (const item of source.read()) {
      if (opts.signal?.aborted) throw new AbortedError();
      if (item.type !== 'user') continue;
      users++;
      if (opts.onProgress && users % 10_000 === 0) opts.onProgress(users);
      const u = item.user;
      for (const [key, a] of addresses(u)) {
        const label: Label = { e: a.address, i: u.sourceId, v: a.verified, ...(u.lastSignInAt ? { s: u.lastSignInAt } : {}), ...(u.createdAt ? { c: u.createdAt } : {}) };
        // The line is the record's (1-based) when the reader says, else its position in the stream.
        spill.add(key, item.line ?? users, JSON.stringify(label));
      }
    }
    const written = spill.finish();
    const groups: DuplicateGroup[] = [];
    findRepeats([{ fds, written, part: 0, lineOffset: 0 }], (holders) => {
      const members: GroupMember[] = [];
      let email = '';
      for (const h of holders) {
        const l = JSON.parse(readLabel(h)) as Label;
        email ||= l.e;
        members.push({ sourceId: l.i, verified: l.v, ...(l.s ? { lastSignInAt: l.s } : {}), ...(l.c ? { createdAt: l.c } : {}), line: h.line });
      }
      groups.push({ email, normalized: normalizeEmail(email), members: rankGroup(members) });
    });
    // File order (by each group's first account) reads best, and is stable from run to run.
    const first = (g: DuplicateGroup) => Math.min(...g.members.map((m) => m.line ?? Infinity));
    groups.sort((a, b) => first(a) - first(b) || (a.normalized < b.normalized ? -1 : 1));
    return { groups, users };
  } finally {
    files.close();
  }
}
