import { createHash } from 'node:crypto';

/**
 * Small pieces of the proxy's forwarding: the raw query of a request, a query without the
 * parameters the destination already carries, one-value-per-name parameter reads, and the digest
 * under which a request id or state is tracked (the value itself is never stored or logged).
 */
export function rawQuery(url: string): string {
  const i = url.indexOf('?');
  return i < 0 ? '' : url.slice(i + 1);
}

function paramName(part: string): string {
  const eq = part.indexOf('=');
  const raw = eq < 0 ? part : part.slice(0, eq);
  try {
    return decodeURIComponent(raw.replace(/\+/g, ' '));
  } catch {
    return raw;
  }
}

/**
 * `dest` with the request's query appended byte for byte, minus the parameters `dest` already
 * has (Auth0's `?connection=` on both sides is not doubled) and minus `drop`.
 */
export function withQuery(dest: string, query: string, drop: readonly string[] = []): string {
  if (!query) return dest;
  const own = new Set([...new URL(dest).searchParams.keys(), ...drop]);
  const kept = query.split('&').filter((p) => p !== '' && !own.has(paramName(p)));
  if (kept.length === 0) return dest;
  return `${dest}${dest.includes('?') ? '&' : '?'}${kept.join('&')}`;
}

/** Parameters with at most one value each; undefined when a name repeats (refused as malformed). */
export function singleParams(params: URLSearchParams, names: readonly string[]): Record<string, string> | undefined {
  const out: Record<string, string> = {};
  for (const n of names) {
    const all = params.getAll(n);
    if (all.length > 1) return undefined;
    if (all.length === 1) out[n] = all[0]!;
  }
  return out;
}

export function trackingKey(kind: 'saml' | 'oidc', value: string): string {
  return createHash('sha256').update(`${kind}\u0000${value}`).digest('hex');
}

export function looksLikeEmail(s: string | undefined): s is string {
  return typeof s === 'string' && s.length <= 320 && /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(s);
}
