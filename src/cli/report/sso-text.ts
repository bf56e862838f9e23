import type { SsoAttention, SsoInventoryResult } from '../../app/sso-inventory.js';
import { SSO_PROXY_THRESHOLD, type SsoConnection } from '../../protocol/sso.js';

/** Fixed-width text table (columns sized to their widest cell, capped). */
export function textTable(head: string[], rows: string[][], cap = 48): string {
  const cut = (s: string) => (s.length > cap ? `${s.slice(0, cap - 1)}…` : s);
  const all = [head, ...rows].map((r) => r.map(cut));
  const widths = head.map((_, i) => Math.max(...all.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) => r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  return [line(all[0]!), widths.map((w) => '-'.repeat(w)).join('  '), ...all.slice(1).map(line)].join('\n');
}

function certCell(c: SsoConnection, attention: SsoAttention[]): string {
  if (c.idp.certificates.length === 0) return c.protocol === 'oidc' ? '(jwks)' : 'none';
  return c.idp.certificates
    .map((x) => {
      const flag = attention.find((a) => a.connection === c.name && a.fingerprintSha256 === x.fingerprintSha256);
      const date = x.notAfter ? x.notAfter.slice(0, 10) : 'unparsed';
      return `${x.fingerprintSha256.slice(0, 11)}… ${date}${flag ? ` ${flag.state.toUpperCase()}` : ''}`;
    })
    .join('; ');
}

export function renderSsoInventoryText(r: SsoInventoryResult): string {
  const inv = r.inventory;
  const rows = inv.connections.map((c) => [
    c.name,
    `${c.protocol}/${c.kind}${c.enabled ? '' : ' (off)'}`,
    c.idp.entityId ?? c.idp.issuer ?? '?',
    certCell(c, r.attention),
    c.domains.join(' ') || '-',
    c.organizations.length ? String(c.organizations.length) : '-',
    c.usersInExport === undefined ? '-' : String(c.usersInExport),
    c.protocol === 'saml' ? `${c.legacySp.acsUrl ?? '?'} | ${c.legacySp.entityId ?? '?'}` : (c.legacySp.callbackUrl ?? '?'),
  ]);
  const out = [
    `${inv.connections.length} enterprise connection${inv.connections.length === 1 ? '' : 's'} at ${inv.vendor} (read ${inv.takenAt})`,
    '',
    inv.connections.length ? textTable(['connection', 'protocol', 'IdP entity ID / issuer', 'certificate (SHA-256, expires)', 'domains', 'orgs', 'users', 'legacy ACS URL | SP entity ID (or callback)'], rows, 60) : '(none)',
    '',
    inv.recommendedPath === 'proxy'
      ? `Recommended path: the cutover proxy (${inv.connections.length} connections ≥ ${SSO_PROXY_THRESHOLD}): keep the legacy callback URLs and flip connections one at a time (flagless serve, sso flip).`
      : `Recommended path: Admin Portal handoff (${inv.connections.length} connection${inv.connections.length === 1 ? '' : 's'} < ${SSO_PROXY_THRESHOLD}): send each customer's IT admin a setup link (flagless sso setup --to workos) and cut over in a change window.`,
  ];
  for (const a of r.attention) out.push(`ATTENTION: ${a.connection}: the signing certificate ${a.fingerprintSha256} ${a.state === 'expired' ? 'expired' : 'expires'} on ${a.notAfter}.`);
  for (const w of r.warnings) out.push(`warning: ${w}`);
  return out.join('\n');
}
