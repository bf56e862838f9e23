/**
 * The one key a login identifier is matched by: trimmed, NFC, case-folded. The same fold as
 * `normalizeEmail`, applied to usernames too (every source flagless reads treats usernames
 * case-insensitively), so `Ada@X.io`, ` ada@x.io` and `ada@x.io` are one user everywhere.
 */
export function normalizeIdentifier(identifier: string): string {
  return identifier.trim().normalize('NFC').toLowerCase();
}
