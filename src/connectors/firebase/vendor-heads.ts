/**
 * Recognising an export from its first bytes, for `sniff` and for naming the right vendor when a
 * file is passed to the wrong `--from`. Each format leaves marks in its first lines; these checks
 * look only at those marks, never parse the file.
 */
import type { SourceVendor } from '../../protocol/source.js';

const JSON_START = /^\uFEFF?\s*[{[]/;

/** `firebase auth:export --format=json` starts with `{"users": [` and each user has `localId`. */
export function looksLikeFirebase(head: string): boolean {
  return /^\uFEFF?\s*\{\s*"users"\s*:\s*\[/.test(head) || (JSON_START.test(head) && /"localId"\s*:/.test(head));
}

/**
 * A saved Cognito ListUsers response (`{"Users": [...]}`, an array of them, or NDJSON of UserType):
 * `Users` with a capital U, or a `Username` next to UserType's other members.
 */
export function looksLikeCognito(head: string): boolean {
  if (!JSON_START.test(head)) return false;
  if (/"Users"\s*:\s*\[/.test(head)) return true;
  return /"Username"\s*:/.test(head) && /"(Attributes|UserStatus|UserCreateDate|Enabled)"\s*:/.test(head);
}

/** Clerk's dashboard CSV: a header line `id,first_name,...,password_digest,...`. */
function looksLikeClerkCsv(head: string): boolean {
  const firstLine = head.split(/\r?\n/, 1)[0] ?? '';
  return /^\uFEFF?"?id"?,/.test(firstLine) && /(first_name|primary_email_address|password_digest)/.test(firstLine);
}

/** Auth0's user-export NDJSON: one user per line, `user_id` like `auth0|...` or `google-oauth2|...`. */
function looksLikeAuth0(head: string): boolean {
  return /"user_id"\s*:\s*"[^"|]+\|/.test(head);
}

/** Which vendor's export this looks like, if any. */
export function guessVendor(head: string): SourceVendor | undefined {
  if (looksLikeFirebase(head)) return 'firebase';
  if (looksLikeCognito(head)) return 'cognito';
  if (looksLikeClerkCsv(head)) return 'clerk';
  if (looksLikeAuth0(head)) return 'auth0';
  return undefined;
}

export function startsLikeJson(head: string): boolean {
  return JSON_START.test(head);
}
