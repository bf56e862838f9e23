import type { EntityKind } from '../state/ledger/types.js';

export type Phase = 'plan' | 'organizations' | 'users' | 'memberships' | 'done';

export interface Progress {
  phase: Phase;
  /** Records settled by this invocation (all kinds). */
  done: number;
  /** Records this invocation has to settle (known once the plan pass is over). */
  total: number | undefined;
  failures: number;
  /** Records settled per second over the last few seconds. */
  ratePerSecond: number;
  /** Seconds left at the current rate, when the total is known. */
  etaSeconds: number | undefined;
  /** Write requests sent to the target so far. */
  writes: number;
}

/** Samples counters every second and reports a smoothed rate and an ETA. */
export class ProgressMeter {
  phase: Phase = 'plan';
  total: number | undefined;
  readonly #samples: { t: number; done: number }[] = [];
  #timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly read: () => { processed: Record<EntityKind, number>; failed: Record<EntityKind, number>; writes: number },
    private readonly report: ((p: Progress) => void) | undefined,
    private readonly intervalMs = 1000,
  ) {}

  start(): void {
    if (!this.report || this.#timer) return;
    this.#timer = setInterval(() => this.emit(), this.intervalMs);
    this.#timer.unref();
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
  }

  snapshot(): Progress {
    const c = this.read();
    const done = c.processed.user + c.processed.organization + c.processed.membership;
    const failures = c.failed.user + c.failed.organization + c.failed.membership;
    const now = performance.now();
    this.#samples.push({ t: now, done });
    while (this.#samples.length > 2 && (this.#samples[0] as { t: number }).t < now - 10_000) this.#samples.shift();
    const first = this.#samples[0] as { t: number; done: number };
    const dt = (now - first.t) / 1000;
    const ratePerSecond = dt > 0 ? (done - first.done) / dt : 0;
    const left = this.total === undefined ? undefined : Math.max(0, this.total - done);
    return {
      phase: this.phase,
      done,
      total: this.total,
      failures,
      ratePerSecond,
      etaSeconds: left === undefined || ratePerSecond <= 0 ? undefined : left / ratePerSecond,
      writes: c.writes,
    };
  }

  emit(): void {
    this.report?.(this.snapshot());
  }
}

export function formatProgress(p: Progress): string {
  const total = p.total === undefined ? '' : `/${p.total}`;
  const eta = p.etaSeconds === undefined ? '' : `, ETA ${formatDuration(p.etaSeconds)}`;
  return `${p.phase}: ${p.done}${total} records, ${p.ratePerSecond.toFixed(1)}/s${eta}, ${p.failures} quarantined, ${p.writes} writes`;
}

export function formatDuration(s: number): string {
  if (s < 60) return `${Math.ceil(s)}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(Math.ceil(s % 60)).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}
