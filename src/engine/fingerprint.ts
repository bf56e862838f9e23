import { hash } from 'node:crypto';
import { Secret } from '../model/secret.js';
import type { CanonicalUser, Organization } from '../model/user.js';

/**
 * Digests of what a record would write to the target. The ledger keeps the digest of the last
 * record it settled; a re-run whose record digests the same does nothing (zero writes), and one
 * whose record changed in the source becomes an update.
 *
 * Secrets enter only as their own SHA-256 inside the digest (so a changed hash is an update), never
 * as text; the digest of a salted password hash reveals nothing usable.
 *
 * The digested text is `JSON.stringify` of the value with every object's keys sorted, undefined
 * members left out and a Secret replaced by `{ secretDigest }` (the text every ledger's
 * fingerprints were made from). `stableJson` writes that text in one walk instead of building the
 * sorted copy and serialising it (a quarter of the plan pass's CPU in bench:better-auth);
 * fingerprint.test.ts checks both give the same text.
 */
export function stableJson(value: unknown, leaveOut?: ReadonlySet<string>): string | undefined {
  if (value instanceof Secret) return `{"secretDigest":"${hash('sha256', value.reveal(), 'hex')}"}`;
  if (value === null || typeof value !== 'object') {
    // What JSON.stringify makes of a member: undefined for undefined, functions and symbols.
    return typeof value === 'function' || typeof value === 'symbol' ? undefined : JSON.stringify(value);
  }
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) out += (i ? ',' : '') + (stableJson(value[i]) ?? 'null');
    return out + ']';
  }
  const shape = shapeOf(Object.keys(value as Record<string, unknown>));
  let out = '{';
  let first = true;
  for (let i = 0; i < shape.order.length; i++) {
    if (leaveOut?.has(shape.order[i]!)) continue;
    const v = (value as Record<string, unknown>)[shape.order[i]!];
    if (v === undefined) continue;
    const text = stableJson(v);
    if (text === undefined) continue;
    out += (first ? '' : ',') + shape.members[i]! + text;
    first = false;
  }
  return out + '}';
}

/** An object's keys as listed, in the order written, and each as written (`"key":`). */
interface Shape {
  keys: readonly string[];
  order: readonly string[];
  members: readonly string[];
}

/**
 * Objects of one kind (users, their addresses, their hash) list the same keys in the same order:
 * their sorted order and quoted names are worked out once (sorting and quoting every object's keys
 * was most of stableJson's time). A few dozen shapes are kept; keys compare as strings.
 */
const shapes: Shape[] = [];
const SHAPES_MAX = 64;

function shapeOf(keys: string[]): Shape {
  for (let i = 0; i < shapes.length; i++) {
    const s = shapes[i]!;
    if (s.keys.length !== keys.length) continue;
    let same = true;
    for (let j = 0; j < keys.length; j++) {
      if (s.keys[j] !== keys[j]) {
        same = false;
        break;
      }
    }
    if (same) return s;
  }
  const order = objectKeyOrder([...keys].sort());
  const shape: Shape = { keys, order, members: order.map((k) => `${JSON.stringify(k)}:`) };
  if (shapes.length >= SHAPES_MAX) shapes.pop();
  shapes.unshift(shape);
  return shape;
}

/**
 * The order JSON.stringify lists the members of an object created with `keys` in that order:
 * integer-like keys (array indices) first, ascending, then the others as given.
 */
function objectKeyOrder(keys: string[]): string[] {
  let indices: string[] | undefined;
  for (const k of keys) if (isArrayIndex(k)) (indices ??= []).push(k);
  if (!indices) return keys;
  indices.sort((a, b) => Number(a) - Number(b));
  return [...indices, ...keys.filter((k) => !isArrayIndex(k))];
}

function isArrayIndex(k: string): boolean {
  const c = k.charCodeAt(0);
  if (!(c >= 48 && c <= 57)) return false;
  const n = Number(k);
  return n >>> 0 === n && n !== 0xffffffff && String(n) === k;
}

export function digest(value: unknown): string {
  return digestText(stableJson(value) as string);
}

/** The digest of an already written stableJson text. */
function digestText(text: string): string {
  return hash('sha256', text, 'base64url').slice(0, 27);
}

/**
 * Fields that change without the user changing (sign-in times) or live in their own records
 * (memberships). A password change shows in the hash itself where the export has one; its
 * timestamp alone writes nothing (sync acts on it).
 */
const VOLATILE: ReadonlySet<string> = new Set<keyof CanonicalUser>(['lastSignInAt', 'updatedAt', 'passwordChangedAt', 'memberships', 'lossy', 'sourceStatus']);

export function userFingerprint(user: CanonicalUser, extra: unknown): string {
  // The text of `{ user: <user without the volatile fields>, extra }`, written without the copy.
  const extraText = stableJson(extra);
  const text = `{${extraText === undefined ? '' : `"extra":${extraText},`}"user":${stableJson(user, VOLATILE) as string}}`;
  return digestText(text);
}

export function organizationFingerprint(org: Organization): string {
  return digest(org);
}

/** Role sets repeat across memberships (a handful of roles): each distinct set is digested once. */
const membershipDigests = new Map<string, string>();
const MEMBERSHIP_DIGESTS_MAX = 1024;

export function membershipFingerprint(roles: readonly string[]): string {
  const sorted = [...roles].sort();
  const key = JSON.stringify(sorted);
  let fp = membershipDigests.get(key);
  if (fp === undefined) {
    fp = digest(sorted);
    // Bounded: an export with many distinct role sets only loses the cache's benefit.
    if (membershipDigests.size >= MEMBERSHIP_DIGESTS_MAX) membershipDigests.clear();
    membershipDigests.set(key, fp);
  }
  return fp;
}
