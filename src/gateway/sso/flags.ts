import { createHash } from 'node:crypto';
import type { SsoFlag, SsoSide, SsoStore } from '../../state/sso/types.js';
import { otherSide } from '../../state/sso/types.js';
import { withTimeout } from '../timeout.js';
import type { SsoMetrics } from './metrics.js';

/**
 * Every instance's view of the flags: read from the shared store in the background every
 * `ttlMs` (one one-row version read; the flags themselves only when a flip moved the version), so
 * a request never waits on the store and a flip reaches every instance within about `ttlMs`.
 * When the store cannot be read the last flags read stay in force (counted, and the age gauge
 * grows); before any read succeeded, every connection is on `defaultSide`.
 */
export class FlagCache {
  readonly #store: SsoStore;
  readonly #ttlMs: number;
  readonly #metrics: SsoMetrics;
  readonly #onError: (e: unknown) => void;
  #flags = new Map<string, SsoFlag>();
  #version = -1;
  #loadedAt = 0;
  #timer: NodeJS.Timeout | undefined;
  #inFlight: Promise<void> | undefined;
  #failing = false;

  constructor(store: SsoStore, opts: { ttlMs: number; metrics: SsoMetrics; onError?: (e: unknown) => void }) {
    this.#store = store;
    this.#ttlMs = opts.ttlMs;
    this.#metrics = opts.metrics;
    this.#onError = opts.onError ?? (() => undefined);
  }

  /** First read (failures tolerated), then the background refresh. */
  async start(): Promise<void> {
    await this.refresh();
    this.#timer = setInterval(() => void this.refresh(), this.#ttlMs);
    this.#timer.unref();
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
  }

  get(connection: string): SsoFlag | undefined {
    return this.#flags.get(connection);
  }

  get all(): SsoFlag[] {
    return [...this.#flags.values()];
  }

  /** Whether the last read failed (the flags in force may be stale). */
  get stale(): boolean {
    return this.#failing;
  }

  /** Reads the store now (after this instance flipped, and on the timer). */
  refresh(): Promise<void> {
    this.#inFlight ??= this.#load().finally(() => (this.#inFlight = undefined));
    return this.#inFlight;
  }

  async #load(): Promise<void> {
    // A store that hangs (a partition, not a refusal) must not stall every later refresh.
    const limit = Math.max(2000, this.#ttlMs * 4);
    try {
      const v = await withTimeout(this.#store.version(), limit, 'reading the SSO flags version');
      if (v !== this.#version) {
        const flags = await withTimeout(this.#store.flags(), limit, 'reading the SSO flags');
        this.#flags = new Map(flags.map((f) => [f.connection, f]));
        this.#version = v;
        this.#metrics.flagSide.reset();
        for (const f of flags) this.#metrics.flagSide.set({ connection: f.connection }, targetShare(f));
      }
      this.#loadedAt = Date.now();
      this.#failing = false;
      this.#metrics.flagsAge.set(0);
    } catch (e) {
      this.#metrics.flagStoreErrors.inc();
      if (this.#loadedAt) this.#metrics.flagsAge.set((Date.now() - this.#loadedAt) / 1000);
      if (!this.#failing) this.#onError(e);
      this.#failing = true;
    }
  }
}

function targetShare(f: SsoFlag): number {
  const share = f.percent !== undefined ? f.percent / 100 : 1;
  return f.side === 'target' ? share : f.percent !== undefined || f.domains ? 1 - share : 0;
}

/** What the proxy knows of the user a request is for (unverified: routing only). */
export interface RolloutSubject {
  /** An email address (login_hint, NameID in email format). */
  email?: string;
  /** Any stable user key (NameID, subject) when there is no email. */
  key?: string;
}

export type RolloutRule = 'default' | 'flag' | 'rollout_in' | 'rollout_out' | 'rollout_unknown';

/** Stable 0..99 bucket of a user within a connection. */
export function bucketOf(connection: string, key: string): number {
  return createHash('sha256').update(`${connection}\u0000${key.trim().toLowerCase()}`).digest().readUInt32BE(0) % 100;
}

/**
 * The side a request goes to under a flag. A rollout sends a user to the flag's side when they
 * match it (listed domain and bucket under the percentage, whichever are set); a user who does not
 * match, or who cannot be told (no email, no NameID), goes to the other side: where the whole
 * connection was before the partial flip.
 */
export function sideFor(connection: string, flag: SsoFlag | undefined, defaultSide: SsoSide, who: RolloutSubject = {}): { side: SsoSide; rule: RolloutRule } {
  if (!flag) return { side: defaultSide, rule: 'default' };
  if (flag.percent === undefined && !flag.domains) return { side: flag.side, rule: 'flag' };
  const key = who.email ?? who.key;
  if (!key) return { side: otherSide(flag.side), rule: 'rollout_unknown' };
  if (flag.domains) {
    const at = (who.email ?? '').lastIndexOf('@');
    const domain = at >= 0 ? who.email!.slice(at + 1).trim().toLowerCase() : undefined;
    if (!domain || !flag.domains.includes(domain)) return { side: otherSide(flag.side), rule: 'rollout_out' };
  }
  if (flag.percent !== undefined && bucketOf(connection, key) >= flag.percent) return { side: otherSide(flag.side), rule: 'rollout_out' };
  return { side: flag.side, rule: 'rollout_in' };
}
