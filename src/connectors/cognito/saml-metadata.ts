/**
 * The parts of a SAML IdP metadata document the inventory needs: the IdP's entity ID, its
 * SingleSignOnService location (HTTP-Redirect or HTTP-POST) and its signing certificates, parsed
 * with @xmldom/xmldom (the parser xml-crypto and node-saml use), namespace-aware.
 */
import { DOMParser } from '@xmldom/xmldom';

const MD = 'urn:oasis:names:tc:SAML:2.0:metadata';
const DS = 'http://www.w3.org/2000/09/xmldsig#';
const BINDINGS = ['urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect', 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST'];

export interface IdpMetadata {
  entityId?: string;
  ssoUrl?: string;
  nameIdFormat?: string;
  /** Base64 DER, as in the metadata. */
  signingCertificates: string[];
}

export function parseIdpMetadata(xml: string): IdpMetadata | undefined {
  if (xml.trim() === '') return undefined;
  let doc;
  try {
    // No external entities or DTDs are resolved by xmldom; errors become undefined.
    doc = new DOMParser({ errorHandler: { warning: () => undefined, error: () => undefined } }).parseFromString(xml, 'text/xml');
  } catch {
    return undefined;
  }
  // xmldom gives no document at all for some inputs that are not XML.
  if (!doc?.documentElement) return undefined;
  const entities = Array.from(doc.getElementsByTagNameNS(MD, 'EntityDescriptor'));
  const idp = Array.from(doc.getElementsByTagNameNS(MD, 'IDPSSODescriptor'))[0];
  if (!idp) return undefined;
  const entity = (idp.parentNode as { getAttribute?: (n: string) => string | null } | null)?.getAttribute?.('entityID') ?? entities[0]?.getAttribute('entityID') ?? undefined;
  const services = Array.from(idp.getElementsByTagNameNS(MD, 'SingleSignOnService'));
  const sso = BINDINGS.map((b) => services.find((s) => s.getAttribute('Binding') === b)).find(Boolean) ?? services[0];
  const nameId = Array.from(idp.getElementsByTagNameNS(MD, 'NameIDFormat'))[0]?.textContent?.trim();
  const certs: string[] = [];
  for (const kd of Array.from(idp.getElementsByTagNameNS(MD, 'KeyDescriptor'))) {
    const use = kd.getAttribute('use');
    if (use && use !== 'signing') continue;
    for (const c of Array.from(kd.getElementsByTagNameNS(DS, 'X509Certificate'))) {
      const text = c.textContent?.replace(/\s+/g, '');
      if (text) certs.push(text);
    }
  }
  return {
    ...(entity ? { entityId: entity } : {}),
    ...(sso?.getAttribute('Location') ? { ssoUrl: sso.getAttribute('Location')! } : {}),
    ...(nameId ? { nameIdFormat: nameId } : {}),
    signingCertificates: certs,
  };
}
