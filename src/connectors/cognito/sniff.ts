/**
 * Recognising saved Cognito ListUsers output from its first characters, for the CLI's `sniff`
 * and for the reader's first check. Only Cognito's own marks: a `Users` list (capital U), or a
 * `Username` next to UserType's other members.
 */
import { headShape, type HeadShape } from '../../lib/io/head-shape.js';

/** Members of UserType: a file whose first key is one of these holds users, not pages. */
export const USER_KEYS = new Set(['Username', 'Attributes', 'UserAttributes', 'UserCreateDate', 'UserLastModifiedDate', 'Enabled', 'UserStatus', 'MFAOptions']);

/** A saved ListUsers response (`{"Users": [...]}`, an array of them, or NDJSON of UserType). */
export function looksLikeCognito(head: string): boolean {
  if (!/^\uFEFF?\s*[{[]/.test(head)) return false;
  if (/"Users"\s*:\s*\[/.test(head)) return true;
  return /"Username"\s*:/.test(head) && /"(Attributes|UserStatus|UserCreateDate|Enabled)"\s*:/.test(head);
}

/**
 * Why a file that is not Cognito's is clearly something else, or undefined when it may be Cognito
 * data in a form the reader cannot use (then it reports what it finds, with lines). A CSV whose
 * columns are UserType's members is Cognito's own users saved as CSV: not another vendor's.
 */
export function notCognito(head: string, shape: HeadShape = headShape(head)): string | undefined {
  if (shape.kind === 'csv') return shape.columns.some((c) => USER_KEYS.has(c) || c === 'cognito:username') ? undefined : 'it is a CSV table';
  const otherUsersList = shape.listKeys.find((k) => k !== 'Users' && k.toLowerCase() === 'users');
  if (otherUsersList) return `it holds a "${otherUsersList}" list, and ListUsers returns "Users"`;
  if (shape.firstLineKeys && shape.listKeys.length === 0 && !shape.firstLineKeys.some((k) => USER_KEYS.has(k))) return 'its records have no Username or other UserType member';
  return undefined;
}
