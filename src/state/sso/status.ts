import type { SsoCounts, SsoFlag, SsoFlip, SsoSide, SsoStore } from './types.js';

/** One connection as `sso status` and the dashboard show it: its flag, last flip and counts since. */
export interface SsoConnectionState {
  name: string;
  /** The side the flag names (with a rollout: the side the matching users go to). */
  side: SsoSide;
  /** No flag yet: the connection is on the proxy's default side. */
  flagged: boolean;
  percent?: number;
  domains?: string[];
  lastFlip?: SsoFlip;
  /** Counts since the last flip (or since the start, without one), across every instance. */
  sinceFlip: SsoCounts;
}

/**
 * Reads every connection's state from the store: the flagged ones, plus `names` (the connections
 * a proxy is configured with) not flagged yet, on `defaultSide`.
 */
export async function readSsoStatus(store: SsoStore, names: readonly string[] = [], defaultSide: SsoSide = 'legacy'): Promise<SsoConnectionState[]> {
  const flags = new Map<string, SsoFlag>((await store.flags()).map((f) => [f.connection, f]));
  const all = [...new Set([...names, ...flags.keys()])].sort();
  const out: SsoConnectionState[] = [];
  for (const name of all) {
    const f = flags.get(name);
    const s: SsoConnectionState = { name, side: f?.side ?? defaultSide, flagged: Boolean(f), sinceFlip: await store.counts(name, f?.flipId ?? '') };
    if (f?.percent !== undefined) s.percent = f.percent;
    if (f?.domains) s.domains = f.domains;
    if (f?.flipId) {
      const [last] = await store.flips(name, 1);
      if (last) s.lastFlip = last;
    }
    out.push(s);
  }
  return out;
}
