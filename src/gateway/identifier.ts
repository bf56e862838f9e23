import { normalizeEmail } from '../model/email.js';

/**
 * The one key a login identifier is matched by: trimmed, NFC, case-folded. The same fold as
 * `normalizeEmail`, applied to usernames too (every source flagless reads treats usernames
 * case-insensitively), so `Ada@X.io`, ` ada@x.io` and `ada@x.io` are one user everywhere. An
 * address's internationalised domain is compared in its IDNA ASCII form, as `normalizeEmail` does.
 */
export function normalizeIdentifier(identifier: string): string {
  const folded = identifier.trim().normalize('NFC').toLowerCase();
  return folded.includes('@') ? normalizeEmail(folded) : folded;
}
