import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * Authenticates the calls targets make to the lazy-migration endpoints: `Authorization: Bearer
 * <token>`, or HTTP Basic whose password is the token (any user name, for callers such as the
 * Keycloak plugin or Ory that are configured with basic credentials). Compared in constant time
 * over SHA-256 digests, so neither the content nor the length of the token leaks through timing.
 */
function digest(s: string): Buffer {
  return createHash('sha256').update(s, 'utf8').digest();
}

export function presentedToken(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const m = /^(Bearer|Basic)\s+(.+)$/i.exec(header.trim());
  if (!m) return undefined;
  const scheme = m[1]!.toLowerCase();
  const value = m[2]!.trim();
  if (scheme === 'bearer') return value;
  const decoded = Buffer.from(value, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon >= 0 ? decoded.slice(colon + 1) : undefined;
}

export function tokenMatches(header: string | undefined, expected: string): boolean {
  const given = presentedToken(header);
  if (given === undefined || expected === '') return false;
  return timingSafeEqual(digest(given), digest(expected));
}
