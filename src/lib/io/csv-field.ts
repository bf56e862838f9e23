/** A CSV field, quoted only when it must be (RFC 4180): for the plaintext and export files generators write. */
export function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}
