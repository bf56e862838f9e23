/**
 * Opening an export file for a streaming reader: the checks that must fail at once with an error a
 * user can act on (missing, unreadable, not a file: E_INPUT_UNREADABLE; zero bytes:
 * E_INPUT_EMPTY), its first characters for sniffing, and its content as a stream of text or byte
 * chunks. A gzipped file (`users.json.gz`, what Auth0's export job delivers) is read through
 * gunzip transparently, whatever its name. Vendor-free: every source reader opens files here.
 */
import { createReadStream } from 'node:fs';
import { open, stat, type FileHandle } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { FlaglessError } from '../../protocol/errors.js';

const CHUNK_BYTES = 1 << 16;

export interface ExportFile {
  path: string;
  /** What the file is, for messages: `the <what> <path> is empty.` */
  what: string;
  gzipped: boolean;
}

function reasonOf(e: unknown): string {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'EISDIR') return 'it is a directory, not a file';
  return code ?? (e instanceof Error ? e.message : String(e));
}

/**
 * A pipe, socket or device where a file is needed. An export is read more than once (its head to
 * know the format, then the records; assess again for repeated ids; migrate to plan and to
 * apply), which a stream cannot give.
 */
export function notAFile(path: string, what: string): FlaglessError {
  return new FlaglessError(
    'E_INPUT_UNREADABLE',
    `cannot read the ${what} ${path}: it is a pipe or a device, not a file, and flagless reads an export more than once. Save it to a file first (a gzipped export can be given as it is).`,
  );
}

/** `cannot read the <what> <path><where>: <why>.` as E_INPUT_UNREADABLE. */
export function unreadable(path: string, what: string, e: unknown, where = ''): FlaglessError {
  return new FlaglessError('E_INPUT_UNREADABLE', `cannot read the ${what} ${path}${where}: ${reasonOf(e)}.`, { cause: e });
}

async function startsWithGzipMagic(path: string): Promise<boolean> {
  const fh = await open(path, 'r');
  try {
    const { buffer, bytesRead } = await fh.read(Buffer.alloc(2), 0, 2, 0);
    return bytesRead === 2 && buffer[0] === 0x1f && buffer[1] === 0x8b;
  } finally {
    await fh.close();
  }
}

/** Fails with E_INPUT_UNREADABLE or E_INPUT_EMPTY before anything is read. */
export async function openExportFile(path: string, what: string): Promise<ExportFile> {
  let info;
  try {
    info = await stat(path);
  } catch (e) {
    throw unreadable(path, what, e);
  }
  if (info.isDirectory()) throw unreadable(path, what, Object.assign(new Error('directory'), { code: 'EISDIR' }));
  if (!info.isFile()) throw notAFile(path, what);
  if (info.size === 0) throw new FlaglessError('E_INPUT_EMPTY', `the ${what} ${path} is empty.`);
  try {
    return { path, what, gzipped: await startsWithGzipMagic(path) }; // also proves it opens for reading
  } catch (e) {
    throw unreadable(path, what, e);
  }
}

/** `end` is exclusive here (createReadStream's is inclusive); ranges apply to plain files only. */
function byteStream(file: ExportFile, options: { start?: number; end?: number; chunkBytes?: number } = {}): Readable {
  const ranged = !file.gzipped && (options.start !== undefined || options.end !== undefined);
  if (file.gzipped && options.start) throw new Error('export-file: a gzipped file cannot be read from the middle');
  const raw = createReadStream(file.path, {
    highWaterMark: options.chunkBytes ?? CHUNK_BYTES,
    ...(ranged ? { start: options.start ?? 0, ...(options.end !== undefined ? { end: options.end - 1 } : {}) } : {}),
  });
  if (!file.gzipped) return raw;
  const bytes = raw.pipe(createGunzip());
  raw.on('error', (e) => bytes.destroy(e));
  return bytes;
}

function textStream(file: ExportFile, range?: { start?: number; end?: number }): Readable {
  const text = byteStream(file, range ?? {});
  text.setEncoding('utf8'); // a StringDecoder: multi-byte characters split across chunks stay whole
  return text;
}

/** The first `chars` characters of the text (less if the file is shorter), without a BOM. */
export async function readHead(file: ExportFile, chars = 64 * 1024): Promise<string> {
  const stream = textStream(file, { end: chars * 4 });
  let head = '';
  try {
    for await (const chunk of stream) {
      head += chunk as string;
      if (head.length >= chars) break;
    }
  } catch (e) {
    // A corrupt gzip stream after the first bytes is reported by the full read.
    if (head === '') throw unreadable(file.path, file.what, e);
  } finally {
    stream.destroy();
  }
  return head.charCodeAt(0) === 0xfeff ? head.slice(1) : head;
}

/** E_INPUT_EMPTY when the head is nothing but whitespace. */
export function requireText(file: ExportFile, head: string): void {
  if (head.trim() === '') throw new FlaglessError('E_INPUT_EMPTY', `the ${file.what} ${file.path} has nothing but whitespace.`);
}

/** Opens the file and reads its head for sniffing; E_INPUT_EMPTY when the head is only whitespace. */
export async function openWithHead(path: string, what: string, chars?: number): Promise<{ file: ExportFile; head: string }> {
  const file = await openExportFile(path, what);
  const head = await readHead(file, chars);
  requireText(file, head);
  return { file, head };
}

/**
 * The whole text, chunk by chunk (about 1 MiB each), or bytes [start, end) of a plain file (which
 * must start and end between characters). Read errors become E_INPUT_UNREADABLE.
 */
export async function* readTextChunks(file: ExportFile, range?: { start?: number; end?: number }): AsyncGenerator<string> {
  const stream = textStream(file, range);
  try {
    for await (const chunk of stream) yield chunk as string;
  } catch (e) {
    throw unreadable(file.path, file.what, e);
  } finally {
    stream.destroy();
  }
}

/**
 * Bytes [start, end) of a file that is not gzipped (the whole file without a range), as views
 * into one of two buffers: the next chunk is read while the caller works on this one, so the
 * thread never waits for the disk when the file is cached. A view is valid until the generator is
 * resumed. Read errors become E_INPUT_UNREADABLE.
 */
export async function* readPlainByteChunks(file: ExportFile, range?: { start?: number; end?: number }, chunkBytes = PLAIN_CHUNK_BYTES): AsyncGenerator<Buffer> {
  if (file.gzipped) throw new Error('export-file: readPlainByteChunks reads plain files only');
  let handle: FileHandle;
  try {
    handle = await open(file.path, 'r');
  } catch (e) {
    throw unreadable(file.path, file.what, e);
  }
  const buffers = [Buffer.allocUnsafe(chunkBytes), Buffer.allocUnsafe(chunkBytes)];
  // Read at explicit offsets, so a range stops at its end.
  let position = range?.start ?? 0;
  const end = range?.end;
  const readInto = (buffer: Buffer): Promise<number> => {
    const length = end === undefined ? buffer.length : Math.min(buffer.length, end - position);
    if (length <= 0) return Promise.resolve(0);
    return handle.read(buffer, 0, length, position).then(({ bytesRead }) => {
      position += bytesRead;
      return bytesRead;
    });
  };
  try {
    let which = 0;
    let pending = readInto(buffers[0]!);
    for (;;) {
      const bytesRead = await pending;
      if (bytesRead === 0) break;
      const current = buffers[which]!;
      which ^= 1;
      pending = readInto(buffers[which]!);
      // The read ahead may fail while the caller works: it is awaited (and reported) next turn.
      pending.catch(() => undefined);
      yield current.subarray(0, bytesRead);
    }
  } catch (e) {
    throw unreadable(file.path, file.what, e);
  } finally {
    await handle.close().catch(() => undefined);
  }
}

const PLAIN_CHUNK_BYTES = 1 << 18;

/** The whole content as bytes (gunzipped), for readers that cut records themselves. */
export async function* readByteChunks(file: ExportFile, chunkBytes = 256 * 1024): AsyncGenerator<Buffer> {
  const stream = byteStream(file, { chunkBytes });
  try {
    for await (const chunk of stream) yield chunk as Buffer;
  } catch (e) {
    throw unreadable(file.path, file.what, e);
  } finally {
    stream.destroy();
  }
}

/** The whole text at once, for small side files (a hash config, an API dump read whole). */
export async function readWholeText(file: ExportFile): Promise<string> {
  const parts: string[] = [];
  for await (const chunk of readTextChunks(file)) parts.push(chunk);
  const text = parts.join('');
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}
