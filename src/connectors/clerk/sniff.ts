import { CLERK_REQUIRED_COLUMNS } from './types.js';

// Recognising Clerk's files by their first bytes: what the CLI's `sniff` uses to name the right
// `--from`, and what the reader uses to tell a CSV export from an API dump. Only Clerk's own marks.

/** The head without a BOM, leading blank lines and leading `#` comment lines. */
function meaningfulHead(head: string): string {
  let text = head.charCodeAt(0) === 0xfeff ? head.slice(1) : head;
  for (;;) {
    const trimmed = text.replace(/^[ \t\r\n]+/, '');
    if (!trimmed.startsWith('#')) return trimmed;
    const nl = trimmed.indexOf('\n');
    if (nl === -1) return '';
    text = trimmed.slice(nl + 1);
  }
}

export function looksLikeJson(head: string): boolean {
  const t = meaningfulHead(head);
  return t.startsWith('{') || t.startsWith('[');
}

/** The cells of the first line, split naively (header names are never quoted with commas). */
export function headerCells(head: string): string[] {
  const t = meaningfulHead(head);
  const nl = t.indexOf('\n');
  const first = (nl === -1 ? t : t.slice(0, nl)).replace(/\r$/, '');
  return first.split(',').map((c) => c.trim().replace(/^"(.*)"$/, '$1'));
}

/** A Clerk API dump or user list: Clerk's snake_case User JSON with `user_...` ids. */
export function looksLikeClerkJson(head: string): boolean {
  const t = meaningfulHead(head);
  if (!(t.startsWith('{') || t.startsWith('['))) return false;
  return /"primary_email_address_id"\s*:/.test(t) || /"id"\s*:\s*"user_[A-Za-z0-9]/.test(t) || /^\{\s*"(users|organizations|memberships)"\s*:\s*\[\s*\]/.test(t);
}

/** The dashboard CSV export (or an older support export: same `id` and password columns). */
export function looksLikeClerkCsv(head: string): boolean {
  if (looksLikeJson(head)) return false;
  const cells = headerCells(head);
  return CLERK_REQUIRED_COLUMNS.every((c) => cells.includes(c)) && cells.includes('password_hasher');
}

export function sniffClerk(head: string): boolean {
  return looksLikeClerkCsv(head) || looksLikeClerkJson(head);
}
