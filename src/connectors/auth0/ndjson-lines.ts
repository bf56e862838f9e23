import { createReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { FlaglessError } from '../../protocol/errors.js';

export interface NdjsonLine {
  /** 1-based line number in the (decompressed) file. */
  line: number;
  text: string;
}

const GZIP_MAGIC = [0x1f, 0x8b];

/**
 * Fails early, with a message a user can act on, when `path` cannot be read as an input file:
 * missing, not a file, no permission (E_INPUT_UNREADABLE) or zero bytes (E_INPUT_EMPTY).
 * Returns whether the file is gzipped (the users-export job delivers `<tenant>.json.gz`).
 */
export async function checkInputFile(path: string, what: string): Promise<{ gzipped: boolean }> {
  let info;
  try {
    info = await stat(path);
  } catch (e) {
    throw new FlaglessError('E_INPUT_UNREADABLE', `cannot read the ${what} ${path}: ${reason(e)}.`, { cause: e });
  }
  if (!info.isFile() && !info.isFIFO()) throw new FlaglessError('E_INPUT_UNREADABLE', `cannot read the ${what} ${path}: it is not a file.`);
  if (info.isFile() && info.size === 0) throw new FlaglessError('E_INPUT_EMPTY', `the ${what} ${path} is empty.`);
  if (!info.isFile()) return { gzipped: false };
  let handle;
  try {
    handle = await open(path, 'r');
    const head = Buffer.alloc(2);
    const { bytesRead } = await handle.read(head, 0, 2, 0);
    return { gzipped: bytesRead === 2 && head[0] === GZIP_MAGIC[0] && head[1] === GZIP_MAGIC[1] };
  } catch (e) {
    throw new FlaglessError('E_INPUT_UNREADABLE', `cannot read the ${what} ${path}: ${reason(e)}.`, { cause: e });
  } finally {
    await handle?.close();
  }
}

function reason(e: unknown): string {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'EISDIR') return 'it is a directory';
  return code ?? (e instanceof Error ? e.message : String(e));
}

/**
 * Streams an NDJSON file line by line (node:readline over a read stream, gunzipping on the fly),
 * counting every line, blank ones included, so problems point at the line an editor shows.
 * Blank lines are skipped. Constant memory whatever the file size.
 */
export async function* readNdjsonLines(path: string, what: string): AsyncGenerator<NdjsonLine> {
  const { gzipped } = await checkInputFile(path, what);
  const file = createReadStream(path);
  const input: Readable = gzipped ? file.pipe(createGunzip()) : file;
  let failure: unknown;
  const rl = createInterface({ input, crlfDelay: Infinity });
  const fail = (e: unknown) => {
    failure ??= e;
    rl.close();
  };
  file.on('error', fail);
  input.on('error', fail);
  let line = 0;
  let nonBlank = 0;
  try {
    for await (let text of rl) {
      line++;
      if (line === 1 && text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      if (text.trim() === '') continue;
      nonBlank++;
      yield { line, text };
    }
  } finally {
    rl.close();
    file.destroy();
  }
  if (failure) {
    throw new FlaglessError('E_INPUT_UNREADABLE', `reading the ${what} ${path} failed after line ${line}: ${reason(failure)}.`, { cause: failure });
  }
  if (nonBlank === 0) throw new FlaglessError('E_INPUT_EMPTY', `the ${what} ${path} has no records (only blank lines).`);
}
