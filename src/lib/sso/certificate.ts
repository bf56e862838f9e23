import { X509Certificate, createHash } from 'node:crypto';
import type { SsoCertificate } from '../../protocol/sso.js';

const PEM = /-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/;

/**
 * The DER bytes of a certificate as vendors hand it over: PEM text, bare base64 DER (SAML
 * metadata, Keycloak, Clerk), or base64 of the PEM text (Auth0's `signingCert`).
 */
export function certificateDer(text: string): Buffer | undefined {
  const trimmed = text.trim();
  const pem = PEM.exec(trimmed);
  if (pem) return Buffer.from(pem[1]!.replace(/\s+/g, ''), 'base64');
  const compact = trimmed.replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/=_-]+$/.test(compact) || compact.length < 16) return undefined;
  const bytes = Buffer.from(compact, 'base64');
  const inner = PEM.exec(bytes.toString('latin1'));
  if (inner) return Buffer.from(inner[1]!.replace(/\s+/g, ''), 'base64');
  return bytes;
}

function toPem(der: Buffer): string {
  const b64 = der.toString('base64').replace(/(.{64})/g, '$1\n').replace(/\n$/, '');
  return `-----BEGIN CERTIFICATE-----\n${b64}\n-----END CERTIFICATE-----\n`;
}

/** Colon-separated upper-case hex, as IdP consoles show fingerprints. */
export function fingerprint(der: Buffer): string {
  return createHash('sha256').update(der).digest('hex').toUpperCase().match(/../g)!.join(':');
}

/**
 * Fingerprint, expiry and PEM of a certificate, parsed with node:crypto. A text that is not a
 * certificate still gets the fingerprint of its bytes (so two inventories can be compared), without
 * `notAfter`; undefined for text that is not even base64.
 */
export function describeCertificate(text: string | undefined | null): SsoCertificate | undefined {
  if (typeof text !== 'string' || text.trim() === '') return undefined;
  const der = certificateDer(text);
  if (!der || der.length === 0) return undefined;
  try {
    const cert = new X509Certificate(der);
    return { fingerprintSha256: fingerprint(cert.raw), notAfter: new Date(cert.validTo).toISOString(), pem: toPem(cert.raw) };
  } catch {
    return { fingerprintSha256: fingerprint(der) };
  }
}

/** The certificates of a list of texts, each once (by fingerprint). */
export function describeCertificates(texts: readonly (string | undefined | null)[]): SsoCertificate[] {
  const out: SsoCertificate[] = [];
  for (const t of texts) {
    const c = describeCertificate(t);
    if (c && !out.some((o) => o.fingerprintSha256 === c.fingerprintSha256)) out.push(c);
  }
  return out;
}

export type CertificateState = 'ok' | 'expiring' | 'expired' | 'unknown';

/** Within `days` of now (30 by the playbook) is expiring; past notAfter is expired. */
export function certificateState(c: SsoCertificate, now: Date, days = 30): CertificateState {
  if (!c.notAfter) return 'unknown';
  const t = Date.parse(c.notAfter);
  if (t <= now.getTime()) return 'expired';
  if (t <= now.getTime() + days * 86_400_000) return 'expiring';
  return 'ok';
}
