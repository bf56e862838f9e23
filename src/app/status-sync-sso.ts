import type { SyncStats } from '../state/sync/stats.js';
import type { StatusCheck } from './status.js';

/**
 * `flagless status`'s checks of webhook sync and of the SSO cutover, over the numbers their stores
 * give (sync: the inbox's counters, lag and last delivery per vendor; SSO: each connection's flag).
 * Pure: status.ts reads the stores and passes what they hold.
 */

/** What the sync store reports: its own statistics type, not a copy of it. */
export type SyncNumbers = SyncStats;

/** One SSO connection's flag as the cutover proxy's store holds it. */
export interface SsoConnectionNumbers {
  name: string;
  side: 'legacy' | 'target';
  percent?: number;
  domains?: string[];
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

function make(name: string, reasons: string[], notes: string[], counts: StatusCheck['counts'], okSummary: string): StatusCheck {
  const ok = reasons.length === 0;
  return { name, state: ok ? 'ok' : 'attention', ok, summary: ok ? okSummary : `${plural(reasons.length, 'thing')} left`, reasons, notes, counts };
}

export function syncCheck(s: SyncNumbers): StatusCheck {
  const r: string[] = [];
  if (s.quarantined) r.push(`${plural(s.quarantined, 'change')} from the legacy provider failed to apply after retries (users whose latest state is not at the target): see the quarantined sync events, fix them, then \`flagless sync reconcile\``);
  if (s.pending) r.push(`${plural(s.pending, 'change')} received and not yet applied (sync lag): wait for the gateway to apply them, or check that \`flagless serve --sync\` is running`);
  const notes: string[] = [];
  if (s.received === 0) notes.push('no sync event was ever received or reconciled in this state');
  else notes.push(`${s.applied} applied, ${s.duplicate} duplicate deliveries, ${s.outOfOrder} out of order, ${s.failed} failed attempts${s.lagP99Ms !== undefined ? `; lag p50 ${s.lagP50Ms} ms, p99 ${s.lagP99Ms} ms` : ''}`);
  return make(
    'sync',
    r,
    notes,
    { received: s.received, applied: s.applied, pending: s.pending, quarantined: s.quarantined, failedAttempts: s.failed, lagP50Ms: s.lagP50Ms ?? null, lagP99Ms: s.lagP99Ms ?? null },
    s.received === 0 ? 'nothing to apply' : 'every change received is applied',
  );
}

/** Deliveries silent for longer than expected (`--expect-webhooks-every`); without an expectation, only notes. */
export function webhooksCheck(s: SyncNumbers, expectEverySeconds: number | undefined, now: Date): StatusCheck {
  const r: string[] = [];
  const notes: string[] = [];
  const vendors = Object.entries(s.perVendorLastEventAt).sort(([a], [b]) => a.localeCompare(b));
  for (const [vendor, at] of vendors) {
    const silentS = Math.max(0, Math.round((now.getTime() - Date.parse(at)) / 1000));
    if (expectEverySeconds !== undefined && silentS > expectEverySeconds) r.push(`${vendor}: no webhook for ${silentS} s (expected at least every ${expectEverySeconds} s): check the endpoint and secret at ${vendor}, then \`flagless sync reconcile --from ${vendor} --api\` for what was missed`);
    else notes.push(`${vendor}: last webhook ${at}`);
  }
  if (vendors.length === 0) {
    if (expectEverySeconds !== undefined) r.push(`no webhook was ever received (expected at least every ${expectEverySeconds} s): check that the legacy provider sends them to \`flagless serve --sync\``);
    else notes.push('no webhook received; pass --expect-webhooks-every to require them');
  }
  return make('webhooks', r, notes, { vendors: vendors.length, lastEventAt: s.lastEventAt ?? null, expectEverySeconds: expectEverySeconds ?? null }, vendors.length ? 'deliveries are arriving' : 'no deliveries expected');
}

export function ssoCheck(connections: readonly SsoConnectionNumbers[]): StatusCheck {
  const left = connections.filter((c) => c.side !== 'target' || (c.percent !== undefined && c.percent < 100) || (c.domains !== undefined && c.domains.length > 0));
  const r = left.map((c) =>
    c.side !== 'target'
      ? `SSO connection ${c.name} still goes to the legacy provider: \`flagless sso flip ${c.name} --to target\` once it is set up at the target`
      : `SSO connection ${c.name} is cut over only in part (${c.percent !== undefined ? `${c.percent} %` : ''}${c.domains?.length ? ` domains ${c.domains.join(', ')}` : ''}): finish its rollout`,
  );
  const notes = connections.length === 0 ? ['no SSO connection is known to the cutover proxy in this state'] : [];
  return make('sso', r, notes, { connections: connections.length, notCutOver: left.length }, connections.length ? `${plural(connections.length, 'connection')} cut over` : 'no SSO connections to cut over');
}
