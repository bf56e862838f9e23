/**
 * Clerk SAML connections for `flagless sso inventory`, through @clerk/backend's
 * `samlConnections.getSamlConnectionList` (Backend API `GET /v1/saml_connections`, limit/offset
 * paging, `{data, total_count}`). Clerk returns, per connection, the ACS URL and SP entity ID its
 * IdP is configured with (`acs_url`, `sp_entity_id`), so they are taken as Clerk gives them.
 * The SDK's objects are written to the dump in the Backend API's own snake_case shape.
 */
import { describeCertificates } from '../../lib/sso/certificate.js';
import { FlaglessError } from '../../protocol/errors.js';
import type { SsoDump, SsoMapOptions, SsoMapResult, SsoReadOptions, SsoSourceReader } from '../../protocol/sso-source.js';
import type { SsoConnection } from '../../protocol/sso.js';
import { call } from './read-api.js';

/** The Backend API's page maximum for list endpoints. */
const PAGE = 500;
const RETRIES = { maxAttempts: 5, maxRateLimited: 20 };

export interface ClerkSamlConnectionJson {
  id: string;
  name: string;
  domain: string;
  organization_id: string | null;
  idp_entity_id: string | null;
  idp_sso_url: string | null;
  idp_certificate: string | null;
  idp_certificates?: { certificate: string; issued_at: number | null; expires_at: number | null }[];
  idp_metadata_url: string | null;
  acs_url: string;
  sp_entity_id: string;
  sp_metadata_url: string;
  active: boolean;
  provider: string;
  user_count: number;
  allow_subdomains: boolean;
  allow_idp_initiated: boolean;
}

export interface ClerkSsoDump extends SsoDump {
  vendor: 'clerk';
  samlConnections: ClerkSamlConnectionJson[];
}

interface SdkSamlConnection {
  id: string;
  name: string;
  domain: string;
  organizationId: string | null;
  idpEntityId: string | null;
  idpSsoUrl: string | null;
  idpCertificate: string | null;
  idpCertificates?: { certificate: string; issuedAt: number | null; expiresAt: number | null }[];
  idpMetadataUrl: string | null;
  acsUrl: string;
  spEntityId: string;
  spMetadataUrl: string;
  active: boolean;
  provider: string;
  userCount: number;
  allowSubdomains: boolean;
  allowIdpInitiated: boolean;
}

function toJson(c: SdkSamlConnection): ClerkSamlConnectionJson {
  return {
    id: c.id,
    name: c.name,
    domain: c.domain,
    organization_id: c.organizationId ?? null,
    idp_entity_id: c.idpEntityId ?? null,
    idp_sso_url: c.idpSsoUrl ?? null,
    idp_certificate: c.idpCertificate ?? null,
    idp_certificates: (c.idpCertificates ?? []).map((x) => ({ certificate: x.certificate, issued_at: x.issuedAt ?? null, expires_at: x.expiresAt ?? null })),
    idp_metadata_url: c.idpMetadataUrl ?? null,
    acs_url: c.acsUrl,
    sp_entity_id: c.spEntityId,
    sp_metadata_url: c.spMetadataUrl,
    active: c.active,
    provider: c.provider,
    user_count: c.userCount,
    allow_subdomains: c.allowSubdomains,
    allow_idp_initiated: c.allowIdpInitiated,
  };
}

export async function readClerkSsoApi(options: SsoReadOptions): Promise<ClerkSsoDump> {
  const env = options.env ?? process.env;
  const secretKey = env.CLERK_SECRET_KEY;
  if (!secretKey) throw new FlaglessError('E_USAGE', 'set CLERK_SECRET_KEY to read SAML connections from the Clerk Backend API.');
  const { createClerkClient } = await import('@clerk/backend');
  const clerk = createClerkClient({ secretKey, ...(options.apiUrl ? { apiUrl: options.apiUrl } : {}) });
  const out: ClerkSamlConnectionJson[] = [];
  for (let offset = 0; ; offset += PAGE) {
    const page = await call(`listing SAML connections (offset ${offset})`, () => clerk.samlConnections.getSamlConnectionList({ limit: PAGE, offset }), RETRIES);
    out.push(...(page.data as unknown as SdkSamlConnection[]).map(toJson));
    if (page.data.length < PAGE || out.length >= page.totalCount) break;
  }
  return { vendor: 'clerk', takenAt: new Date().toISOString(), samlConnections: out };
}

export function mapClerkConnections(dump: SsoDump, _options: SsoMapOptions): SsoMapResult {
  const d = dump as ClerkSsoDump;
  if (!Array.isArray(d.samlConnections)) throw new FlaglessError('E_SOURCE_PARSE', 'the dump is not a Clerk SSO dump: it lacks samlConnections.');
  const warnings: string[] = [];
  const connections: SsoConnection[] = d.samlConnections.map((c) => {
    const certs = describeCertificates([c.idp_certificate, ...(c.idp_certificates ?? []).map((x) => x.certificate)]);
    if (!c.idp_entity_id && !c.idp_metadata_url) warnings.push(`${c.name}: no IdP entity ID nor metadata URL at Clerk: the connection is not fully configured.`);
    return {
      name: c.name,
      legacyId: c.id,
      vendor: 'clerk',
      protocol: 'saml',
      kind: c.provider,
      enabled: c.active,
      idp: {
        ...(c.idp_entity_id ? { entityId: c.idp_entity_id } : {}),
        ...(c.idp_sso_url ? { signInUrl: c.idp_sso_url } : {}),
        ...(c.idp_metadata_url ? { metadataUrl: c.idp_metadata_url } : {}),
        certificates: certs,
      },
      legacySp: { acsUrl: c.acs_url, entityId: c.sp_entity_id },
      domains: c.domain ? [c.domain] : [],
      organizations: c.organization_id ? [c.organization_id] : [],
    };
  });
  return { connections, warnings };
}

export const clerkSsoReader: SsoSourceReader = { readApi: readClerkSsoApi, connections: mapClerkConnections };
