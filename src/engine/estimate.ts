import type { TargetCapabilities } from '../protocol/capabilities.js';
import type { PlanReport } from './plan-report.js';

/**
 * How long the import takes at the target's limit: the calculation the field guides ask teams to
 * do by hand (requests ÷ rate). Counted from the plan: one write per user created or updated (a
 * target with bulk creates takes `batchSize` users a write), organization and membership; one read
 * per organization (looked up before it is created, names not being unique keys). Reads are paced
 * by their own bucket where the target limits them apart, so the slower of the two sets the time.
 * A floor, not a promise: 429s, retries and crash recovery add to it.
 */
export interface ImportEstimate {
  writes: number;
  reads: number;
  /** Writes per second the run paces itself at (--rate, else the documented limit, else flagless's default). */
  writeRate: number;
  readRate?: number;
  /** The target documents its limit (otherwise the rate is flagless's own pace). */
  documented: boolean;
  seconds: number;
  /** "about 52 min at 50 writes/s" */
  text: string;
}

export function estimateImport(plan: PlanReport, caps: TargetCapabilities, opts: { rate?: number; fallbackRate: number }): ImportEstimate {
  const users = plan.users.create;
  const userWrites = caps.batchSize > 1 ? Math.ceil(users / caps.batchSize) : users;
  const factorWrites = (caps.factorWrites ?? 0) * plan.mfaFactors.onCreate;
  const writes = userWrites + factorWrites + plan.users.update + plan.organizations.create + plan.organizations.update + plan.memberships.create + plan.memberships.update;
  const reads = plan.organizations.create;
  const documented = caps.rateLimitPerSecond !== undefined;
  const writeRate = opts.rate ?? caps.rateLimitPerSecond ?? opts.fallbackRate;
  const readRate = caps.readRateLimitPerSecond;
  const seconds = readRate !== undefined ? Math.max(writes / writeRate, reads / readRate) : (writes + reads) / writeRate;
  const text = `about ${duration(seconds)} at ${formatRate(writeRate)} writes/s${documented || opts.rate !== undefined ? '' : " (the target documents no limit: flagless's own pace)"}`;
  return { writes, reads, writeRate, ...(readRate !== undefined ? { readRate } : {}), documented, seconds: Math.round(seconds * 10) / 10, text };
}

function formatRate(r: number): string {
  return Number.isInteger(r) ? String(r) : r.toFixed(1);
}

/** 40 s, 52 min, 3 h 10 min: rounded up, the way a team plans a window. */
export function duration(seconds: number): string {
  if (seconds < 60) return `${Math.max(1, Math.ceil(seconds))} s`;
  const minutes = Math.ceil(seconds / 60);
  if (minutes < 60) return `${minutes} min`;
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  return m ? `${h} h ${m} min` : `${h} h`;
}
