import type { SqlDriver } from '../driver.js';

/** What `flagless status`, `/metrics` and the dashboard show about sync. */
export interface SyncStats {
  /** Events accepted from vendors (retried deliveries included). */
  received: number;
  /** Events applied to the target (or to the flags/ledger). */
  applied: number;
  /** Deliveries of an event already in the inbox (vendor retries): not applied again. */
  duplicate: number;
  /** Events older than the state already applied (watermark), or that needed a fresh read of the source. */
  outOfOrder: number;
  /** Failed attempts (each retried with back-off until the bound). */
  failed: number;
  /** Events given up on after the bound, with their reason (see `quarantine()`). */
  quarantined: number;
  /** Events waiting (new or waiting for a retry). */
  pending: number;
  /** When the newest event was received (ISO 8601), any vendor. */
  lastEventAt?: string;
  /** Received → applied, over the last 10,000 settled events (ms). */
  lagP50Ms?: number;
  lagP99Ms?: number;
  perVendorLastEventAt: Record<string, string>;
}

function percentile(sorted: number[], q: number): number | undefined {
  if (sorted.length === 0) return undefined;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

/** Sync's numbers from the inbox and its counters (the tables must exist). */
export async function readSyncStats(d: SqlDriver): Promise<SyncStats> {
  const p = d.prefix;
  const counters = new Map(
    (await d.query<{ name: string; n: number | string }>(`SELECT name, n FROM ${p}sync_counters`)).map((r) => [r.name, Number(r.n)]),
  );
  const byState = new Map(
    (await d.query<{ state: string; n: number | string }>(`SELECT state, COUNT(*) AS n FROM ${p}sync_inbox GROUP BY state`)).map((r) => [r.state, Number(r.n)]),
  );
  const vendors = await d.query<{ vendor: string; last: number | string }>(`SELECT vendor, MAX(received_at_ms) AS last FROM ${p}sync_inbox GROUP BY vendor`);
  const lags = (
    await d.query<{ lag: number | string }>(
      `SELECT applied_at_ms - received_at_ms AS lag FROM ${p}sync_inbox WHERE applied_at_ms IS NOT NULL ORDER BY applied_at_ms DESC LIMIT 10000`,
    )
  )
    .map((r) => Number(r.lag))
    .sort((a, b) => a - b);
  const perVendorLastEventAt: Record<string, string> = {};
  let last = -Infinity;
  for (const v of vendors) {
    const ms = Number(v.last);
    perVendorLastEventAt[v.vendor] = new Date(ms).toISOString();
    last = Math.max(last, ms);
  }
  const p50 = percentile(lags, 0.5);
  const p99 = percentile(lags, 0.99);
  return {
    received: counters.get('received') ?? 0,
    applied: (byState.get('applied') ?? 0) + (byState.get('stale') ?? 0) + (byState.get('ignored') ?? 0),
    duplicate: counters.get('duplicate') ?? 0,
    outOfOrder: counters.get('out_of_order') ?? 0,
    failed: counters.get('failed') ?? 0,
    quarantined: byState.get('quarantined') ?? 0,
    pending: byState.get('pending') ?? 0,
    ...(Number.isFinite(last) ? { lastEventAt: new Date(last).toISOString() } : {}),
    ...(p50 !== undefined ? { lagP50Ms: p50 } : {}),
    ...(p99 !== undefined ? { lagP99Ms: p99 } : {}),
    perVendorLastEventAt,
  };
}
