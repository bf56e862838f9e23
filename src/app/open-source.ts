import { open as openFile, stat } from 'node:fs/promises';
import { SOURCE_MODULES, SOURCE_VENDORS, loadAllSources, type KnownSourceVendor, type SourceModule } from '../connectors/index.js';
import { withArticle } from '../lib/english.js';
import { notAFile } from '../lib/io/export-file.js';
import { FlaglessError } from '../protocol/errors.js';
import type { Source, SourceOptions, SourceVendor } from '../protocol/source.js';

export type { KnownSourceVendor };

/** Where the users come from: the vendor, and its export files or its API. */
export interface OpenSourceOptions extends SourceOptions {
  /** The source vendor: one of `sourceVendors()`. */
  from: KnownSourceVendor;
}

/** The source vendors this build knows: the keys of the connector registry. */
export function sourceVendors(): KnownSourceVendor[] {
  return [...SOURCE_VENDORS];
}

export function isSourceVendor(name: string | undefined): name is KnownSourceVendor {
  return name !== undefined && Object.prototype.hasOwnProperty.call(SOURCE_MODULES, name);
}

export async function loadSourceModule(vendor: SourceVendor): Promise<SourceModule> {
  if (!isSourceVendor(vendor)) throw new FlaglessError('E_USAGE', `the source vendor must be one of ${sourceVendors().join(', ')}; got "${String(vendor)}".`);
  return SOURCE_MODULES[vendor as KnownSourceVendor]();
}

async function readHead(path: string, bytes = 8192): Promise<string | undefined> {
  let handle;
  try {
    // Opening a pipe would wait for a writer, and reading its head would consume it.
    const info = await stat(path);
    if (!info.isFile()) {
      if (info.isDirectory()) return undefined;
      throw notAFile(path, 'export');
    }
    handle = await openFile(path, 'r');
  } catch (e) {
    if (e instanceof FlaglessError) throw e;
    return undefined; // the reader reports the unreadable path with its own message
  }
  try {
    const buf = Buffer.alloc(bytes);
    const { bytesRead } = await handle.read(buf, 0, bytes, 0);
    return buf.subarray(0, bytesRead).toString('utf8');
  } finally {
    await handle.close();
  }
}

/**
 * When the file is not `vendor`'s format but another connector recognises it, fail before reading
 * and name the right vendor: the commonest mistake, and a confusing one if it shows up as
 * thousands of parse problems.
 */
export async function checkVendorOfFile(vendor: SourceVendor, file: string): Promise<void> {
  const head = await readHead(file);
  if (!head || head.trim() === '') return;
  const modules = await loadAllSources();
  const own = modules.find((m) => m.source.vendor === vendor);
  if (own?.source.sniff(head)) return;
  const other = modules.find((m) => m.source.vendor !== vendor && m.source.sniff(head));
  if (other) {
    throw new FlaglessError(
      'E_WRONG_VENDOR',
      `${file} looks like ${withArticle(other.source.displayName)} export, not ${withArticle(own?.source.displayName ?? vendor)} one. Use --from ${other.source.vendor}.`,
    );
  }
}

/** The connector's own options, without `from`. */
export function sourceOptionsOf(options: OpenSourceOptions): SourceOptions {
  const { from: _from, ...rest } = options;
  return rest;
}

/**
 * Opens a source: an export file (checked to be `from`'s format first) or the vendor's API.
 * Errors in the input surface on the first read.
 */
export async function openSource(options: OpenSourceOptions): Promise<Source> {
  if (!options.file && !options.api) throw new FlaglessError('E_USAGE', 'say where the users are: a file (an export) or api: true (the vendor API).');
  if (options.file && options.api) throw new FlaglessError('E_USAGE', 'file and api are exclusive: read either an export file or the live API.');
  const mod = await loadSourceModule(options.from);
  if (options.file) await checkVendorOfFile(options.from, options.file);
  return mod.source.open(sourceOptionsOf(options));
}
