/**
 * A JSON document `{"<section>": [...], ...}` written page by page so that a run killed at any
 * point (kill -9 included) can continue where it stopped: the records go to `<out>.partial`, and
 * after each page `<out>.partial.json` (the checkpoint) says how many bytes of it are whole, which
 * section is open, how many records each holds, and the caller's cursor (its page position). A
 * resumed run cuts the file back to the checkpoint's length, so a page written after the last
 * checkpoint is written once, again, never twice. `finish` closes the document and renames it to
 * `<out>`. Only one page is ever held in memory.
 */
import { open, readFile, rename, rm, stat, writeFile, type FileHandle } from 'node:fs/promises';
import { FlaglessError } from '../../protocol/errors.js';

export interface DumpCheckpoint<C> {
  version: 1;
  /** Whose API was read (`clerk`), and from where: a resume must read the same thing. */
  vendor: string;
  origin: string;
  sections: string[];
  /** Index in `sections` of the open one. */
  open: number;
  counts: Record<string, number>;
  /** Bytes of `<out>.partial` that hold whole pages. */
  bytes: number;
  cursor: C;
}

export function partialPath(out: string): string {
  return `${out}.partial`;
}
export function checkpointPath(out: string): string {
  return `${out}.partial.json`;
}

async function readCheckpoint<C>(out: string): Promise<DumpCheckpoint<C> | undefined> {
  let text: string;
  try {
    text = await readFile(checkpointPath(out), 'utf8');
  } catch {
    return undefined;
  }
  try {
    const cp = JSON.parse(text) as DumpCheckpoint<C>;
    return cp && cp.version === 1 && typeof cp.bytes === 'number' ? cp : undefined;
  } catch {
    return undefined; // a checkpoint is replaced by rename, so a torn one means it is not ours
  }
}

export class ResumableJsonDump<C> {
  readonly out: string;
  readonly resumed: boolean;
  #handle: FileHandle;
  #cp: DumpCheckpoint<C>;

  private constructor(out: string, handle: FileHandle, cp: DumpCheckpoint<C>, resumed: boolean) {
    this.out = out;
    this.#handle = handle;
    this.#cp = cp;
    this.resumed = resumed;
  }

  /**
   * Opens the dump: continues from the checkpoint a stopped run left (same vendor, origin and
   * sections), or starts a new one. A checkpoint for another vendor or origin is refused rather
   * than mixed in or thrown away.
   */
  static async open<C>(out: string, identity: { vendor: string; origin: string; sections: string[] }, start: C): Promise<ResumableJsonDump<C>> {
    const cp = await readCheckpoint<C>(out);
    if (cp && (cp.vendor !== identity.vendor || cp.origin !== identity.origin || cp.sections.join() !== identity.sections.join())) {
      throw new FlaglessError(
        'E_USAGE',
        `${checkpointPath(out)} belongs to an unfinished export of ${cp.vendor} from ${cp.origin}, not ${identity.vendor} from ${identity.origin}: finish that one, or delete ${partialPath(out)} and its checkpoint to start over.`,
      );
    }
    let size = -1;
    try {
      size = (await stat(partialPath(out))).size;
    } catch {
      // no partial file
    }
    if (cp && size >= cp.bytes) {
      const handle = await openFile(partialPath(out), 'r+');
      await handle.truncate(cp.bytes);
      return new ResumableJsonDump(out, handle, cp, true);
    }
    const fresh: DumpCheckpoint<C> = {
      version: 1,
      ...identity,
      open: 0,
      counts: Object.fromEntries(identity.sections.map((s) => [s, 0])),
      bytes: 0,
      cursor: start,
    };
    const handle = await openFile(partialPath(out), 'w');
    const dump = new ResumableJsonDump(out, handle, fresh, false);
    await dump.#append(`{"${identity.sections[0]}": [`);
    await dump.#commit(start);
    return dump;
  }

  get cursor(): C {
    return this.#cp.cursor;
  }
  /** The open section's name. */
  get section(): string {
    return this.#cp.sections[this.#cp.open]!;
  }
  get counts(): Record<string, number> {
    return { ...this.#cp.counts };
  }

  /**
   * Appends a page of records to `section` (closing the sections before it), then records `next`
   * as where to continue. Records are the vendor's own JSON, one a line.
   */
  async writePage(section: string, records: readonly unknown[], next: C): Promise<void> {
    const at = this.#cp.sections.indexOf(section);
    if (at < this.#cp.open) throw new Error(`the dump's section ${section} is already closed`);
    let text = '';
    while (this.#cp.open < at) {
      text += `${this.#cp.counts[this.section] ? '\n' : ''}],\n"${this.#cp.sections[this.#cp.open + 1]}": [`;
      this.#cp.open++;
    }
    let n = this.#cp.counts[section] ?? 0;
    for (const r of records) text += `${n++ > 0 ? ',' : ''}\n${JSON.stringify(r)}`;
    this.#cp.counts[section] = n;
    await this.#append(text);
    await this.#commit(next);
  }

  /** Closes the document and renames it to `out`; the checkpoint goes. */
  async finish(): Promise<void> {
    let text = '';
    for (;;) {
      text += `${this.#cp.counts[this.section] ? '\n' : ''}]`;
      if (this.#cp.open === this.#cp.sections.length - 1) break;
      this.#cp.open++;
      text += `,\n"${this.section}": [`;
    }
    await this.#append(`${text}}\n`);
    await this.#handle.sync();
    await this.#handle.close();
    await rename(partialPath(this.out), this.out);
    await rm(checkpointPath(this.out), { force: true });
  }

  /** Leaves the partial file and its checkpoint for a later run. */
  async close(): Promise<void> {
    await this.#handle.close().catch(() => undefined);
  }

  async #append(text: string): Promise<void> {
    const buf = Buffer.from(text, 'utf8');
    await this.#handle.write(buf, 0, buf.length, this.#cp.bytes);
    this.#cp.bytes += buf.length;
  }

  /** The page is on disk before the checkpoint says so; the checkpoint is replaced whole. */
  async #commit(next: C): Promise<void> {
    this.#cp.cursor = next;
    await this.#handle.datasync();
    const tmp = `${checkpointPath(this.out)}.tmp`;
    await writeFile(tmp, JSON.stringify(this.#cp));
    await rename(tmp, checkpointPath(this.out));
  }
}

async function openFile(path: string, flags: string): Promise<FileHandle> {
  try {
    return await open(path, flags);
  } catch (e) {
    throw new FlaglessError('E_USAGE', `cannot write ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}.`);
  }
}
