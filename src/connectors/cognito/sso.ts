/**
 * Cognito user-pool identity providers for `flagless sso inventory`, through
 * @aws-sdk/client-cognito-identity-provider: DescribeUserPool (the pool's domain),
 * ListIdentityProviders (≤ 60 a page) and DescribeIdentityProvider for each SAML or OIDC one.
 *
 * What the customer's IdP is configured with (docs.aws.amazon.com/cognito, "Adding SAML IdPs"):
 *   ACS URL        https://{domain}/saml2/idpresponse
 *   SP entity ID   urn:amazon:cognito:sp:{userPoolId}
 *   OIDC redirect  https://{domain}/oauth2/idpresponse
 * {domain} is the custom domain when the pool has one, else {prefix}.auth.{region}.amazoncognito.com.
 *
 * SAML details come from ProviderDetails.MetadataFile, or from MetadataURL (fetched once, public
 * metadata). OIDC `client_secret` is dropped before anything is kept.
 */
import { describeCertificates } from '../../lib/sso/certificate.js';
import { FlaglessError } from '../../protocol/errors.js';
import type { SsoDump, SsoMapOptions, SsoMapResult, SsoReadOptions, SsoSourceReader } from '../../protocol/sso-source.js';
import type { SsoConnection } from '../../protocol/sso.js';
import { apiError, makeClient } from './read-api.js';
import { parseIdpMetadata } from './saml-metadata.js';

const MAX_RESULTS = 60;
const METADATA_LIMIT = 1_000_000;
const DROPPED = new Set(['client_secret']);

export interface CognitoDumpProvider {
  ProviderName: string;
  ProviderType: string;
  ProviderDetails: Record<string, string>;
  IdpIdentifiers: string[];
  /** MetadataURL's document, fetched at inventory time (no MetadataFile in the answer). */
  FetchedMetadata?: string;
}

export interface CognitoSsoDump extends SsoDump {
  vendor: 'cognito';
  userPoolId: string;
  region: string;
  /** Prefix domain (`Domain`) and custom domain (`CustomDomain`) of the pool. */
  domain?: string;
  customDomain?: string;
  providers: CognitoDumpProvider[];
}

/** The IdP's public metadata, read with a time and size bound (a metadata document is a few KB). */
async function fetchMetadata(url: string): Promise<string> {
  const res = await fetch(url, { signal: AbortSignal.timeout(10_000) });
  if (!res.ok || !res.body) throw new Error(`HTTP ${res.status}`);
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    size += chunk.length;
    if (size > METADATA_LIMIT) throw new Error('larger than 1 MB');
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

export async function readCognitoSsoApi(options: SsoReadOptions): Promise<CognitoSsoDump> {
  const env = options.env ?? process.env;
  const poolId = env.COGNITO_USER_POOL_ID;
  if (!poolId) throw new FlaglessError('E_USAGE', 'Cognito: set COGNITO_USER_POOL_ID (and AWS_REGION and AWS credentials).');
  const { client, sdk } = await makeClient({ ...(options.apiUrl ? { apiUrl: options.apiUrl } : {}) }, env, poolId);
  const warnings: string[] = [];
  try {
    let op = 'DescribeUserPool';
    try {
      const pool = await client.send(new sdk.DescribeUserPoolCommand({ UserPoolId: poolId }));
      op = 'ListIdentityProviders';
      const names: string[] = [];
      for await (const page of sdk.paginateListIdentityProviders({ client, pageSize: MAX_RESULTS }, { UserPoolId: poolId })) {
        for (const p of page.Providers ?? []) if (p.ProviderName && (p.ProviderType === 'SAML' || p.ProviderType === 'OIDC')) names.push(p.ProviderName);
      }
      op = 'DescribeIdentityProvider';
      const providers: CognitoDumpProvider[] = [];
      for (const ProviderName of names) {
        const { IdentityProvider: p } = await client.send(new sdk.DescribeIdentityProviderCommand({ UserPoolId: poolId, ProviderName }));
        if (!p?.ProviderName || !p.ProviderType) continue;
        const details: Record<string, string> = {};
        for (const [k, v] of Object.entries(p.ProviderDetails ?? {})) if (!DROPPED.has(k) && typeof v === 'string') details[k] = v;
        const entry: CognitoDumpProvider = { ProviderName: p.ProviderName, ProviderType: p.ProviderType, ProviderDetails: details, IdpIdentifiers: p.IdpIdentifiers ?? [] };
        if (p.ProviderType === 'SAML' && !details.MetadataFile && details.MetadataURL) {
          try {
            entry.FetchedMetadata = await fetchMetadata(details.MetadataURL);
          } catch (e) {
            warnings.push(`${p.ProviderName}: its metadata URL could not be read (${(e as Error).message}); entity ID and certificates are unknown.`);
          }
        }
        providers.push(entry);
      }
      const region = String(await client.config.region());
      return {
        vendor: 'cognito',
        takenAt: new Date().toISOString(),
        userPoolId: poolId,
        region,
        ...(pool.UserPool?.Domain ? { domain: pool.UserPool.Domain } : {}),
        ...(pool.UserPool?.CustomDomain ? { customDomain: pool.UserPool.CustomDomain } : {}),
        providers,
        ...(warnings.length ? { warnings } : {}),
      };
    } catch (e) {
      throw apiError(op, e);
    }
  } finally {
    client.destroy();
  }
}

export function mapCognitoConnections(dump: SsoDump, options: SsoMapOptions): SsoMapResult {
  const d = dump as CognitoSsoDump;
  if (!Array.isArray(d.providers) || typeof d.userPoolId !== 'string') throw new FlaglessError('E_SOURCE_PARSE', 'the dump is not a Cognito SSO dump: it lacks userPoolId or providers.');
  const warnings = Array.isArray(d.warnings) ? (d.warnings as string[]).filter((w) => typeof w === 'string') : [];
  const host = options.legacyHost ?? d.customDomain ?? (d.domain ? `${d.domain}.auth.${d.region}.amazoncognito.com` : undefined);
  if (!host) warnings.push('the user pool has no domain: the ACS and redirect URLs are unknown (pass --legacy-host).');
  const connections: SsoConnection[] = d.providers.map((p) => {
    const det = p.ProviderDetails ?? {};
    if (p.ProviderType === 'SAML') {
      const meta = parseIdpMetadata(det.MetadataFile ?? p.FetchedMetadata ?? '');
      if ((det.MetadataFile || p.FetchedMetadata) && !meta) warnings.push(`${p.ProviderName}: its SAML metadata could not be parsed.`);
      return {
        name: p.ProviderName,
        legacyId: p.ProviderName,
        vendor: 'cognito',
        protocol: 'saml',
        kind: 'SAML',
        enabled: true,
        idp: {
          ...(meta?.entityId ? { entityId: meta.entityId } : {}),
          ...(meta?.ssoUrl ?? det.SSORedirectBindingURI ? { signInUrl: meta?.ssoUrl ?? det.SSORedirectBindingURI } : {}),
          ...(det.MetadataURL ? { metadataUrl: det.MetadataURL } : {}),
          ...(meta?.nameIdFormat ? { nameIdFormat: meta.nameIdFormat } : {}),
          certificates: describeCertificates(meta?.signingCertificates ?? []),
        },
        legacySp: { ...(host ? { acsUrl: `https://${host}/saml2/idpresponse` } : {}), entityId: `urn:amazon:cognito:sp:${d.userPoolId}` },
        domains: p.IdpIdentifiers ?? [],
        organizations: [],
      } satisfies SsoConnection;
    }
    return {
      name: p.ProviderName,
      legacyId: p.ProviderName,
      vendor: 'cognito',
      protocol: 'oidc',
      kind: 'OIDC',
      enabled: true,
      idp: {
        ...(det.oidc_issuer ? { issuer: det.oidc_issuer } : {}),
        ...(det.authorize_url ? { signInUrl: det.authorize_url } : {}),
        ...(det.client_id ? { clientId: det.client_id } : {}),
        certificates: [],
      },
      legacySp: host ? { callbackUrl: `https://${host}/oauth2/idpresponse` } : {},
      domains: p.IdpIdentifiers ?? [],
      organizations: [],
    } satisfies SsoConnection;
  });
  return { connections, warnings };
}

export const cognitoSsoReader: SsoSourceReader = { readApi: readCognitoSsoApi, connections: mapCognitoConnections };
