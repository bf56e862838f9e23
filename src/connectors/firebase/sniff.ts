/**
 * Recognising `firebase auth:export --format=json` output from its first characters, for the
 * CLI's `sniff` and for the reader's first check. Only Firebase's own marks: the file starts with
 * `{"users": [`, and each user has a `localId`.
 */
import { headShape, type HeadShape } from '../../lib/io/head-shape.js';

export function looksLikeFirebase(head: string): boolean {
  return /^\uFEFF?\s*\{\s*"users"\s*:\s*\[/.test(head) || (/^\uFEFF?\s*[{[]/.test(head) && /"localId"\s*:/.test(head));
}

/**
 * Why a file that is not Firebase's is clearly something else, or undefined when it may be a
 * broken Firebase export (then the reader reports what it finds, with lines).
 */
export function notFirebase(head: string, shape: HeadShape = headShape(head)): string | undefined {
  if (shape.kind === 'csv') return 'it is a CSV table';
  const otherUsersList = shape.listKeys.find((k) => k !== 'users' && k.toLowerCase() === 'users');
  if (otherUsersList) return `it holds a "${otherUsersList}" list, and auth:export writes "users"`;
  if (shape.firstLineKeys && !shape.firstValueIsList && !shape.listKeys.includes('users')) return 'it holds one JSON record per line';
  return undefined;
}
