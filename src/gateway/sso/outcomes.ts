import type { Logger } from 'pino';
import { otherSide, type SsoEvent, type SsoFlip, type SsoSide, type SsoStore } from '../../state/sso/types.js';
import type { SsoAutoRollback } from './config.js';
import type { FlagCache } from './flags.js';
import type { SsoMetrics } from './metrics.js';

/**
 * Per connection, flip and side: responses and starts routed, logins completed and failed. Kept
 * in memory and added to the shared store every `flushMs` (a request never waits on it; a failed
 * flush keeps the counts for the next one), so `sso status` and auto-rollback see every
 * instance's traffic.
 *
 * Auto-rollback: after each flush, a connection whose logins at the side it was flipped to have
 * failed at `rate` or more since the flip, over at least `minSample` logins there, is flipped
 * back to the other side, whole (no rollout), as `auto-rollback`. Only a manual flip is rolled
 * back (never a rollback), and only if it is still the current flip when the rollback is written
 * (several instances judging at once write one rollback).
 */
export class OutcomeLog {
  readonly #pending = new Map<string, number>();
  readonly #touched = new Set<string>();
  readonly #timer: NodeJS.Timeout;
  #flushing: Promise<void> | undefined;

  constructor(
    private readonly store: SsoStore,
    private readonly flags: FlagCache,
    private readonly metrics: SsoMetrics,
    private readonly log: Logger,
    private readonly opts: { flushMs: number; autoRollback?: SsoAutoRollback; instance: string },
  ) {
    this.#timer = setInterval(() => void this.flush(), opts.flushMs);
    this.#timer.unref();
  }

  add(connection: string, side: SsoSide, event: SsoEvent): void {
    const flipId = this.flags.get(connection)?.flipId ?? '';
    const k = JSON.stringify([connection, flipId, side, event]);
    this.#pending.set(k, (this.#pending.get(k) ?? 0) + 1);
    if (event === 'completed' || event === 'failed') this.#touched.add(connection);
  }

  flush(): Promise<void> {
    this.#flushing ??= this.#flush().finally(() => (this.#flushing = undefined));
    return this.#flushing;
  }

  async #flush(): Promise<void> {
    if (this.#pending.size > 0) {
      const batch = [...this.#pending.entries()];
      this.#pending.clear();
      try {
        await this.store.addCounts(
          batch.map(([k, n]) => {
            const [connection, flipId, side, event] = JSON.parse(k) as [string, string, SsoSide, SsoEvent];
            return { connection, flipId, side, event, n };
          }),
        );
      } catch {
        // Put them back: the next flush adds them (the store was unreachable for a moment).
        for (const [k, n] of batch) this.#pending.set(k, (this.#pending.get(k) ?? 0) + n);
        return;
      }
    }
    if (!this.opts.autoRollback || this.#touched.size === 0) return;
    const connections = [...this.#touched];
    this.#touched.clear();
    for (const c of connections) await this.#judge(c, this.opts.autoRollback).catch((e) => this.log.warn({ connection: c, error: (e as Error).message }, 'sso auto-rollback check failed'));
  }

  async #judge(connection: string, rule: SsoAutoRollback): Promise<void> {
    const flag = this.flags.get(connection);
    if (!flag || !flag.flipId) return;
    const counts = (await this.store.counts(connection, flag.flipId))[flag.side];
    const seen = counts.completed + counts.failed;
    if (seen < rule.minSample || counts.failed / seen < rule.rate) return;
    const [last] = await this.store.flips(connection, 1);
    if (!last || last.id !== flag.flipId || last.reason !== 'manual') return;
    const flip: SsoFlip | undefined = await this.store.flip({
      connection,
      to: otherSide(flag.side),
      who: `auto-rollback (${this.opts.instance})`,
      reason: 'auto-rollback',
      ifFlipId: flag.flipId,
    });
    if (!flip) return;
    this.metrics.autoRollbacks.inc({ connection });
    this.log.warn(
      { connection, from: flip.from, to: flip.to, failed: counts.failed, logins: seen, rate: Number((counts.failed / seen).toFixed(3)), threshold: rule.rate, flip: flip.id },
      `sso: ${connection} flipped back to ${flip.to}: ${counts.failed} of ${seen} logins at ${flag.side} failed since the flip (threshold ${rule.rate})`,
    );
    await this.flags.refresh();
  }

  async close(): Promise<void> {
    clearInterval(this.#timer);
    await this.flush();
  }
}
