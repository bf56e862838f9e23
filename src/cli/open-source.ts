import { FlaglessError } from '../protocol/errors.js';
import { isSourceVendor, sourceVendors, type KnownSourceVendor, type OpenSourceOptions } from '../app/open-source.js';
import type { FlagValues } from './spec.js';

function str(v: FlagValues[string]): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

export function sourceVendorFromFlags(flags: FlagValues): KnownSourceVendor {
  const from = str(flags.from);
  if (!isSourceVendor(from)) {
    throw new FlaglessError('E_USAGE', `--from must be one of ${sourceVendors().join(', ')}.`);
  }
  return from;
}

/** The source the shared source flags (`--from --file --passwords ...`) describe, as app options. */
export function sourceFromFlags(flags: FlagValues, env: Record<string, string | undefined> = process.env): OpenSourceOptions {
  const options: OpenSourceOptions = { from: sourceVendorFromFlags(flags), env };
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
