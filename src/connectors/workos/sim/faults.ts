/**
 * Fault injection for the WorkOS simulator.
 *
 * Spec: comma-separated `kind=probability` pairs plus `latency=<duration>`, for example
 * `5xx=0.1,timeout=0.02,reset=0.02,reset-after-commit=0.01,latency=20ms` or `latency=5-40ms`.
 *
 * Kinds, each decided once per API request (at most one fault per request):
 * - `5xx`: answer 500 (JSON), 502 (an HTML gateway page) or 503 (JSON) WITHOUT applying the request;
 * - `timeout`: hold the request, never answer, apply nothing (the client's timeout fires);
 * - `reset`: destroy the socket before applying anything;
 * - `5xx-after-commit`, `timeout-after-commit`, `reset-after-commit`: the same, but AFTER the request
 *   was applied: the write is in the store while the client sees a failure. These are the cases an
 *   exactly-once importer must resolve by looking the record up before it retries.
 */

export const FAULT_KINDS = ['5xx', 'timeout', 'reset', '5xx-after-commit', 'timeout-after-commit', 'reset-after-commit'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export interface FaultSpec {
  rates: Partial<Record<FaultKind, number>>;
  /** Added delay per request, in milliseconds, uniform in [min, max]. */
  latencyMs: { min: number; max: number };
}

export const NO_FAULTS: FaultSpec = { rates: {}, latencyMs: { min: 0, max: 0 } };

function parseDuration(text: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s)?$/.exec(text.trim());
  if (!m) throw new Error(`bad duration "${text}" (use e.g. 20ms or 1s)`);
  const n = Number(m[1]);
  return m[2] === 's' ? n * 1000 : n;
}

/** Parses a fault spec; throws Error with a readable message on a bad spec. */
export function parseFaultSpec(spec: string | undefined): FaultSpec {
  const out: FaultSpec = { rates: {}, latencyMs: { min: 0, max: 0 } };
  if (!spec || spec.trim() === '') return out;
  let total = 0;
  for (const part of spec.split(',')) {
    const item = part.trim();
    if (item === '') continue;
    const eq = item.indexOf('=');
    if (eq < 0) throw new Error(`fault "${item}" needs a value (kind=probability)`);
    const key = item.slice(0, eq).trim();
    const value = item.slice(eq + 1).trim();
    if (key === 'latency') {
      const range = value.split(/-(?=\d)/);
      const unit = /(ms|s)$/.exec(value)?.[1] ?? 'ms';
      const lo = parseDuration(range.length === 2 && !/(ms|s)$/.test(range[0]!) ? range[0] + unit : range[0]!);
      const hi = range.length === 2 ? parseDuration(range[1]!) : lo;
      if (hi < lo) throw new Error(`latency range "${value}" is reversed`);
      out.latencyMs = { min: lo, max: hi };
      continue;
    }
    if (!(FAULT_KINDS as readonly string[]).includes(key)) {
      throw new Error(`unknown fault "${key}" (known: ${FAULT_KINDS.join(', ')}, latency)`);
    }
    const p = Number(value);
    if (!Number.isFinite(p) || p < 0 || p > 1) throw new Error(`fault probability for ${key} must be between 0 and 1; got "${value}"`);
    out.rates[key as FaultKind] = p;
    total += p;
  }
  if (total > 1) throw new Error(`fault probabilities add up to ${total}, more than 1`);
  return out;
}

/** mulberry32: small, seedable, good enough to make fault runs reproducible. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Picks at most one fault for a request. */
export function pickFault(spec: FaultSpec, random: () => number): FaultKind | undefined {
  const r = random();
  let acc = 0;
  for (const kind of FAULT_KINDS) {
    const p = spec.rates[kind] ?? 0;
    if (p <= 0) continue;
    acc += p;
    if (r < acc) return kind;
  }
  return undefined;
}

export function pickLatency(spec: FaultSpec, random: () => number): number {
  const { min, max } = spec.latencyMs;
  if (max <= 0) return 0;
  return min + (max - min) * random();
}

export function describeFaultSpec(spec: FaultSpec): string {
  const parts = FAULT_KINDS.filter((k) => (spec.rates[k] ?? 0) > 0).map((k) => `${k}=${spec.rates[k]}`);
  if (spec.latencyMs.max > 0) {
    parts.push(spec.latencyMs.min === spec.latencyMs.max ? `latency=${spec.latencyMs.min}ms` : `latency=${spec.latencyMs.min}-${spec.latencyMs.max}ms`);
  }
  return parts.length ? parts.join(',') : 'none';
}
