import type ClientRepresentation from '@keycloak/keycloak-admin-client/lib/defs/clientRepresentation.js';
import { FlaglessError } from '../../protocol/errors.js';
import { connectKeycloak, defaultKeycloakConnection, toFlaglessError, type KeycloakConnection } from './admin-client.js';
import { mapperFor, type ClaimSpec } from './claim-mappers.js';

export interface ClientSetup {
  realm: string;
  frontend: { clientId: string; redirectUris: string[]; webOrigins: string[] };
  backend: { clientId: string };
  claims: ClaimSpec[];
}

export interface ClientSetupResult {
  frontend: 'created' | 'updated';
  backend: 'created' | 'updated';
  mappers: { claim: string; mapper: string; action: 'created' | 'replaced' | 'unchanged' }[];
}

async function ensureClient(conn: KeycloakConnection, realm: string, rep: ClientRepresentation): Promise<{ id: string; action: 'created' | 'updated' }> {
  const found = (await conn.admin.clients.find({ realm, clientId: rep.clientId! })).find((c) => c.clientId === rep.clientId);
  if (found?.id) {
    await conn.admin.clients.update({ realm, id: found.id }, { ...found, ...rep, attributes: { ...(found.attributes ?? {}), ...(rep.attributes ?? {}) } });
    return { id: found.id, action: 'updated' };
  }
  const created = await conn.admin.clients.create({ realm, ...rep });
  return { id: created.id, action: 'created' };
}

/** The client scope holding the legacy claims' mappers: default on every client that must issue them. */
export const CLAIMS_SCOPE = 'flagless-legacy-claims';

export async function ensureClaimsScope(conn: KeycloakConnection, realm: string): Promise<string> {
  const found = (await conn.admin.clientScopes.find({ realm })).find((c) => c.name === CLAIMS_SCOPE);
  if (found?.id) return found.id;
  await conn.admin.clientScopes.create({ realm, name: CLAIMS_SCOPE, protocol: 'openid-connect', attributes: { 'include.in.token.scope': 'false', 'display.on.consent.screen': 'false' } });
  const created = (await conn.admin.clientScopes.find({ realm })).find((c) => c.name === CLAIMS_SCOPE);
  if (!created?.id) throw new FlaglessError('E_TARGET_UNAVAILABLE', `Keycloak did not create the client scope ${CLAIMS_SCOPE}`);
  return created.id;
}

/**
 * The realm's clients the guide lists, idempotently: a public frontend client (authorization code
 * with PKCE S256 only), a confidential backend client (client credentials only), and one
 * protocol mapper per claim the legacy tokens carried, in a client scope both clients use by default. Never reads or prints
 * the backend client's secret.
 */
export async function setupKeycloakClients(conn: KeycloakConnection, s: ClientSetup): Promise<ClientSetupResult> {
  try {
    const realm = await conn.admin.realms.findOne({ realm: s.realm });
    if (!realm) throw new FlaglessError('E_USAGE', `the realm ${s.realm} does not exist: create it, or migrate users into it first (flagless migrate --to keycloak --realm ${s.realm})`);
    const frontend = await ensureClient(conn, s.realm, {
      clientId: s.frontend.clientId,
      enabled: true,
      protocol: 'openid-connect',
      publicClient: true,
      standardFlowEnabled: true,
      implicitFlowEnabled: false,
      directAccessGrantsEnabled: false,
      serviceAccountsEnabled: false,
      redirectUris: s.frontend.redirectUris,
      webOrigins: s.frontend.webOrigins,
      attributes: { 'pkce.code.challenge.method': 'S256', 'post.logout.redirect.uris': '+' },
    });
    const backend = await ensureClient(conn, s.realm, {
      clientId: s.backend.clientId,
      enabled: true,
      protocol: 'openid-connect',
      publicClient: false,
      clientAuthenticatorType: 'client-secret',
      standardFlowEnabled: false,
      implicitFlowEnabled: false,
      directAccessGrantsEnabled: false,
      serviceAccountsEnabled: true,
    });
    const scopeId = await ensureClaimsScope(conn, s.realm);
    for (const id of [frontend.id, backend.id]) await conn.admin.clients.addDefaultClientScope({ realm: s.realm, id, clientScopeId: scopeId });
    const existing = await conn.admin.clientScopes.listProtocolMappers({ realm: s.realm, id: scopeId });
    const mappers: ClientSetupResult['mappers'] = [];
    for (const spec of s.claims) {
      const want = mapperFor(spec);
      const have = existing.find((m) => m.name === want.name);
      if (have?.id) {
        const same = have.protocolMapper === want.protocolMapper && JSON.stringify(have.config ?? {}) === JSON.stringify({ ...(have.config ?? {}), ...(want.config ?? {}) });
        if (same) {
          mappers.push({ claim: spec.claim, mapper: want.protocolMapper!, action: 'unchanged' });
          continue;
        }
        await conn.admin.clientScopes.delProtocolMapper({ realm: s.realm, id: scopeId, mapperId: have.id });
      }
      await conn.admin.clientScopes.addProtocolMapper({ realm: s.realm, id: scopeId }, want);
      mappers.push({ claim: spec.claim, mapper: want.protocolMapper!, action: have ? 'replaced' : 'created' });
    }
    return { frontend: frontend.action, backend: backend.action, mappers };
  } catch (e) {
    if (e instanceof FlaglessError) throw e;
    throw toFlaglessError(e, 'set up clients');
  }
}

/**
 * The admin connection `setup keycloak` and `tokens compare` use: --target-url or KEYCLOAK_URL (or
 * the local server), KEYCLOAK_ADMIN_USERNAME / KEYCLOAK_ADMIN_PASSWORD / KEYCLOAK_ADMIN_REALM, and
 * KEYCLOAK_TIMEOUT_MS per request, as the Keycloak target reads them.
 */
export async function connectKeycloakFromEnv(env: Record<string, string | undefined>, urlOverride?: string): Promise<{ conn: KeycloakConnection; url: string; timeoutMs: number }> {
  const d = defaultKeycloakConnection(env);
  const url = (urlOverride ?? env.KEYCLOAK_URL ?? d.url)?.replace(/\/+$/, '');
  if (!url) throw new FlaglessError('E_USAGE', 'no Keycloak: set KEYCLOAK_URL or pass --target-url');
  const timeoutMs = Number(env.KEYCLOAK_TIMEOUT_MS) || 30_000;
  const conn = await connectKeycloak({ url, username: env.KEYCLOAK_ADMIN_USERNAME || d.username, password: env.KEYCLOAK_ADMIN_PASSWORD || d.password, adminRealm: env.KEYCLOAK_ADMIN_REALM || 'master', timeoutMs });
  return { conn, url, timeoutMs };
}
