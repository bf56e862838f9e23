import type { GenerateOptions, GenerateResult } from '../protocol/generate.js';
import type { KnownSourceVendor } from './open-source.js';
import { loadSourceModule } from './open-source.js';

export interface GenerateExportOptions extends Omit<GenerateOptions, 'seed'> {
  /** Whose export format to write. */
  from: KnownSourceVendor;
  /** Same seed, same export (default 1). */
  seed?: number | string;
}

export type GeneratedExport = GenerateResult & {
  /** The vendor's display name (`Clerk`). */
  displayName: string;
};

/** Writes a synthetic export in a vendor's own format, with known plaintext passwords and (unless `clean`) the traps real exports have. */
export async function generate(options: GenerateExportOptions): Promise<GeneratedExport> {
  const { from, seed, ...rest } = options;
  const mod = await loadSourceModule(from);
  const result = await mod.generate({ ...rest, seed: seed ?? 1 });
  return { ...result, displayName: mod.source.displayName };
}
