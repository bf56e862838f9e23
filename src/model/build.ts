/**
 * Small pure helpers the source mappers share when they build canonical records: optional text
 * fields, email addresses with their matching key, one primary among addresses or phones, and
 * ISO 8601 timestamps from epoch milliseconds or date strings. No vendor knowledge, no I/O.
 */
import { normalizeEmail } from './email.js';
import type { EmailAddress } from './user.js';

/** The value when it is a string with something besides whitespace, else undefined. */
export function nonBlank(v: unknown): string | undefined {
  if (typeof v !== 'string' || v.length === 0) return undefined;
  // A string that starts with a visible character is not blank: no need to trim it (most are).
  const c = v.charCodeAt(0);
  if (c > 32 && c < 0x7f) return v;
  return v.trim() !== '' ? v : undefined;
}

/**
 * Sets each field whose value is not undefined, in the order given: the mappers' many optional
 * fields (`firstName: nonBlank(raw.given_name), ...`) in one statement instead of two lines each.
 */
export function assignDefined<T extends object>(target: T, values: { [K in keyof T]?: T[K] | undefined }): T {
  for (const key of Object.keys(values) as (keyof T)[]) {
    const value = values[key];
    if (value !== undefined) target[key] = value as T[keyof T];
  }
  return target;
}

/** Each defined `rename(item)` once, in the order first met (source roles in a target's naming). */
export function distinctRenamed(items: readonly string[], rename: (item: string) => string | undefined): string[] {
  const out: string[] = [];
  for (const item of items) {
    const n = rename(item);
    if (n !== undefined && !out.includes(n)) out.push(n);
  }
  return out;
}

/** An address as the source had it, with the key that matching and duplicate detection use. */
export function emailAddress(address: string, verified: boolean, primary: boolean): EmailAddress {
  return { address, normalized: normalizeEmail(address), verified, primary };
}

/** Exactly one primary when there is anything: the marked one, else the first verified, else the first. */
export function withOnePrimary<T extends { primary: boolean; verified: boolean }>(items: T[]): T[] {
  if (items.length === 0 || items.some((i) => i.primary)) return items;
  const pick = items.find((i) => i.verified) ?? items[0]!;
  pick.primary = true;
  return items;
}

/** Milliseconds since the epoch (a number, or digits in a string) → ISO 8601; undefined when it is not a time. */
export function isoFromEpochMs(v: unknown): string | undefined {
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^\d{1,16}$/.test(v.trim()) ? Number(v) : NaN;
  if (!Number.isFinite(n)) return undefined;
  const d = new Date(n);
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString();
}

/** A date string Date can read → ISO 8601 (UTC); undefined when it is not one. */
export function isoFromDateString(v: unknown): string | undefined {
  if (typeof v !== 'string') return undefined;
  const d = new Date(v);
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString();
}

/** What a JSON value is, for messages that say what is wrong ("user_id is a number"). Never the value itself. */
export function jsonKind(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'string') return v.trim() === '' ? 'an empty string' : 'a string';
  if (typeof v === 'number') return 'a number';
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (typeof v === 'object') return 'an object';
  return 'missing';
}

/**
 * How deep metadata may nest (objects and arrays inside one another). Far beyond any real
 * profile, and far below what recursive code (JSON.stringify, deep comparison, a target's SDK)
 * can walk without overflowing the stack: a record nested deeper is refused, not read.
 */
export const MAX_METADATA_DEPTH = 64;

/**
 * True when `v` nests deeper than `max` levels. Recursive but bounded: it stops at depth `max`,
 * whatever the value's real depth, so the stack never holds more than `max` frames. No allocation
 * per object (it runs on every user of an export: a tuple and an `Object.values` array per object
 * cost assess ~5 % of its time).
 */
export function nestsDeeperThan(v: unknown, max: number): boolean {
  return v !== null && typeof v === 'object' && objectNestsDeeper(v, 1, max);
}

function objectNestsDeeper(o: object, level: number, max: number): boolean {
  if (level > max) return true;
  if (Array.isArray(o)) {
    for (let i = 0; i < o.length; i++) {
      const c: unknown = o[i];
      if (c !== null && typeof c === 'object' && objectNestsDeeper(c, level + 1, max)) return true;
    }
    return false;
  }
  const r = o as Record<string, unknown>;
  for (const k in r) {
    if (!Object.hasOwn(r, k)) continue;
    const c = r[k];
    if (c !== null && typeof c === 'object' && objectNestsDeeper(c, level + 1, max)) return true;
  }
  return false;
}

/** True when the JSON text nests deeper than `max` levels (brackets outside strings counted, nothing parsed). */
export function jsonTextNestsDeeperThan(text: string, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c /* \ */) i++;
      else if (c === 0x22 /* " */) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      if (++depth > max) return true;
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return false;
}

/** The message of a record refused for nesting deeper than MAX_METADATA_DEPTH. */
export function tooDeepMessage(what: string): string {
  return `${what} nests objects or arrays more than ${MAX_METADATA_DEPTH} levels deep, which no real profile does (a crafted or corrupt record); it is skipped`;
}
