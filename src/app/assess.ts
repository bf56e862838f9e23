import type { AssessReport } from '../engine/assess/assess.js';
import type { HashCostCeiling } from '../model/password/cost.js';
import { assessSource, defaultThreads } from './assess-source.js';
import { openSource, sourceOptionsOf, type OpenSourceOptions } from './open-source.js';

export interface AssessOptions {
  source: OpenSourceOptions;
  /** Threads that read a large export in parts (default: the machine's cores, at most 4). */
  threads?: number;
  /** Users read so far. */
  onProgress?: (users: number) => void;
  /** Hashes costlier than this are reported as E_HASH_COST (default DEFAULT_HASH_COST_CEILING). */
  hashCostCeiling?: HashCostCeiling;
}

/**
 * Reads a source once and reports what can move and what cannot (counts, hash algorithms, MFA,
 * duplicates, problems with line numbers, fit per target). Writes nowhere.
 */
export async function assess(options: AssessOptions): Promise<AssessReport> {
  const source = await openSource(options.source);
  return assessSource(source, options.source.from, sourceOptionsOf(options.source), {
    threads: options.threads ?? defaultThreads(),
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    ...(options.hashCostCeiling ? { hashCostCeiling: options.hashCostCeiling } : {}),
  });
}
