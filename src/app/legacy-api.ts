import { FlaglessError } from '../protocol/errors.js';
import type { LegacyVerifier } from '../protocol/legacy.js';
import type { SourceVendor } from '../protocol/source.js';
import { loadSourceModule } from './open-source.js';

/**
 * The vendor's login API as a legacy verifier, from the environment, through the source
 * connector's own `legacy` factory; undefined (or E_USAGE when `required`) when its credentials
 * are not set. `url` overrides the API's base URL.
 */
export async function legacyApiVerifier(vendor: SourceVendor, url: string | undefined, env: Record<string, string | undefined>, required: boolean): Promise<LegacyVerifier | undefined> {
  const legacy = (await loadSourceModule(vendor)).source.legacy;
  if (!legacy) {
    if (required) throw new FlaglessError('E_USAGE', `--legacy api: flagless has no login API for ${vendor}; give the export (--file) and use --legacy export.`);
    return undefined;
  }
  const opened = await legacy.open({ env, ...(url ? { apiUrl: url } : {}) });
  if ('verifier' in opened) return opened.verifier;
  if (required) throw new FlaglessError('E_USAGE', `--legacy api for ${vendor} needs ${opened.missing} in the environment (${legacy.env}).`);
  return undefined;
}
