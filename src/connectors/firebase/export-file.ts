/**
 * Opening an export file for a streaming reader: the checks that must fail at once with a clear
 * error (missing, unreadable, a directory, empty), its first bytes for sniffing, and its text as a
 * stream of chunks. A gzipped file (`users.json.gz`) is read through gunzip transparently.
 */
import { createReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { FlaglessError } from '../../protocol/errors.js';

const CHUNK_BYTES = 1 << 20;

function unreadable(path: string, what: string, e: unknown): FlaglessError {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  const why = code === 'ENOENT' ? 'it does not exist' : code === 'EACCES' || code === 'EPERM' ? 'permission denied' : code === 'EISDIR' ? 'it is a directory' : (code ?? 'read error');
  return new FlaglessError('E_INPUT_UNREADABLE', `cannot read the ${what} ${path}: ${why}.`, { cause: e });
}

async function isGzipped(path: string): Promise<boolean> {
  const fh = await open(path, 'r');
  try {
    const { buffer, bytesRead } = await fh.read(Buffer.alloc(2), 0, 2, 0);
    return bytesRead === 2 && buffer[0] === 0x1f && buffer[1] === 0x8b;
  } finally {
    await fh.close();
  }
}

export interface ExportFile {
  path: string;
  gzipped: boolean;
}

/** Fails with E_INPUT_UNREADABLE or E_INPUT_EMPTY before anything is read. */
export async function openExportFile(path: string, what: string): Promise<ExportFile> {
  let size: number;
  let gzipped = false;
  try {
    const s = await stat(path);
    if (s.isDirectory()) throw Object.assign(new Error('directory'), { code: 'EISDIR' });
    size = s.size;
    if (size > 0) gzipped = await isGzipped(path); // also proves the file can be opened for reading
  } catch (e) {
    throw unreadable(path, what, e);
  }
  if (size === 0) throw new FlaglessError('E_INPUT_EMPTY', `the ${what} ${path} is empty.`);
  return { path, gzipped };
}

function textStream(file: ExportFile, range?: { end: number }): Readable {
  const raw = createReadStream(file.path, { highWaterMark: CHUNK_BYTES, ...(range && !file.gzipped ? { start: 0, end: range.end } : {}) });
  const bytes = file.gzipped ? raw.pipe(createGunzip()) : raw;
  if (file.gzipped) raw.on('error', (e) => bytes.destroy(e));
  bytes.setEncoding('utf8'); // a StringDecoder: multi-byte characters split across chunks stay whole
  return bytes;
}

/** The first `chars` characters of the text (less if the file is shorter). */
export async function readHead(file: ExportFile, what: string, chars = 64 * 1024): Promise<string> {
  const stream = textStream(file, { end: chars * 4 });
  let head = '';
  try {
    for await (const chunk of stream) {
      head += chunk as string;
      if (head.length >= chars) break;
    }
  } catch (e) {
    if (head === '') throw unreadable(file.path, what, e);
  } finally {
    stream.destroy();
  }
  return head.charCodeAt(0) === 0xfeff ? head.slice(1) : head;
}

/** The whole text, chunk by chunk (about 1 MiB each). Read errors become E_INPUT_UNREADABLE. */
export async function* readTextChunks(file: ExportFile, what: string): AsyncGenerator<string> {
  const stream = textStream(file);
  try {
    for await (const chunk of stream) yield chunk as string;
  } catch (e) {
    throw unreadable(file.path, what, e);
  } finally {
    stream.destroy();
  }
}
