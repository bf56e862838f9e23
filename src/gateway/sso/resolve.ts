import type { SsoProxyConnection } from './config.js';
import type { DecidedBy } from './metrics.js';

/** One mounted callback path of one connection: the path and the query parameter it requires, if any. */
export interface PathSpec {
  path: string;
  param?: { name: string; value: string };
  connection: SsoProxyConnection;
}

export function pathSpecs(connections: readonly SsoProxyConnection[]): Map<string, PathSpec[]> {
  const out = new Map<string, PathSpec[]>();
  for (const c of connections) {
    for (const p of c.callbackPaths) {
      const [path, q] = p.split('?') as [string, string | undefined];
      const spec: PathSpec = { path, connection: c };
      if (q) {
        const eq = q.indexOf('=');
        spec.param = { name: q.slice(0, eq), value: decodeURIComponent(q.slice(eq + 1)) };
      }
      const list = out.get(path) ?? [];
      if (!list.some((s) => s.connection === c && s.param?.name === spec.param?.name && s.param?.value === spec.param?.value)) list.push(spec);
      out.set(path, list);
    }
  }
  return out;
}

export interface Hints {
  query: URLSearchParams;
  /** The connection a tracked request id / state belongs to. */
  tracked?: string;
  /** The response's unverified Issuer (SAML) or `iss` parameter (OIDC, RFC 9207). */
  issuer?: string;
}

/**
 * Which connection a response on `specs`' path is for, in order of how much each source can be
 * relied on: the path with its required parameter (Auth0's `?connection=`), a `connection`
 * parameter, the tracked request id or state, the unverified Issuer (routing only: the receiving
 * provider checks the signature), the only connection on the path. Undefined when none tells.
 */
export function resolveConnection(specs: readonly PathSpec[], h: Hints): { connection: SsoProxyConnection; by: DecidedBy } | undefined {
  const matching = specs.filter((s) => !s.param || h.query.getAll(s.param.name).length === 1 && h.query.get(s.param.name) === s.param.value);
  const withParam = matching.filter((s) => s.param);
  const unique = (list: readonly PathSpec[]) => [...new Set(list.map((s) => s.connection))];
  if (withParam.length > 0 && unique(withParam).length === 1) return { connection: withParam[0]!.connection, by: 'path' };
  const candidates = unique(matching);
  const named = h.query.getAll('connection');
  if (named.length === 1) {
    const c = candidates.find((x) => x.name === named[0]);
    if (c) return { connection: c, by: 'parameter' };
  }
  if (h.tracked) {
    const c = candidates.find((x) => x.name === h.tracked);
    if (c) return { connection: c, by: 'request_id' };
  }
  if (h.issuer) {
    const byIssuer = candidates.filter((x) => x.issuer === h.issuer);
    if (byIssuer.length === 1) return { connection: byIssuer[0]!, by: 'issuer' };
  }
  if (candidates.length === 1) return { connection: candidates[0]!, by: 'only_candidate' };
  return undefined;
}

/** The legacy callback every connection on a path shares (a Cognito pool's one ACS URL), for responses no source tells apart. */
export function sharedLegacyCallback(specs: readonly PathSpec[]): string | undefined {
  const urls = new Set(specs.map((s) => s.connection.legacy.callbackUrl));
  return urls.size === 1 ? [...urls][0] : undefined;
}
