/**
 * Firebase Authentication as a source: the JSON that `firebase auth:export users.json
 * --format=json` writes, plus the project's password hash parameters (`--hash-config`).
 */
import type { SourceConnector } from '../../protocol/source.js';
import { readFirebaseExport } from './read.js';
import { looksLikeFirebase } from './sniff.js';
import { firebaseLegacyLogin } from './legacy-login.js';

export const source = {
  vendor: 'firebase',
  displayName: 'Firebase Authentication',
  formats:
    '`firebase auth:export users.json --format=json` output ({"users": [...]}, streamed), with --hash-config: the hash_config block from the console (text as shown, or JSON) for the modified-scrypt password hashes.',
  sniff: looksLikeFirebase,
  open(options) {
    return { vendor: 'firebase', read: () => readFirebaseExport(options) };
  },
  legacy: firebaseLegacyLogin,
} satisfies SourceConnector;

export { generateFirebase as generate } from './generate.js';
export { firebaseLegacyVerifier, firebaseLegacyLogin } from './legacy-login.js';
