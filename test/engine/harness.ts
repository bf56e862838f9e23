import { join } from 'node:path';
import { migrate, type MigrateOptions } from '../../src/engine/run.js';
import { openStateStore } from '../../src/state/ledger/open.js';
import type { MigrateSummary } from '../../src/engine/summary.js';
import type { Source } from '../../src/protocol/source.js';
import type { Target } from '../../src/protocol/target.js';

/** Fast retries for tests: the policy's shape is what is tested, not its wall-clock length. */
export const FAST_RETRY = { maxAttempts: 5, maxRateLimited: 1000, backoff: { baseMs: 2, maxMs: 20 } };

export async function runMigrate(
  target: Target,
  source: Source,
  state: string,
  extra: Partial<MigrateOptions> = {},
): Promise<MigrateSummary> {
  const store = await openStateStore(state);
  try {
    return await migrate({
      source,
      runKey: 'clerk→fake',
      sourceFingerprint: 'memory',
      target,
      targetLabel: 'fake',
      store,
      concurrency: 4,
      rate: 5000,
      retry: FAST_RETRY,
      ...extra,
    });
  } finally {
    await store.close();
  }
}

export function statePath(dir: string, name = 'state.db'): string {
  return join(dir, name);
}
