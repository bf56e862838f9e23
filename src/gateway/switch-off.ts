/**
 * The dashboard's "switch the legacy provider off?" card: the same checks `flagless status` makes
 * (app/status.ts computes them; app hands the gateway a function that does), shown as the verdict
 * and each check that is not ok with its reasons. The gateway only renders it.
 */
export interface SwitchOffCheck {
  name: string;
  state: 'ok' | 'attention' | 'unknown';
  summary: string;
  reasons: string[];
  notes: string[];
}

export interface SwitchOffReport {
  safeToSwitchOff: boolean;
  verdict: string;
  checks: SwitchOffCheck[];
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const COLOR = { ok: '#16a34a', attention: '#dc2626', unknown: '#d97706' } as const;

export function switchOffSection(r: SwitchOffReport | { error: string }): string {
  if ('error' in r) {
    return `<section data-testid="switch-off"><h2>Switch the legacy provider off?</h2><p class="verdict" data-testid="switch-off-verdict">unknown: ${esc(r.error)}</p></section>`;
  }
  const rows = r.checks
    .map(
      (c) =>
        `<tr data-testid="check-${esc(c.name)}"><td>${esc(c.name)}</td><td style="color:${COLOR[c.state]};font-weight:600">${esc(c.state)}</td><td>${esc(c.summary)}${
          c.state === 'attention' && c.reasons.length ? `<ul>${c.reasons.map((x) => `<li>${esc(x)}</li>`).join('')}</ul>` : ''
        }${c.notes.length ? `<ul class="muted">${c.notes.map((x) => `<li>${esc(x)}</li>`).join('')}</ul>` : ''}</td></tr>`,
    )
    .join('\n');
  return `<section data-testid="switch-off"><h2>Switch the legacy provider off?</h2>
<p class="verdict" data-testid="switch-off-verdict" style="color:${r.safeToSwitchOff ? COLOR.ok : COLOR.attention}">${esc(r.safeToSwitchOff ? 'Safe to switch off: nothing is left.' : 'Not safe to switch off yet.')}</p>
<table class="breakdown"><thead><tr><th>check</th><th>state</th><th>what is left</th></tr></thead><tbody>
${rows}
</tbody></table><p class="muted">The same checks as <code>flagless status</code>; an unknown check is never safe.</p></section>`;
}
