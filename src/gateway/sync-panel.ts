import type { SyncStats } from '../state/sync/store.js';

function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** The dashboard's sync panel: counts and lag only, never an identifier. */
export function renderSyncPanel(s: SyncStats): string {
  const cell = (id: string, label: string, value: string) =>
    `<div class="card" data-testid="sync-${id}"><div class="label">${esc(label)}</div><div class="value">${esc(value)}</div></div>`;
  const ms = (v: number | undefined) => (v === undefined ? '—' : v < 1000 ? `${v} ms` : `${(v / 1000).toFixed(1)} s`);
  const vendors = Object.entries(s.perVendorLastEventAt)
    .map(([v, at]) => `${esc(v)}: ${esc(at.slice(0, 19).replace('T', ' '))} UTC`)
    .join(' · ');
  return `<section data-testid="sync"><h2>Sync from the legacy provider</h2>
<div class="cards">
${cell('received', 'Events received', String(s.received))}
${cell('applied', 'Applied', String(s.applied))}
${cell('duplicate', 'Duplicates', String(s.duplicate))}
${cell('out-of-order', 'Out of order', String(s.outOfOrder))}
${cell('failed', 'Failed attempts', String(s.failed))}
${cell('quarantined', 'Quarantined', String(s.quarantined))}
${cell('pending', 'Pending', String(s.pending))}
${cell('lag-p50', 'Lag p50', ms(s.lagP50Ms))}
${cell('lag-p99', 'Lag p99', ms(s.lagP99Ms))}
</div>
<p class="muted">${vendors ? `Last event: ${vendors}` : 'No event received yet.'}</p></section>`;
}
