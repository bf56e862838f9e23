/**
 * Every wrong-credentials answer takes as long as the slowest kind of them (issue 13): an unknown
 * identifier, a wrong password of a user still on the legacy side and a wrong password of a user
 * already on the target go through different code (a decoy verification, the user's own legacy
 * hash, the target's login API), and without this the answer's time told them apart (measured:
 * a migrated user's wrong password answered 61 ms sooner than the others, bench/README.md).
 *
 * The router reports each failure's natural duration by the route that answered it; each route
 * keeps a moving average, and a failure is padded to the largest average of any route (at least
 * `floorMs`, the legacy verifier's own reference). An answer slower than that is not delayed
 * further. Nothing here depends on who was asked about: only on the route that answered.
 */
export class FailureTiming {
  readonly #ema = new Map<string, number>();
  readonly #weight: number;
  readonly #capMs: number;

  /**
   * @param weight of the newest sample in the moving average (default 0.2)
   * @param capMs no failure is padded beyond this, whatever was observed (a stalled target must not
   *   make every failure slow; default 2 s)
   */
  constructor(opts: { weight?: number; capMs?: number } = {}) {
    this.#weight = opts.weight ?? 0.2;
    this.#capMs = opts.capMs ?? 2_000;
  }

  /** Records a failure's natural duration on `route`, and says how long to wait before answering. */
  observe(route: string, naturalMs: number, floorMs = 0): number {
    const prev = this.#ema.get(route);
    this.#ema.set(route, prev === undefined ? naturalMs : (1 - this.#weight) * prev + this.#weight * naturalMs);
    return Math.max(0, Math.min(this.#capMs, Math.max(floorMs, this.targetMs())) - naturalMs);
  }

  /** The duration failures are padded to now: the slowest route's average. */
  targetMs(): number {
    let max = 0;
    for (const v of this.#ema.values()) if (v > max) max = v;
    return max;
  }
}
