import { domainToASCII } from 'node:url';

/**
 * Email identity: the address as the user typed it is kept for display; matching uses the
 * trimmed, case-folded form. Two users whose normalized addresses are equal form a duplicate
 * group that is reported, never merged silently.
 */
export function normalizeEmail(address: string): string {
  // Nearly every address is visible ASCII: nothing to trim, and NFC leaves ASCII as it is.
  if (VISIBLE_ASCII.test(address)) return address.toLowerCase();
  return asciiDomain(address.trim().normalize('NFC').toLowerCase());
}

/**
 * An internationalised domain is compared in its IDNA ASCII form (`bücher.example` and
 * `xn--bcher-kva.example` are one domain, one mailbox): the domain part after the last @ goes
 * through IDNA to-ASCII (UTS #46, as node:url does); the local part is kept as it is. A domain
 * IDNA refuses is kept as typed.
 */
function asciiDomain(address: string): string {
  const at = address.lastIndexOf('@');
  if (at <= 0 || at === address.length - 1) return address;
  const domain = address.slice(at + 1);
  if (VISIBLE_ASCII.test(domain)) return address;
  const ascii = domainToASCII(domain);
  return ascii ? `${address.slice(0, at + 1)}${ascii}` : address;
}

const VISIBLE_ASCII = /^[\x21-\x7e]*$/;

/** A light syntax check: one @, something either side, no whitespace. Not RFC 5322. */
export function looksLikeEmail(address: string): boolean {
  // Visible ASCII holds no whitespace: one @, not first or last, is all there is to check.
  if (VISIBLE_ASCII.test(address)) {
    const at = address.indexOf('@');
    return at > 0 && at < address.length - 1 && address.indexOf('@', at + 1) === -1;
  }
  return /^[^\s@]+@[^\s@]+$/.test(address.trim());
}
