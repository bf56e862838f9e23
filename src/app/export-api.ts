import { FlaglessError } from '../protocol/errors.js';
import type { ExportApiOptions, ExportApiResult } from '../protocol/source.js';
import { loadSourceModule, type KnownSourceVendor } from './open-source.js';

export interface ExportSourceApiOptions extends ExportApiOptions {
  /** Whose API to save. */
  from: KnownSourceVendor;
}

/**
 * Saves a source vendor's API (users, organizations, memberships) to the JSON dump that
 * `--api-dump` reads, resumably: running it again after a stop continues from the checkpoint.
 */
export async function exportSourceApi(options: ExportSourceApiOptions): Promise<ExportApiResult & { displayName: string }> {
  const { from, ...rest } = options;
  const mod = await loadSourceModule(from);
  if (!mod.source.exportApi) {
    throw new FlaglessError('E_USAGE', `flagless cannot export ${mod.source.displayName}'s API yet; export --api supports clerk, auth0 and cognito.`);
  }
  const result = await mod.source.exportApi(rest);
  return { ...result, displayName: mod.source.displayName };
}
