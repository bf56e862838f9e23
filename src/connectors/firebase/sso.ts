/**
 * Firebase Authentication / Identity Platform inbound SAML and OIDC providers for
 * `flagless sso inventory`, through the Identity Toolkit admin v2 REST API
 * (cloud.google.com/identity-platform/docs/reference/rest/v2):
 *   GET {base}/admin/v2/projects/{project}/inboundSamlConfigs?pageSize=&pageToken=
 *   GET {base}/admin/v2/projects/{project}/oauthIdpConfigs?pageSize=&pageToken=
 * (`{inboundSamlConfigs|oauthIdpConfigs: [...], nextPageToken}`). The connector has no Firebase
 * SDK (firebase-admin is not a dependency), so this is plain fetch with a bearer token.
 *
 * Credentials: FIREBASE_PROJECT_ID and FIREBASE_ACCESS_TOKEN (an OAuth 2 access token with the
 * identitytoolkit, firebase or cloud-platform scope, e.g. `gcloud auth print-access-token`).
 * Callback: every provider returns to https://{authDomain}/__/auth/handler (FIREBASE_AUTH_DOMAIN,
 * default {project}.firebaseapp.com); SAML configs also carry their own spConfig.callbackUri and
 * spConfig.spEntityId, which are what the IdP was given, and win.
 * OIDC `clientSecret` is dropped before anything is kept.
 */
import { describeCertificates } from '../../lib/sso/certificate.js';
import { FlaglessError } from '../../protocol/errors.js';
import { httpStatusError } from '../../protocol/http-status.js';
import type { SsoDump, SsoMapOptions, SsoMapResult, SsoReadOptions, SsoSourceReader } from '../../protocol/sso-source.js';
import type { SsoConnection } from '../../protocol/sso.js';

const BASE = 'https://identitytoolkit.googleapis.com';
const PAGE_SIZE = 100;

export interface FirebaseSamlConfig {
  name: string;
  displayName?: string;
  enabled?: boolean;
  idpConfig?: { idpEntityId?: string; ssoUrl?: string; idpCertificates?: { x509Certificate?: string }[]; signRequest?: boolean };
  spConfig?: { spEntityId?: string; callbackUri?: string };
}

export interface FirebaseOidcConfig {
  name: string;
  displayName?: string;
  enabled?: boolean;
  clientId?: string;
  issuer?: string;
  responseType?: { idToken?: boolean; code?: boolean };
}

export interface FirebaseSsoDump extends SsoDump {
  vendor: 'firebase';
  projectId: string;
  authDomain: string;
  inboundSamlConfigs: FirebaseSamlConfig[];
  oauthIdpConfigs: FirebaseOidcConfig[];
}

async function listAll<T>(base: string, project: string, kind: string, token: string): Promise<T[]> {
  const out: T[] = [];
  let pageToken: string | undefined;
  for (let pages = 0; pages < 10_000; pages++) {
    const url = new URL(`${base}/admin/v2/projects/${encodeURIComponent(project)}/${kind}`);
    url.searchParams.set('pageSize', String(PAGE_SIZE));
    if (pageToken) url.searchParams.set('pageToken', pageToken);
    let res: Response;
    try {
      res = await fetch(url, { headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(30_000) });
    } catch (e) {
      throw new FlaglessError('E_SOURCE_API', `cannot reach the Identity Toolkit API listing ${kind}: ${(e as Error).message}`, { errorClass: 'retriable', cause: e });
    }
    const body = (await res.json().catch(() => undefined)) as Record<string, unknown> | undefined;
    if (!res.ok) {
      const err = body?.error as { message?: unknown; status?: unknown } | undefined;
      const detail = typeof err?.status === 'string' ? ` ${err.status}` : '';
      const fix = res.status === 401 || res.status === 403 ? ': check FIREBASE_ACCESS_TOKEN (a token with the identitytoolkit or cloud-platform scope) and FIREBASE_PROJECT_ID' : '';
      throw httpStatusError(res.status, `Identity Toolkit answered ${res.status}${detail} listing ${kind}${fix}.`, { side: 'source' });
    }
    const items = body?.[kind];
    if (Array.isArray(items)) out.push(...(items as T[]));
    pageToken = typeof body?.nextPageToken === 'string' && body.nextPageToken !== '' ? body.nextPageToken : undefined;
    if (!pageToken) return out;
  }
  return out;
}

export async function readFirebaseSsoApi(options: SsoReadOptions): Promise<FirebaseSsoDump> {
  const env = options.env ?? process.env;
  const projectId = env.FIREBASE_PROJECT_ID;
  const token = env.FIREBASE_ACCESS_TOKEN;
  if (!projectId || !token) throw new FlaglessError('E_USAGE', 'Firebase: set FIREBASE_PROJECT_ID and FIREBASE_ACCESS_TOKEN (e.g. `gcloud auth print-access-token`) to read the inbound SAML and OIDC providers.');
  const base = (options.apiUrl ?? BASE).replace(/\/+$/, '');
  const saml = await listAll<FirebaseSamlConfig>(base, projectId, 'inboundSamlConfigs', token);
  const oidc = await listAll<FirebaseOidcConfig & { clientSecret?: string }>(base, projectId, 'oauthIdpConfigs', token);
  return {
    vendor: 'firebase',
    takenAt: new Date().toISOString(),
    projectId,
    authDomain: env.FIREBASE_AUTH_DOMAIN ?? `${projectId}.firebaseapp.com`,
    inboundSamlConfigs: saml,
    // The client secret stays at Google.
    oauthIdpConfigs: oidc.map(({ clientSecret: _secret, ...rest }) => rest),
  };
}

const idOf = (name: string): string => name.split('/').pop() ?? name;

export function mapFirebaseConnections(dump: SsoDump, options: SsoMapOptions): SsoMapResult {
  const d = dump as FirebaseSsoDump;
  if (!Array.isArray(d.inboundSamlConfigs) || !Array.isArray(d.oauthIdpConfigs)) throw new FlaglessError('E_SOURCE_PARSE', 'the dump is not a Firebase SSO dump: it lacks inboundSamlConfigs or oauthIdpConfigs.');
  const handler = `https://${options.legacyHost ?? d.authDomain}/__/auth/handler`;
  const connections: SsoConnection[] = [
    ...d.inboundSamlConfigs.map((c): SsoConnection => ({
      name: idOf(c.name),
      legacyId: idOf(c.name),
      vendor: 'firebase',
      protocol: 'saml',
      kind: 'inboundSamlConfig',
      enabled: c.enabled === true,
      idp: {
        ...(c.idpConfig?.idpEntityId ? { entityId: c.idpConfig.idpEntityId } : {}),
        ...(c.idpConfig?.ssoUrl ? { signInUrl: c.idpConfig.ssoUrl } : {}),
        certificates: describeCertificates((c.idpConfig?.idpCertificates ?? []).map((x) => x.x509Certificate)),
      },
      legacySp: { acsUrl: c.spConfig?.callbackUri ?? handler, ...(c.spConfig?.spEntityId ? { entityId: c.spConfig.spEntityId } : {}) },
      domains: [],
      organizations: [],
    })),
    ...d.oauthIdpConfigs.map((c): SsoConnection => ({
      name: idOf(c.name),
      legacyId: idOf(c.name),
      vendor: 'firebase',
      protocol: 'oidc',
      kind: 'oauthIdpConfig',
      enabled: c.enabled === true,
      idp: { ...(c.issuer ? { issuer: c.issuer } : {}), ...(c.clientId ? { clientId: c.clientId } : {}), certificates: [] },
      legacySp: { callbackUrl: handler },
      domains: [],
      organizations: [],
    })),
  ];
  return { connections, warnings: [] };
}

export const firebaseSsoReader: SsoSourceReader = { readApi: readFirebaseSsoApi, connections: mapFirebaseConnections };
