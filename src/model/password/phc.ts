import { malformed, unsupported } from './errors.js';
import { algorithmOfPhcId, SCHEMES } from './schemes.js';
import type { PasswordHash } from './types.js';

/**
 * Parses flagless's canonical string form (the value inside PasswordHash.phc): bcrypt's MCF
 * `$2b$10$…`, or `$<algorithm>$<params>$<b64salt>$<b64hash>` for every other algorithm.
 * Other layouts (Django, Werkzeug, LDAP, passlib) go through detectHash; a target's wire format
 * (WorkOS's firebase-scrypt string) is its connector's to read and write.
 */
export function parsePhc(text: string): PasswordHash {
  if (typeof text !== 'string' || text === '') throw malformed('password hash is empty');
  if (/^\$2[a-z]?\$/.test(text)) return SCHEMES.bcrypt.parse(text);
  if (!text.startsWith('$')) throw unsupported('not a canonical $id$… hash string (detectHash reads other formats)');
  const algorithm = algorithmOfPhcId(text.split('$')[1] ?? '');
  if (!algorithm) throw unsupported('hash id is not one flagless uses in canonical strings (detectHash reads other formats)');
  return SCHEMES[algorithm].parse(text);
}
