import { Secret } from '../../model/secret.js';
import type { CanonicalUser, Organization } from '../../model/user.js';

/**
 * CanonicalUser ⇄ JSON for the export index's SQLite file. A Secret serialises as a marker on
 * purpose (so it never leaks into logs), so the index encodes it explicitly as `{"$secret": ...}`
 * and wraps it again on the way back. The index file holds what the export file already holds
 * (hashes included), is created with mode 0600 and is removed when the gateway stops.
 */
function encode(value: unknown): unknown {
  if (value instanceof Secret) return { $secret: value.reveal() };
  if (Array.isArray(value)) return value.map(encode);
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) if (v !== undefined) out[k] = encode(v);
    return out;
  }
  return value;
}

function decode(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(decode);
  if (value && typeof value === 'object') {
    const o = value as Record<string, unknown>;
    const keys = Object.keys(o);
    if (keys.length === 1 && keys[0] === '$secret' && typeof o.$secret === 'string') return new Secret(o.$secret);
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(o)) out[k] = decode(v);
    return out;
  }
  return value;
}

export function encodeUser(user: CanonicalUser): string {
  return JSON.stringify(encode(user));
}

export function decodeUser(text: string): CanonicalUser {
  return decode(JSON.parse(text)) as CanonicalUser;
}

export function encodeOrganization(org: Organization): string {
  return JSON.stringify(org);
}

export function decodeOrganization(text: string): Organization {
  return JSON.parse(text) as Organization;
}
