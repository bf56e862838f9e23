import { withArticle } from './report/english.js';
import { open as openFile, stat } from 'node:fs/promises';
import { notAFile } from '../lib/io/export-file.js';
import { SOURCE_MODULES, loadAllSources, type SourceModule } from '../connectors/index.js';
import { FlaglessError } from '../protocol/errors.js';
import { SOURCE_VENDORS, type Source, type SourceOptions, type SourceVendor } from '../protocol/source.js';
import type { FlagValues } from './spec.js';

function str(v: FlagValues[string]): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

/** The source options the shared source flags (`--from --file --passwords ...`) describe. */
export function sourceOptionsFromFlags(flags: FlagValues, env: Record<string, string | undefined> = process.env): SourceOptions {
  const options: SourceOptions = { env };
  const file = str(flags.file);
  if (file) options.file = file;
  const passwords = str(flags.passwords);
  if (passwords) options.passwords = passwords;
  const hashConfig = str(flags['hash-config']);
  if (hashConfig) options.hashConfig = hashConfig;
  const apiDump = str(flags['api-dump']);
  if (apiDump) options.apiDump = apiDump;
  const apiUrl = str(flags['source-url']);
  if (apiUrl) options.apiUrl = apiUrl;
  if (flags.api === true) options.api = true;
  if (!options.file && !options.api) {
    throw new FlaglessError('E_USAGE', 'say where the users are: --file <export> (or --api to read from the vendor API).');
  }
  if (options.file && options.api) {
    throw new FlaglessError('E_USAGE', '--file and --api are exclusive: read either an export file or the live API.');
  }
  return options;
}

export function sourceVendorFromFlags(flags: FlagValues): SourceVendor {
  const from = str(flags.from);
  if (!from || !(SOURCE_VENDORS as readonly string[]).includes(from)) {
    throw new FlaglessError('E_USAGE', `--from must be one of ${SOURCE_VENDORS.join(', ')}.`);
  }
  return from as SourceVendor;
}

export async function loadSourceModule(vendor: SourceVendor): Promise<SourceModule> {
  return SOURCE_MODULES[vendor]();
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
 * and name the right `--from`: the commonest mistake, and a confusing one if it shows up as
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

/** Opens the source the flags describe. Errors in the input surface on the first read. */
export async function openSource(flags: FlagValues, env: Record<string, string | undefined> = process.env): Promise<Source> {
  const vendor = sourceVendorFromFlags(flags);
  const options = sourceOptionsFromFlags(flags, env);
  if (options.file) await checkVendorOfFile(vendor, options.file);
  const mod = await loadSourceModule(vendor);
  return mod.source.open(options);
}
