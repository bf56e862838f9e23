/**
 * Auth0 enterprise connections for `flagless sso inventory`, through the `auth0` SDK:
 * `GET /api/v2/connections?strategy=samlp&strategy=oidc&...` (checkpoint paging, `from`/`take`),
 * then each organization's `GET /api/v2/organizations/{id}/enabled_connections` for the
 * organizations a connection serves.
 *
 * What an Auth0 SAML connection's IdP is configured with (auth0.com/docs/samlp):
 *   ACS (post-back) URL  https://{domain}/login/callback?connection={name}
 *   SP entity ID         urn:auth0:{tenant}:{name}, unless `options.entityId` overrides it
 * OIDC-based strategies (oidc, waad, google-apps) call back to https://{domain}/login/callback.
 * With a custom domain the IdPs use that host (`legacyHost`), while the tenant name in the
 * entity ID stays the tenant's (AUTH0_TENANT, else the first label of AUTH0_DOMAIN).
 *
 * Only the options listed in KEPT_OPTIONS reach the dump: client secrets, signing and decryption
 * keys never leave Auth0.
 */
import type { ManagementClient } from 'auth0';
import { describeCertificates } from '../../lib/sso/certificate.js';
import { FlaglessError } from '../../protocol/errors.js';
import type { SsoDump, SsoMapOptions, SsoMapResult, SsoReadOptions, SsoSourceReader } from '../../protocol/sso-source.js';
import type { SsoConnection } from '../../protocol/sso.js';
import { TAKE, call, createAuth0Client, pagesFrom, toFlaglessError } from './read-api.js';

/** The enterprise strategies an IdP posts to Auth0 for. */
export const ENTERPRISE_STRATEGIES = ['samlp', 'oidc', 'waad', 'google-apps', 'adfs'] as const;

/** Public option fields kept in the dump (nothing secret: no client_secret, signing_key, decryptionKey). */
const KEPT_OPTIONS = [
  'signInEndpoint', 'signingCert', 'cert', 'thumbprints', 'entityId', 'issuer', 'metadataUrl', 'domain_aliases', 'tenant_domain', 'domain',
  'client_id', 'discovery_url', 'authorization_endpoint', 'token_endpoint', 'userinfo_endpoint', 'jwks_uri', 'type', 'protocolBinding',
  'adfs_server', 'waad_protocol', 'app_domain', 'user_id_attribute', 'idpinitiated',
] as const;

export interface Auth0SsoDump extends SsoDump {
  vendor: 'auth0';
  domain: string;
  tenant: string;
  connections: Auth0DumpConnection[];
  /** organization id → the ids of its enabled connections. */
  organizationConnections: Record<string, string[]>;
}

export interface Auth0DumpConnection {
  id: string;
  name: string;
  strategy: string;
  display_name?: string;
  enabled_clients?: string[];
  options: Record<string, unknown>;
}

function tenantOf(domain: string, env: Record<string, string | undefined>): string {
  const explicit = env.AUTH0_TENANT?.trim();
  if (explicit) return explicit;
  return domain.split('.')[0]!;
}

function keptOptions(options: unknown): Record<string, unknown> {
  const o = (options && typeof options === 'object' ? options : {}) as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const k of KEPT_OPTIONS) if (o[k] !== undefined && o[k] !== null) out[k] = o[k];
  // OIDC discovery metadata is public; keep only its endpoints.
  const meta = o.oidc_metadata as Record<string, unknown> | undefined;
  if (meta && typeof meta === 'object') out.oidc_metadata = { issuer: meta.issuer, authorization_endpoint: meta.authorization_endpoint, jwks_uri: meta.jwks_uri };
  return out;
}

async function listConnections(client: ManagementClient): Promise<Auth0DumpConnection[]> {
  const out: Auth0DumpConnection[] = [];
  const first = await call('listing enterprise connections', () => client.connections.list({ strategy: [...ENTERPRISE_STRATEGIES], take: TAKE }));
  for await (const page of pagesFrom(first, 'listing enterprise connections')) {
    for (const c of page.data as unknown as Record<string, unknown>[]) {
      if (typeof c.id !== 'string' || typeof c.name !== 'string' || typeof c.strategy !== 'string') continue;
      out.push({
        id: c.id,
        name: c.name,
        strategy: c.strategy,
        ...(typeof c.display_name === 'string' ? { display_name: c.display_name } : {}),
        options: keptOptions(c.options),
      });
    }
  }
  return out;
}

async function organizationConnections(client: ManagementClient, warnings: string[]): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  let first;
  try {
    first = await client.organizations.list({ take: TAKE });
  } catch (e) {
    const status = (e as { statusCode?: number }).statusCode;
    if (status !== 403 && status !== 404) throw toFlaglessError(e, 'listing organizations');
    warnings.push(`organizations were not read (${toFlaglessError(e, 'listing organizations').message}); connections are listed without their organizations.`);
    return out;
  }
  for await (const page of pagesFrom(first, 'listing organizations')) {
    for (const org of page.data as { id?: string }[]) {
      if (typeof org.id !== 'string') continue;
      const orgId = org.id;
      const what = `listing the enabled connections of ${orgId}`;
      const ids: string[] = [];
      const firstPage = await call(what, () => client.organizations.enabledConnections.list(orgId, { per_page: 50 }));
      for await (const p of pagesFrom(firstPage, what)) {
        for (const ec of p.data as { connection_id?: string }[]) if (typeof ec.connection_id === 'string') ids.push(ec.connection_id);
      }
      out[orgId] = ids;
    }
  }
  return out;
}

export async function readAuth0SsoApi(options: SsoReadOptions): Promise<Auth0SsoDump> {
  const env = options.env ?? process.env;
  const client = await createAuth0Client({ api: true, env, ...(options.apiUrl ? { apiUrl: options.apiUrl } : {}) });
  const domain = (env.AUTH0_DOMAIN ?? (options.apiUrl ? new URL(options.apiUrl).host : '')).trim().replace(/^https?:\/\//, '').replace(/\/+$/, '');
  const warnings: string[] = [];
  const connections = await listConnections(client);
  const orgs = await organizationConnections(client, warnings);
  return { vendor: 'auth0', takenAt: new Date().toISOString(), domain, tenant: tenantOf(domain, env), connections, organizationConnections: orgs, ...(warnings.length ? { warnings } : {}) };
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined);
const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string' && x !== '') : []);

/** Azure AD (waad) and Google Workspace connections speak OIDC to Microsoft's and Google's issuers. */
function oidcIssuer(c: Auth0DumpConnection): string | undefined {
  const o = c.options;
  const meta = o.oidc_metadata as Record<string, unknown> | undefined;
  if (c.strategy === 'google-apps') return 'https://accounts.google.com';
  if (c.strategy === 'waad') return str(o.tenant_domain) ? `https://login.microsoftonline.com/${str(o.tenant_domain)}/v2.0` : undefined;
  return str(o.issuer) ?? str(meta?.issuer);
}

export function mapAuth0Connections(dump: SsoDump, options: SsoMapOptions): SsoMapResult {
  const d = dump as Auth0SsoDump;
  if (!Array.isArray(d.connections) || typeof d.domain !== 'string') throw new FlaglessError('E_SOURCE_PARSE', 'the dump is not an Auth0 SSO dump: it lacks domain or connections.');
  const host = options.legacyHost ?? d.domain;
  const warnings = strings(d.warnings);
  const orgsOf = new Map<string, string[]>();
  for (const [orgId, ids] of Object.entries(d.organizationConnections ?? {})) for (const id of ids) orgsOf.set(id, [...(orgsOf.get(id) ?? []), orgId]);
  const connections: SsoConnection[] = d.connections.map((c) => {
    const o = c.options ?? {};
    const saml = c.strategy === 'samlp' || c.strategy === 'adfs';
    const domains = [...new Set([...strings(o.domain_aliases), ...(str(o.domain) ? [str(o.domain)!] : []), ...(c.strategy === 'waad' && str(o.tenant_domain) ? [str(o.tenant_domain)!] : [])])];
    const certificates = describeCertificates([str(o.signingCert), str(o.cert)]);
    const meta = o.oidc_metadata as Record<string, unknown> | undefined;
    const conn: SsoConnection = {
      name: c.name,
      legacyId: c.id,
      vendor: 'auth0',
      protocol: saml ? 'saml' : 'oidc',
      kind: c.strategy,
      enabled: true,
      idp: saml
        ? {
            ...(str(o.issuer) ? { entityId: str(o.issuer) } : {}),
            ...(str(o.signInEndpoint) ? { signInUrl: str(o.signInEndpoint) } : {}),
            // ADFS connections name the server's federation metadata URL (adfs_server).
            ...(str(o.metadataUrl) ?? str(o.adfs_server) ? { metadataUrl: str(o.metadataUrl) ?? str(o.adfs_server) } : {}),
            certificates,
          }
        : {
            ...(oidcIssuer(c) ? { issuer: oidcIssuer(c) } : {}),
            ...(str(o.authorization_endpoint) ?? str(meta?.authorization_endpoint) ? { signInUrl: str(o.authorization_endpoint) ?? str(meta?.authorization_endpoint) } : {}),
            ...(str(o.discovery_url) ? { metadataUrl: str(o.discovery_url) } : {}),
            ...(str(o.client_id) ? { clientId: str(o.client_id) } : {}),
            certificates,
          },
      legacySp: saml
        ? { acsUrl: `https://${host}/login/callback?connection=${encodeURIComponent(c.name)}`, entityId: str(o.entityId) ?? `urn:auth0:${d.tenant}:${c.name}` }
        : { callbackUrl: `https://${host}/login/callback` },
      domains,
      organizations: orgsOf.get(c.id) ?? [],
    };
    if (c.strategy === 'adfs') {
      warnings.push(`${c.name}: Auth0 speaks WS-Federation to ADFS; at the target the customer's ADFS needs a SAML 2.0 relying party trust (its metadata: ${conn.idp.metadataUrl ?? 'ask the customer'}).`);
    } else if (saml && !conn.idp.entityId) {
      warnings.push(`${c.name}: Auth0 does not return the IdP's entity ID for a ${c.strategy} connection; the Issuer of its responses (or its metadata) tells it.`);
    }
    return conn;
  });
  return { connections, warnings };
}

export const auth0SsoReader: SsoSourceReader = { readApi: readAuth0SsoApi, connections: mapAuth0Connections };
