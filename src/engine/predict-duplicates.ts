import { DigestSpill, findRepeats, readLabel, SpillFiles, type SpillFds } from '../lib/io/digest-spill.js';
import { normalizeEmail } from '../model/email.js';
import { primaryEmail } from '../model/user.js';
import type { UserPlan } from './plan.js';

/**
 * The dry run's prediction of the duplicate-email quarantines the real run will make: among the
 * users the plan creates, those whose address (the primary one, the one a target stores) another
 * created user already has. The real run moves the first and quarantines the others
 * (E_DUPLICATE_EMAIL); `--decisions` settles a group instead. Found from digests spilled to disk, as
 * assess does, so memory does not grow with the export.
 */
export interface PredictedQuarantines {
  /** Records the real run will quarantine as E_DUPLICATE_EMAIL (undecided duplicates). */
  duplicateEmail: number;
  groups: number;
  sample: { email: string; sourceIds: string[] }[];
}

const SAMPLE = 20;

export class DuplicatePredictor {
  readonly #files = new SpillFiles();
  readonly #fds: SpillFds = this.#files.open();
  readonly #spill = new DigestSpill(this.#fds);
  #n = 0;

  add(plan: UserPlan): void {
    if (plan.action !== 'create') return;
    const email = primaryEmail(plan.user);
    if (!email) return;
    const key = email.normalized || normalizeEmail(email.address);
    this.#spill.add(key, ++this.#n, `${email.address.length}:${email.address}${plan.user.sourceId}`);
  }

  finish(): PredictedQuarantines {
    try {
      const out: PredictedQuarantines = { duplicateEmail: 0, groups: 0, sample: [] };
      findRepeats([{ fds: this.#fds, written: this.#spill.finish(), part: 0, lineOffset: 0 }], (holders) => {
        out.groups++;
        out.duplicateEmail += holders.length - 1;
        if (out.sample.length < SAMPLE) {
          const labels = holders.slice(0, 10).map((h) => readLabel(h));
          const parsed = labels.map((l) => {
            const colon = l.indexOf(':');
            const length = Number(l.slice(0, colon));
            return { email: l.slice(colon + 1, colon + 1 + length), sourceId: l.slice(colon + 1 + length) };
          });
          out.sample.push({ email: parsed[0]!.email, sourceIds: parsed.map((p) => p.sourceId) });
        }
      });
      return out;
    } finally {
      this.#files.close();
    }
  }

  close(): void {
    this.#files.close();
  }
}
