import { inflateRawSync } from 'node:zlib';

/**
 * The least the proxy reads of a SAML message, for routing only (never for trust: the provider
 * that receives it validates the signature, audience, destination and times).
 *
 * No XML parser runs: the base64 text is checked for its alphabet, only a bounded prefix is
 * decoded, and fixed patterns pick the root element's `InResponseTo` / `ID` and the first
 * `Issuer` and `NameID` out of that prefix. A document with a DTD (`<!DOCTYPE`, `<!ENTITY`) gives
 * nothing back, so no entity is ever expanded or trusted. Values are length-capped and limited to
 * printable characters; a value that fails either is dropped.
 */
export interface SamlPeek {
  /** `Response` / `AuthnRequest`, or whatever the root element is called (without prefix). */
  root?: string;
  inResponseTo?: string;
  /** The root element's `ID` (an AuthnRequest's id). */
  id?: string;
  issuer?: string;
  nameId?: string;
  /** The prefix held a DTD: nothing was extracted. */
  dtd?: boolean;
}

/** How much decoded XML is looked at: the root, the Issuer and the Subject sit in the first few KiB. */
export const PEEK_BYTES = 16 * 1024;
const MAX_VALUE = 1024;
const BASE64 = /^[A-Za-z0-9+/=\s]*$/;

function cleanValue(v: string | undefined): string | undefined {
  if (v === undefined) return undefined;
  const t = v.trim();
  if (t.length === 0 || t.length > MAX_VALUE || /[\u0000-\u001f\u007f<>]/.test(t)) return undefined;
  return t;
}

function attr(tag: string, name: string): string | undefined {
  const m = new RegExp(`\\s${name}\\s*=\\s*(?:"([^"]*)"|'([^']*)')`).exec(tag);
  return m ? cleanValue(m[1] ?? m[2]) : undefined;
}

function element(xml: string, local: string): string | undefined {
  const m = new RegExp(`<(?:[A-Za-z_][\\w.-]*:)?${local}\\b[^>]{0,2048}>([^<]{1,${MAX_VALUE + 64}})</(?:[A-Za-z_][\\w.-]*:)?${local}\\s*>`).exec(xml);
  return m ? cleanValue(m[1]) : undefined;
}

/** Reads routing hints from decoded XML text (already bounded by the caller). */
export function peekXml(xml: string): SamlPeek {
  if (/<!DOCTYPE|<!ENTITY/i.test(xml)) return { dtd: true };
  // The root start tag: after an optional XML declaration, comments and whitespace.
  const root = /^\uFEFF?\s*(?:<\?xml[^>]*\?>\s*)?(?:<!--[\s\S]*?-->\s*)*<(?:[A-Za-z_][\w.-]*:)?([A-Za-z_][\w.-]*)(\s[^>]{0,8192})?>/.exec(xml);
  if (!root) return {};
  const out: SamlPeek = { root: root[1]! };
  const tag = root[2] ?? '';
  const irt = attr(tag, 'InResponseTo');
  if (irt) out.inResponseTo = irt;
  const id = attr(tag, 'ID');
  if (id) out.id = id;
  const rest = xml.slice(root.index + root[0].length);
  const issuer = element(rest, 'Issuer');
  if (issuer) out.issuer = issuer;
  const nameId = element(rest, 'NameID');
  if (nameId) out.nameId = nameId;
  return out;
}

/** A POST-binding message (`SAMLResponse` / `SAMLRequest` form field): base64 of the XML. */
export function peekPostBinding(b64: string): SamlPeek | undefined {
  if (!BASE64.test(b64)) return undefined;
  const compact = b64.replace(/\s+/g, '');
  // 4 base64 characters make 3 bytes: decode only what covers the peeked prefix.
  const take = Math.min(compact.length, Math.ceil(PEEK_BYTES / 3) * 4);
  const bytes = Buffer.from(compact.slice(0, take - (take % 4)), 'base64');
  return peekXml(bytes.toString('utf8'));
}

/** A Redirect-binding message (`SAMLRequest` query parameter): base64 of raw DEFLATE of the XML. */
export function peekRedirectBinding(b64: string): SamlPeek | undefined {
  if (!BASE64.test(b64) || b64.length > 64 * 1024) return undefined;
  try {
    // A bounded inflate: a deflate bomb stops at the cap instead of filling memory.
    const xml = inflateRawSync(Buffer.from(b64.replace(/\s+/g, ''), 'base64'), { maxOutputLength: 256 * 1024 });
    return peekXml(xml.subarray(0, PEEK_BYTES).toString('utf8'));
  } catch {
    return undefined;
  }
}
