import type { DashboardCounts, SeriesPoint } from '../state/gateway/types.js';
import { legacyBreakdown } from './legacy-breakdown.js';
import { switchOffSection, type SwitchOffReport } from './switch-off.js';

/**
 * The dashboard: one self-contained HTML page (no script, no external asset), rendered on the
 * server from the state store, refreshed every 30 s. It answers "can the legacy provider be
 * switched off yet?": users still on legacy, users moved by bulk import, by JIT and lazily over
 * time, and login failures by reason. Only counts are shown, never an identifier.
 */
export interface DashboardLabels {
  legacy: string;
  target: string;
  state: string;
}

function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

const COLORS = { legacy: '#c2410c', bulk: '#2563eb', jit: '#16a34a', lazy: '#9333ea' } as const;
const REASON_COLORS: Record<string, string> = {
  invalid_credentials: '#f59e0b',
  rate_limited: '#ef4444',
  disabled: '#6b7280',
  conflict: '#a855f7',
  legacy_unavailable: '#dc2626',
  target_unavailable: '#b91c1c',
  state_unavailable: '#7f1d1d',
  busy: '#0ea5e9',
};

interface Line {
  name: string;
  color: string;
  points: number[];
}

/** Cumulative counts per bucket (`YYYY-MM-DDTHH`) over the union of buckets. */
function cumulative(buckets: string[], series: SeriesPoint[]): number[] {
  const at = new Map(series.map((p) => [p.bucket, p.count]));
  let sum = 0;
  return buckets.map((b) => (sum += at.get(b) ?? 0));
}

function lineChart(buckets: string[], lines: Line[]): string {
  const W = 760;
  const H = 260;
  const left = 56;
  const right = 16;
  const top = 16;
  const bottom = 40;
  const max = Math.max(1, ...lines.flatMap((l) => l.points));
  const n = Math.max(1, buckets.length - 1);
  const x = (i: number) => left + ((W - left - right) * (buckets.length === 1 ? 0.5 : i / n));
  const y = (v: number) => top + (H - top - bottom) * (1 - v / max);
  const grid = [0, 0.25, 0.5, 0.75, 1]
    .map((f) => {
      const v = Math.round(max * f);
      return `<line x1="${left}" x2="${W - right}" y1="${y(v)}" y2="${y(v)}" stroke="#e5e7eb"/><text x="${left - 6}" y="${y(v) + 4}" text-anchor="end" font-size="11" fill="#6b7280">${v}</text>`;
    })
    .join('');
  const step = Math.max(1, Math.ceil(buckets.length / 6));
  const ticks = buckets
    .map((b, i) => (i % step === 0 || i === buckets.length - 1 ? `<text x="${x(i)}" y="${H - bottom + 16}" text-anchor="middle" font-size="11" fill="#6b7280">${esc(b.slice(5).replace('T', ' '))}h</text>` : ''))
    .join('');
  const paths = lines
    .map((l) => {
      const d = l.points.map((v, i) => `${i === 0 ? 'M' : 'L'}${x(i).toFixed(1)},${y(v).toFixed(1)}`).join(' ');
      const dots = l.points.length === 1 ? `<circle cx="${x(0)}" cy="${y(l.points[0]!)}" r="4" fill="${l.color}"/>` : '';
      return `<path d="${d}" fill="none" stroke="${l.color}" stroke-width="2.5" data-series="${esc(l.name)}"/>${dots}`;
    })
    .join('');
  const legend = lines
    .map((l, i) => `<rect x="${left + i * 170}" y="${H - 14}" width="12" height="12" fill="${l.color}"/><text x="${left + i * 170 + 18}" y="${H - 4}" font-size="12">${esc(l.name)}</text>`)
    .join('');
  return `<svg role="img" aria-label="users over time" data-testid="chart-progress" viewBox="0 0 ${W} ${H}" width="100%" height="${H}">${grid}${ticks}${paths}${legend}</svg>`;
}

function barChart(items: { reason: string; count: number }[]): string {
  if (items.length === 0) return '<p class="muted" data-testid="no-failures">No failed logins in the last 24 hours.</p>';
  const W = 760;
  const row = 26;
  const H = items.length * row + 8;
  const max = Math.max(1, ...items.map((i) => i.count));
  const labelW = 170;
  const bars = items
    .map((it, k) => {
      const w = ((W - labelW - 60) * it.count) / max;
      const yy = 4 + k * row;
      return `<text x="${labelW - 8}" y="${yy + 16}" text-anchor="end" font-size="12">${esc(it.reason)}</text><rect x="${labelW}" y="${yy + 3}" width="${w.toFixed(1)}" height="18" fill="${REASON_COLORS[it.reason] ?? '#64748b'}" data-reason="${esc(it.reason)}"/><text x="${labelW + w + 6}" y="${yy + 16}" font-size="12">${it.count}</text>`;
    })
    .join('');
  return `<svg role="img" aria-label="failures by reason" data-testid="chart-failures" viewBox="0 0 ${W} ${H}" width="100%" height="${H}">${bars}</svg>`;
}

function card(id: string, label: string, value: string, color?: string): string {
  return `<div class="card"${color ? ` style="border-top-color:${color}"` : ''}><div class="label">${esc(label)}</div><div class="value" data-testid="${id}">${esc(value)}</div></div>`;
}

function breakdownSection(data: DashboardCounts): string {
  const groups = legacyBreakdown(data);
  if (!groups) return '';
  const rows = groups
    .map((g) => `<tr data-testid="legacy-${g.key}"><td>${esc(g.label)}</td><td class="num">${esc(String(g.count))}</td><td>${esc(g.action)}</td></tr>`)
    .join('\n');
  return `<section><h2>Still on legacy, and what moves them</h2>
<table class="breakdown"><thead><tr><th>why</th><th class="num">users</th><th>what moves them</th></tr></thead><tbody>
${rows}
</tbody></table></section>`;
}

/** `sections`: extra panels (already HTML), shown after the failures (the SSO proxy's). */
export function renderDashboard(data: DashboardCounts, labels: DashboardLabels, now: Date = new Date(), switchOff?: SwitchOffReport | { error: string }, sections: readonly string[] = []): string {
  const jit = data.byRoute.jit;
  const completed = data.byRoute.completed;
  const lazy = data.byRoute.lazy;
  const total = data.legacyTotal;
  const remaining = total !== undefined ? Math.max(0, total - data.migrated) : undefined;
  const pct = total ? Math.min(100, (100 * data.migrated) / total) : undefined;

  const moved = [...new Set([...data.series.bulk, ...data.series.jit, ...data.series.completed, ...data.series.lazy].map((p) => p.bucket))].sort();
  // The hour before the first move (everyone still on legacy) and the current hour frame the lines.
  const hour = (d: Date) => d.toISOString().slice(0, 13);
  const buckets = moved.length ? [hour(new Date(Date.parse(`${moved[0]}:00:00Z`) - 3600_000)), ...moved] : [];
  if (buckets.length && buckets[buckets.length - 1]! < hour(now)) buckets.push(hour(now));
  const bulkC = cumulative(buckets, data.series.bulk);
  const jitC = cumulative(buckets, [...data.series.jit, ...data.series.completed]);
  const lazyC = cumulative(buckets, data.series.lazy);
  const lines: Line[] = [];
  if (total !== undefined) lines.push({ name: 'still on legacy', color: COLORS.legacy, points: buckets.map((_, i) => Math.max(0, total - bulkC[i]! - jitC[i]! - lazyC[i]!)) });
  lines.push({ name: 'bulk import', color: COLORS.bulk, points: bulkC }, { name: 'JIT at login', color: COLORS.jit, points: jitC }, { name: 'pulled by target', color: COLORS.lazy, points: lazyC });

  const verdict =
    remaining === undefined
      ? 'The number of legacy users is unknown (no export or migration plan): counts show moves only.'
      : remaining === 0
        ? switchOff
          ? 'Every user is on the target; whether the legacy provider can be switched off is below.'
          : 'Every user is on the target: the legacy provider can be switched off.'
        : `${remaining} users have not signed in since the move began; import their hashes with \`flagless migrate\` or plan a password reset before switching the legacy provider off.`;

  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta http-equiv="refresh" content="30">
<title>flagless gateway · migration progress</title>
<style>
 body{font:14px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0;background:#f8fafc;color:#0f172a}
 header{background:#0f172a;color:#f8fafc;padding:16px 28px}
 header h1{margin:0;font-size:20px} header p{margin:4px 0 0;color:#cbd5e1}
 main{padding:20px 28px;max-width:1100px}
 .cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(160px,1fr));gap:12px;margin-bottom:20px}
 .breakdown{border-collapse:collapse;width:100%;background:#fff}.breakdown td,.breakdown th{border:1px solid #e2e8f0;padding:6px 8px;text-align:left;vertical-align:top}.breakdown .num{text-align:right}
 .card{background:#fff;border:1px solid #e2e8f0;border-top:4px solid #94a3b8;border-radius:8px;padding:12px}
 .label{color:#64748b;font-size:12px;text-transform:uppercase;letter-spacing:.04em} .value{font-size:26px;font-weight:600}
 section{background:#fff;border:1px solid #e2e8f0;border-radius:8px;padding:16px;margin-bottom:18px}
 h2{font-size:16px;margin:0 0 10px} .muted{color:#64748b} .verdict{font-weight:500}
 progress{width:100%;height:14px}
</style></head>
<body>
<header><h1>flagless gateway · migration progress</h1>
<p>${esc(labels.legacy)} → ${esc(labels.target)} · state: ${esc(labels.state)} · ${esc(now.toISOString().slice(0, 19).replace('T', ' '))} UTC</p></header>
<main>
<div class="cards">
${card('total', 'Legacy users', total === undefined ? '—' : String(total))}
${card('remaining', 'Still on legacy', remaining === undefined ? '—' : String(remaining), COLORS.legacy)}
${card('bulk', 'Bulk import', String(data.bulk), COLORS.bulk)}
${card('jit', 'JIT at login', String(jit), COLORS.jit)}
${card('completed', 'Completed at login', String(completed), COLORS.jit)}
${card('lazy', 'Pulled by target', String(lazy), COLORS.lazy)}
${card('migrated', 'On the target', String(data.migrated))}
</div>
<section><h2>Progress</h2>
${pct !== undefined ? `<progress data-testid="progress" max="100" value="${pct.toFixed(1)}"></progress><p>${pct.toFixed(1)} % of users are on the target.</p>` : ''}
<p class="verdict" data-testid="verdict">${esc(verdict)}</p></section>
${switchOff ? switchOffSection(switchOff) : ''}
${breakdownSection(data)}
<section><h2>Users over time (cumulative, per hour)</h2>
${buckets.length ? lineChart(buckets, lines) : '<p class="muted" data-testid="no-moves">No user has moved yet.</p>'}</section>
<section><h2>Login failures by reason (last 24 hours)</h2>
${barChart(data.failures)}</section>
${sections.join('\n')}
</main></body></html>`;
}
