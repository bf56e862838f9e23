import type { SsoConnection, SsoInventory } from '../../protocol/sso.js';
import { FlaglessError } from '../../protocol/errors.js';
import type { SsoSide } from '../../state/sso/types.js';

/**
 * The `--sso-config` document, checked strictly (an unknown key, a relative URL or a bad path is
 * refused before the gateway listens). See proxy.ts for what each part does.
 *
 * ```json
 * {
 *   "inventory": { ...the output of `flagless sso inventory --json`... },
 *   "connections": [{
 *     "name": "acme",                       // the flag's name (the legacy connection's name)
 *     "protocol": "saml",                   // or "oidc"
 *     "callbackPaths": ["/login/callback?connection=acme"],  // where the IdP sends responses (proxy paths)
 *     "issuer": "https://idp.acme.example/",                 // IdP entity ID / OIDC issuer (routing hint only)
 *     "legacy": { "callbackUrl": "https://legacy.example/login/callback?connection=acme", "startUrl": "...", "returnUrl": "..." },
 *     "target": { "callbackUrl": "https://target.example/realms/app/broker/acme/endpoint", "startUrl": "...", "returnUrl": "..." },
 *     "idpSignInUrl": "https://idp.acme.example/sso",        // where /v1/sso/relay sends AuthnRequests
 *     "certificateNotAfter": "2027-01-01T00:00:00Z"
 *   }],
 *   "startPaths": ["/authorize"],          // legacy SP-initiated start paths (besides /v1/sso/start)
 *   "defaultSide": "legacy",               // a connection without a flag (and before the first read)
 *   "requestTtlSeconds": 900, "flagTtlMs": 250, "maxBodyBytes": 262144,
 *   "autoRollback": { "rate": 0.2, "minSample": 20 }
 * }
 * ```
 * With an inventory, each of its connections is proxied with what it says (issuer, legacy ACS or
 * callback URL and its path, IdP sign-in URL, earliest certificate expiry); an entry of
 * `connections` with the same name overrides it field by field (the target's URLs come from there).
 */
export interface SsoSideUrls {
  /** Where this side receives the IdP's responses (SAML ACS URL, OIDC redirect URI). Absolute http(s). */
  callbackUrl: string;
  /** This side's SP-initiated start for the connection (what /v1/sso/start redirects to). */
  startUrl?: string;
  /** The application URL this side's login ends at, when it is sent through /v1/sso/return to be counted. */
  returnUrl?: string;
}

export interface SsoProxyConnection {
  name: string;
  protocol: 'saml' | 'oidc';
  /** Proxy paths the IdP posts or redirects to, each optionally with `?param=value` that must match. */
  callbackPaths: string[];
  issuer?: string;
  legacy: SsoSideUrls;
  target?: SsoSideUrls;
  idpSignInUrl?: string;
  certificateNotAfter?: string;
}

export interface SsoAutoRollback {
  /** Failure rate (0 < rate ≤ 1) of logins at the side a connection was flipped to, since the flip. */
  rate: number;
  /** Logins observed at that side since the flip before the rate is judged (default 20). */
  minSample: number;
}

export interface SsoProxyConfig {
  connections: SsoProxyConnection[];
  startPaths: string[];
  defaultSide: SsoSide;
  requestTtlSeconds: number;
  flagTtlMs: number;
  maxBodyBytes: number;
  autoRollback?: SsoAutoRollback;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._:@-]{0,127}$/;
const PATH = /^\/[A-Za-z0-9._~!$&'()*+,;=:@%/-]{0,255}(\?[A-Za-z0-9._~-]{1,64}=[A-Za-z0-9._~:@%-]{1,256})?$/;
const RESERVED = ['/v1/sso/', '/v1/login', '/v1/lazy', '/metrics', '/dashboard', '/healthz', '/readyz'];

function bad(where: string, msg: string): never {
  throw new FlaglessError('E_USAGE', `--sso-config: ${where}: ${msg}`);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function onlyKeys(o: Record<string, unknown>, keys: readonly string[], where: string): void {
  for (const k of Object.keys(o)) if (!keys.includes(k)) bad(where, `unknown key "${k}" (known: ${keys.join(', ')})`);
}

function url(v: unknown, where: string): string {
  if (typeof v !== 'string') bad(where, 'must be an absolute http(s) URL');
  let u: URL;
  try {
    u = new URL(v);
  } catch {
    bad(where, 'must be an absolute http(s) URL');
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') bad(where, 'must be an absolute http(s) URL');
  if (u.hash) bad(where, 'must not have a #fragment');
  return v;
}

function optUrl(v: unknown, where: string): string | undefined {
  return v === undefined ? undefined : url(v, where);
}

function callbackPath(v: unknown, where: string): string {
  if (typeof v !== 'string' || !PATH.test(v)) bad(where, 'must be a path like /login/callback or /login/callback?connection=name');
  if (RESERVED.some((r) => v.startsWith(r))) bad(where, `${v} is one of the gateway's own paths`);
  return v;
}

/** The path and query parts of an inventory URL, as a callback path the proxy mounts. */
function pathOf(u: string): string {
  const parsed = new URL(u);
  const conn = parsed.searchParams.get('connection');
  return `${parsed.pathname}${conn ? `?connection=${encodeURIComponent(conn)}` : ''}`;
}

function sideUrls(v: unknown, where: string): SsoSideUrls {
  if (!isObject(v)) bad(where, 'must be an object with callbackUrl (and optionally startUrl, returnUrl)');
  onlyKeys(v, ['callbackUrl', 'startUrl', 'returnUrl'], where);
  const out: SsoSideUrls = { callbackUrl: url(v.callbackUrl, `${where}.callbackUrl`) };
  const s = optUrl(v.startUrl, `${where}.startUrl`);
  if (s) out.startUrl = s;
  const r = optUrl(v.returnUrl, `${where}.returnUrl`);
  if (r) out.returnUrl = r;
  return out;
}

function fromInventory(c: SsoConnection): Record<string, unknown> {
  const legacyUrl = c.legacySp.acsUrl ?? c.legacySp.callbackUrl;
  const expiries = c.idp.certificates.map((x) => x.notAfter).filter((x): x is string => typeof x === 'string').sort();
  return {
    name: c.name,
    protocol: c.protocol,
    ...(legacyUrl ? { callbackPaths: [pathOf(legacyUrl)], legacy: { callbackUrl: legacyUrl } } : {}),
    ...((c.idp.entityId ?? c.idp.issuer) ? { issuer: c.idp.entityId ?? c.idp.issuer } : {}),
    ...(c.idp.signInUrl ? { idpSignInUrl: c.idp.signInUrl } : {}),
    ...(expiries[0] ? { certificateNotAfter: expiries[0] } : {}),
  };
}

function connection(raw: Record<string, unknown>, where: string): SsoProxyConnection {
  onlyKeys(raw, ['name', 'protocol', 'callbackPaths', 'issuer', 'legacy', 'target', 'idpSignInUrl', 'certificateNotAfter'], where);
  if (typeof raw.name !== 'string' || !NAME.test(raw.name)) bad(where, 'name must be 1-128 characters of letters, digits and ._:@-');
  if (raw.protocol !== 'saml' && raw.protocol !== 'oidc') bad(where, 'protocol must be "saml" or "oidc"');
  if (!Array.isArray(raw.callbackPaths) || raw.callbackPaths.length === 0) bad(where, 'callbackPaths must list at least one path');
  const out: SsoProxyConnection = {
    name: raw.name,
    protocol: raw.protocol,
    callbackPaths: raw.callbackPaths.map((p, i) => callbackPath(p, `${where}.callbackPaths[${i}]`)),
    legacy: sideUrls(raw.legacy, `${where}.legacy`),
  };
  if (raw.target !== undefined) out.target = sideUrls(raw.target, `${where}.target`);
  if (raw.issuer !== undefined) {
    if (typeof raw.issuer !== 'string' || raw.issuer.length === 0 || raw.issuer.length > 1024) bad(where, 'issuer must be a string (the IdP entity ID or OIDC issuer)');
    out.issuer = raw.issuer;
  }
  const idp = optUrl(raw.idpSignInUrl, `${where}.idpSignInUrl`);
  if (idp) out.idpSignInUrl = idp;
  if (raw.certificateNotAfter !== undefined) {
    if (typeof raw.certificateNotAfter !== 'string' || Number.isNaN(Date.parse(raw.certificateNotAfter))) bad(where, 'certificateNotAfter must be an ISO 8601 time');
    out.certificateNotAfter = raw.certificateNotAfter;
  }
  return out;
}

function int(v: unknown, def: number, min: number, max: number, where: string): number {
  if (v === undefined) return def;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) bad(where, `must be a whole number from ${min} to ${max}`);
  return v;
}

/** Checks a parsed `--sso-config` document and merges its inventory with the overrides. */
export function parseSsoProxyConfig(doc: unknown): SsoProxyConfig {
  if (!isObject(doc)) bad('document', 'must be one JSON object');
  onlyKeys(doc, ['inventory', 'connections', 'startPaths', 'defaultSide', 'requestTtlSeconds', 'flagTtlMs', 'maxBodyBytes', 'autoRollback'], 'document');
  const byName = new Map<string, Record<string, unknown>>();
  if (doc.inventory !== undefined) {
    const inv = doc.inventory as SsoInventory;
    if (!isObject(inv) || !Array.isArray(inv.connections)) bad('inventory', 'must be the document `flagless sso inventory --json` prints');
    for (const c of inv.connections) {
      if (!isObject(c) || typeof c.name !== 'string' || !isObject(c.idp) || !isObject(c.legacySp)) bad('inventory', 'a connection lacks name, idp or legacySp');
      if (c.enabled === false) continue;
      byName.set(c.name, fromInventory({ ...c, idp: { ...c.idp, certificates: Array.isArray(c.idp.certificates) ? c.idp.certificates : [] } }));
    }
  }
  if (doc.connections !== undefined && !Array.isArray(doc.connections)) bad('connections', 'must be a list');
  for (const [i, o] of ((doc.connections as unknown[]) ?? []).entries()) {
    if (!isObject(o) || typeof o.name !== 'string') bad(`connections[${i}]`, 'must be an object with a name');
    const base = byName.get(o.name) ?? {};
    const merged: Record<string, unknown> = { ...base, ...o };
    for (const side of ['legacy', 'target'] as const) if (isObject(base[side]) && isObject(o[side])) merged[side] = { ...(base[side] as object), ...(o[side] as object) };
    byName.set(o.name, merged);
  }
  if (byName.size === 0) bad('connections', 'no connection to proxy (give connections, or an inventory)');
  const connections = [...byName.values()].map((c, i) => connection(c, `connection "${String(c.name ?? i)}"`));
  const startPaths = doc.startPaths === undefined ? [] : Array.isArray(doc.startPaths) ? doc.startPaths.map((p, i) => callbackPath(p, `startPaths[${i}]`)) : bad('startPaths', 'must be a list of paths');
  const mounted = new Set(connections.flatMap((c) => c.callbackPaths.map((p) => p.split('?')[0])));
  for (const p of startPaths) if (mounted.has(p.split('?')[0])) bad('startPaths', `${p} is also a callback path`);
  const defaultSide = doc.defaultSide ?? 'legacy';
  if (defaultSide !== 'legacy' && defaultSide !== 'target') bad('defaultSide', 'must be "legacy" or "target"');
  const config: SsoProxyConfig = {
    connections,
    startPaths,
    defaultSide,
    requestTtlSeconds: int(doc.requestTtlSeconds, 900, 30, 86_400, 'requestTtlSeconds'),
    flagTtlMs: int(doc.flagTtlMs, 250, 10, 60_000, 'flagTtlMs'),
    maxBodyBytes: int(doc.maxBodyBytes, 256 * 1024, 1024, 4 * 1024 * 1024, 'maxBodyBytes'),
  };
  if (doc.autoRollback !== undefined) config.autoRollback = autoRollback(doc.autoRollback, 'autoRollback');
  return config;
}

export function autoRollback(v: unknown, where: string): SsoAutoRollback {
  if (!isObject(v)) bad(where, 'must be { "rate": 0.2, "minSample": 20 }');
  onlyKeys(v, ['rate', 'minSample'], where);
  if (typeof v.rate !== 'number' || !(v.rate > 0 && v.rate <= 1)) bad(`${where}.rate`, 'must be a number above 0 and at most 1');
  return { rate: v.rate, minSample: int(v.minSample, 20, 1, 1_000_000, `${where}.minSample`) };
}

const CONNECTION_NAME = NAME;
const DOMAIN = /^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;

/** A flip's inputs, checked the same way for `sso flip` and `POST /v1/sso/flip`; domains come back lower-cased. */
export function checkFlip(i: { connection: unknown; to: unknown; percent?: unknown; domains?: unknown }): { connection: string; to: SsoSide; percent?: number; domains?: string[] } {
  if (typeof i.connection !== 'string' || !CONNECTION_NAME.test(i.connection)) throw new FlaglessError('E_USAGE', 'the connection name must be 1-128 characters of letters, digits and ._:@-');
  if (i.to !== 'legacy' && i.to !== 'target') throw new FlaglessError('E_USAGE', `--to must be target or legacy; got "${String(i.to)}".`);
  if (i.percent !== undefined && !(typeof i.percent === 'number' && Number.isInteger(i.percent) && i.percent >= 0 && i.percent <= 100)) throw new FlaglessError('E_USAGE', `--percent must be a whole number from 0 to 100; got "${String(i.percent)}".`);
  if (i.domains !== undefined && !(Array.isArray(i.domains) && i.domains.length <= 1000 && i.domains.every((d) => typeof d === 'string'))) throw new FlaglessError('E_USAGE', '--domains must be a list of domain names');
  const domains = (i.domains as string[] | undefined)?.map((d) => d.trim().toLowerCase()).filter(Boolean);
  for (const d of domains ?? []) if (!DOMAIN.test(d)) throw new FlaglessError('E_USAGE', `--domains: "${d.slice(0, 100)}" is not a domain name`);
  return { connection: i.connection, to: i.to, ...(i.percent !== undefined ? { percent: i.percent as number } : {}), ...(domains?.length ? { domains } : {}) };
}
