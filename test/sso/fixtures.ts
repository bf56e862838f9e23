// Inventories for the setup tests: built as `sso inventory` builds them (vendor-neutral shape).
import { describeCertificate } from '../../src/lib/sso/certificate.js';
import type { SsoConnection, SsoInventory } from '../../src/protocol/sso.js';
import type { TestCertificate } from '../helpers/certificates.js';

const slug = (name: string) => name.toLowerCase().replace(/[^a-z0-9]+/g, '-');

export function samlConnection(name: string, cert: TestCertificate | undefined, extra: Partial<SsoConnection> = {}): SsoConnection {
  return {
    name,
    legacyId: `con_${name}`,
    vendor: 'auth0',
    protocol: 'saml',
    kind: 'samlp',
    enabled: true,
    idp: { entityId: `https://idp.${slug(name)}.test/entity`, signInUrl: `https://idp.${slug(name)}.test/sso`, certificates: cert ? [describeCertificate(cert.pem)!] : [] },
    legacySp: { acsUrl: `https://tenant.eu.auth0.com/login/callback?connection=${encodeURIComponent(name)}`, entityId: `urn:auth0:tenant:${slug(name)}` },
    domains: [`${slug(name)}.test`],
    organizations: [],
    ...extra,
  };
}

export function oidcConnection(name: string, issuer: string, clientId: string, extra: Partial<SsoConnection> = {}): SsoConnection {
  return {
    name,
    legacyId: `con_${name}`,
    vendor: 'auth0',
    protocol: 'oidc',
    kind: 'oidc',
    enabled: true,
    idp: { issuer, clientId, certificates: [] },
    legacySp: { callbackUrl: 'https://tenant.eu.auth0.com/login/callback' },
    domains: [`${slug(name)}.test`],
    organizations: [],
    ...extra,
  };
}

export function inventoryOf(connections: SsoConnection[]): SsoInventory {
  return { vendor: 'auth0', takenAt: new Date().toISOString(), connections, recommendedPath: connections.length >= 15 ? 'proxy' : 'handoff' };
}
