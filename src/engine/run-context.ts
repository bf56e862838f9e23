import type { TargetCapabilities } from '../protocol/capabilities.js';
import type { Target } from '../protocol/target.js';
import type { PlanOptions } from './plan.js';
import type { Requester } from './request.js';
import type { Failure, RetryPolicy } from './retry.js';
import type { EntityKind, Outcome, StateStore } from '../state/ledger/types.js';

export type OnConflict = 'link' | 'skip' | 'fail';

/** What one `migrate` invocation settled, by entity (the ledger holds the cumulative totals). */
export interface InvocationCounts {
  processed: Record<EntityKind, number>;
  failed: Record<EntityKind, number>;
}

/** Everything the apply steps share. Settling a record goes through `done`/`fail` so counts stay true. */
export class RunContext {
  constructor(
    readonly runId: string,
    readonly store: StateStore,
    readonly target: Target,
    readonly capabilities: TargetCapabilities,
    readonly requester: Requester,
    readonly plan: PlanOptions,
    readonly onConflict: OnConflict,
    readonly policy: RetryPolicy,
    readonly counts: InvocationCounts,
  ) {}

  markWriting(kind: EntityKind, sourceId: string): Promise<void> {
    return this.store.markWriting(this.runId, kind, sourceId);
  }

  async done(kind: EntityKind, sourceId: string, result: { targetId?: string; outcome: Outcome }): Promise<void> {
    await this.store.markDone(this.runId, kind, sourceId, result);
    this.counts.processed[kind]++;
  }

  async fail(kind: EntityKind, sourceId: string, f: { code: Failure['code'] | string; message: string }): Promise<void> {
    await this.store.markFailed(this.runId, kind, sourceId, { code: f.code, message: f.message });
    this.counts.processed[kind]++;
    this.counts.failed[kind]++;
  }
}
