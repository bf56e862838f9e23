import type { SsoStatus } from './proxy.js';

/**
 * The dashboard's SSO panel: one row per connection (its side and rollout, the last flip, what
 * was routed and how logins ended at each side since, certificate expiry). Counts and names only;
 * a failure rate over the auto-rollback threshold and a certificate within 30 days are marked.
 */
function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

export function renderSsoPanel(s: SsoStatus): string {
  const rows = s.connections
    .map((c) => {
      const rollout = [c.percent !== undefined ? `${c.percent} %` : '', c.domains ? c.domains.join(', ') : ''].filter(Boolean).join(' · ');
      const flip = c.lastFlip ? `${c.lastFlip.from} → ${c.lastFlip.to} · ${c.lastFlip.at.slice(0, 19).replace('T', ' ')} · ${c.lastFlip.who} · ${c.lastFlip.reason}` : '—';
      const at = c.sinceFlip[c.side];
      const seen = at.completed + at.failed;
      const rate = seen ? at.failed / seen : 0;
      const hot = s.autoRollback && seen > 0 && rate >= s.autoRollback.rate;
      const cert = c.certificateExpiresInDays === undefined ? '—' : `${c.certificateExpiresInDays} d`;
      const certHot = c.certificateExpiresInDays !== undefined && c.certificateExpiresInDays < 30;
      const counts = (side: 'legacy' | 'target') => {
        const x = c.sinceFlip[side];
        return `${x.response} / ${x.start} / ${x.completed} / ${x.failed}`;
      };
      return `<tr data-testid="sso-${esc(c.name)}"><td>${esc(c.name)}</td><td>${esc(c.protocol)}</td><td data-side="${c.side}"><b>${esc(c.side)}</b>${rollout ? ` (${esc(rollout)})` : ''}${c.flagged ? '' : ' · default'}</td><td>${esc(flip)}</td><td class="num">${counts('legacy')}</td><td class="num">${counts('target')}</td><td class="num"${hot ? ' style="color:#b91c1c;font-weight:600"' : ''}>${seen ? `${(100 * rate).toFixed(1)} % of ${seen}` : '—'}</td><td class="num"${certHot ? ' style="color:#b91c1c;font-weight:600"' : ''}>${esc(cert)}</td></tr>`;
    })
    .join('\n');
  const note = s.flagsStale ? '<p class="verdict" style="color:#b91c1c" data-testid="sso-stale">The state store cannot be read: routing with the last flags read.</p>' : '';
  const rb = s.autoRollback ? `Auto-rollback at ${(100 * s.autoRollback.rate).toFixed(1)} % failed logins (over at least ${s.autoRollback.minSample}) since a flip.` : 'Auto-rollback is off.';
  return `<section data-testid="sso-panel"><h2>SSO connections (cutover proxy)</h2>${note}
<p class="muted">Counts since each connection's last flip, across every gateway instance: responses routed / starts / logins completed / failed. ${esc(rb)}</p>
<table class="breakdown"><thead><tr><th>connection</th><th>protocol</th><th>side</th><th>last flip</th><th class="num">legacy</th><th class="num">target</th><th class="num">failed at its side</th><th class="num">certificate</th></tr></thead><tbody>
${rows}
</tbody></table></section>`;
}

/** The page an SSO-only gateway serves at /dashboard. */
export function renderSsoPage(s: SsoStatus, now: Date = new Date()): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta http-equiv="refresh" content="30">
<title>flagless gateway · SSO cutover</title>
<style>
 body{font:14px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0;background:#f8fafc;color:#0f172a}
 header{background:#0f172a;color:#f8fafc;padding:16px 28px} header h1{margin:0;font-size:20px} header p{margin:4px 0 0;color:#cbd5e1}
 main{padding:20px 28px;max-width:1100px}
 section{background:#fff;border:1px solid #e2e8f0;border-radius:8px;padding:16px;margin-bottom:18px} h2{font-size:16px;margin:0 0 10px} .muted{color:#64748b}
 .breakdown{border-collapse:collapse;width:100%;background:#fff}.breakdown td,.breakdown th{border:1px solid #e2e8f0;padding:6px 8px;text-align:left;vertical-align:top}.breakdown .num{text-align:right}
</style></head>
<body><header><h1>flagless gateway · SSO cutover</h1><p>${esc(now.toISOString().slice(0, 19).replace('T', ' '))} UTC</p></header>
<main>${renderSsoPanel(s)}</main></body></html>`;
}
