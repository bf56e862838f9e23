import type { SsoInventoryResult } from '../../app/sso-inventory.js';
import { SSO_PROXY_THRESHOLD } from '../../protocol/sso.js';
import { esc, table } from './html.js';

/** The SSO section of the assess HTML report (`assess --sso-inventory <file>`). No secret is in an inventory. */
export function renderSsoHtmlSection(r: SsoInventoryResult): string {
  const inv = r.inventory;
  const rows = inv.connections.map((c) => [
    c.name,
    `${c.protocol} (${c.kind})`,
    c.idp.entityId ?? c.idp.issuer ?? '?',
    c.idp.certificates.map((x) => `${x.fingerprintSha256} · ${x.notAfter ?? 'unparsed'}${r.attention.some((a) => a.connection === c.name && a.fingerprintSha256 === x.fingerprintSha256) ? ' · NEEDS ATTENTION' : ''}`).join('\n') || '-',
    c.domains.join(', ') || '-',
    c.organizations.length,
    c.usersInExport ?? '-',
    c.protocol === 'saml' ? `ACS ${c.legacySp.acsUrl ?? '?'}\nSP ${c.legacySp.entityId ?? '?'}` : `callback ${c.legacySp.callbackUrl ?? '?'}`,
  ]);
  const path = inv.recommendedPath === 'proxy' ? `the cutover proxy (${inv.connections.length} ≥ ${SSO_PROXY_THRESHOLD} connections)` : `Admin Portal handoff links (${inv.connections.length} < ${SSO_PROXY_THRESHOLD} connections)`;
  return `<h2 id="sso">Enterprise SSO connections (${esc(inv.connections.length)} at ${esc(inv.vendor)})</h2>
<p class="muted">Inventory taken ${esc(inv.takenAt)}. Recommended path: ${esc(path)}.</p>
${table(['connection', 'protocol', 'IdP entity ID / issuer', 'signing certificates (SHA-256 · not after)', 'domains', 'organizations', 'users', 'what the IdP points at today'], rows)}
${r.attention.length ? `<p class="bad">${r.attention.map((a) => esc(`${a.connection}: certificate ${a.fingerprintSha256} ${a.state === 'expired' ? 'expired' : 'expires'} ${a.notAfter}`)).join('<br>')}</p>` : ''}
${r.warnings.length ? `<p class="muted">${r.warnings.map(esc).join('<br>')}</p>` : ''}`;
}
