import type { RunContext } from './run-context.js';
import type { EntityKind, Outcome } from '../state/ledger/types.js';

/**
 * The write-ahead marks of a batch request (users, organizations, memberships in bulk): committed
 * before the request is sent, settled after the target answered, one ledger statement each where
 * the store can (state/ledger/write-batches.ts: one row for the batch instead of one update of
 * each record), else per batch (markWritingMany / markDoneMany), else per record.
 */
export class BatchMark {
  readonly #ctx: RunContext;
  readonly #kind: EntityKind;
  /** The store's mark, when it keeps one row for the batch. */
  #id: string | undefined;

  constructor(ctx: RunContext, kind: EntityKind) {
    this.#ctx = ctx;
    this.#kind = kind;
  }

  /** Write-ahead: run as the request's `beforeSend`, after its permit and token. */
  async writing(sourceIds: readonly string[]): Promise<void> {
    const { store, runId } = this.#ctx;
    if (store.markBatchWriting && store.markBatchDone && store.expandBatch) this.#id = await store.markBatchWriting(runId, this.#kind, sourceIds);
    else if (store.markWritingMany) await store.markWritingMany(runId, this.#kind, sourceIds);
    else for (const id of sourceIds) await this.#ctx.markWriting(this.#kind, id);
  }

  /** After the target acknowledged: every record of the batch done. */
  async done(results: readonly { sourceId: string; targetId?: string; outcome: Outcome }[]): Promise<void> {
    const { store, runId, counts } = this.#ctx;
    if (this.#id !== undefined) await store.markBatchDone!(runId, this.#kind, this.#id, results);
    else if (store.markDoneMany) await store.markDoneMany(runId, this.#kind, results);
    else {
      for (const r of results) await this.#ctx.done(this.#kind, r.sourceId, r.targetId === undefined ? { outcome: r.outcome } : { targetId: r.targetId, outcome: r.outcome });
      return;
    }
    this.#id = undefined;
    counts.processed[this.#kind] += results.length;
  }

  /**
   * The request failed (or the run stops) after the mark: its records become `writing`, as
   * per-record marks would have left them, before any of them is moved one by one.
   */
  async failed(): Promise<void> {
    if (this.#id === undefined) return;
    const id = this.#id;
    this.#id = undefined;
    await this.#ctx.store.expandBatch!(this.#ctx.runId, this.#kind, id);
  }
}
