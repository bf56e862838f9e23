/**
 * `flagless sso setup --to keycloak`: for each legacy connection, an identity provider in the
 * realm built from the legacy IdP's settings, attribute mappers for email and names, and a
 * first-broker-login flow that links the IdP's user to the account `flagless migrate` already
 * created with the same email, instead of creating a second one.
 *
 * - SAML (`providerId: saml`): idpEntityId, singleSignOnServiceUrl, signingCertificate (base64 DER,
 *   comma-separated), validateSignature, nameIDPolicyFormat, principalType SUBJECT, POST bindings.
 *   With `proxy`, the SP `entityId` is the legacy one the customer's IdP already trusts (the
 *   audience of the responses the cutover proxy forwards); otherwise Keycloak's default.
 * - OIDC (`providerId: oidc`): the endpoints from the issuer's discovery document, imported by
 *   Keycloak itself (POST /identity-provider/import-config), the client id from the inventory and
 *   the client secret from the environment variable `clientSecretEnv` names (never printed).
 * - The first-broker-login flow `flagless-link-existing-user` (sso-link-flow.ts): a first login
 *   through the IdP links silently only to the existing account whose verified email is the asserted
 *   one; an unverified account only after email verification; it never creates an account.
 * Idempotent: what already matches is left alone and reported `unchanged`.
 */
import type IdentityProviderRepresentation from '@keycloak/keycloak-admin-client/lib/defs/identityProviderRepresentation.js';
import type IdentityProviderMapperRepresentation from '@keycloak/keycloak-admin-client/lib/defs/identityProviderMapperRepresentation.js';
import { certificateDer } from '../../lib/sso/certificate.js';
import { FlaglessError } from '../../protocol/errors.js';
import type { SsoProxyTarget, SsoSetupAction, SsoSetupOptions, SsoSetupResult, SsoTargetSetup } from '../../protocol/sso-setup.js';
import type { SsoConnection, SsoInventory } from '../../protocol/sso.js';
import { connectKeycloak, defaultKeycloakConnection, toFlaglessError, type KeycloakConnection } from './admin-client.js';
import { ensureLinkFlow, LINK_FLOW } from './sso-link-flow.js';

export { LINK_FLOW } from './sso-link-flow.js';

/** A Keycloak alias for a connection name: lower case, [a-z0-9-_.]. */
export function idpAlias(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '') || 'sso';
}

const SAML_ATTRIBUTES: Record<string, string[]> = {
  email: ['email', 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress'],
  firstName: ['firstName', 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/givenname'],
  lastName: ['lastName', 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/surname'],
};
const OIDC_CLAIMS: Record<string, string> = { email: 'email', firstName: 'given_name', lastName: 'family_name' };

function wantedMappers(c: SsoConnection, alias: string): IdentityProviderMapperRepresentation[] {
  if (c.protocol === 'saml') {
    return Object.entries(SAML_ATTRIBUTES).flatMap(([attr, names]) =>
      names.map((n, i) => ({
        name: `${attr}${i === 0 ? '' : '-claim'}`,
        identityProviderAlias: alias,
        identityProviderMapper: 'saml-user-attribute-idp-mapper',
        config: { syncMode: 'INHERIT', 'attribute.name': n, 'user.attribute': attr },
      })),
    );
  }
  return Object.entries(OIDC_CLAIMS).map(([attr, claim]) => ({
    name: attr,
    identityProviderAlias: alias,
    identityProviderMapper: 'oidc-user-attribute-idp-mapper',
    config: { syncMode: 'INHERIT', claim, 'user.attribute': attr },
  }));
}

/** The proxy's relay for requests the target issues (`/v1/sso/relay/target/<connection>`). */
export function relayUrl(proxyUrl: string, connection: string): string {
  return `${proxyUrl.replace(/\/+$/, '')}/v1/sso/relay/target/${encodeURIComponent(connection)}`;
}

function samlConfig(c: SsoConnection, proxy: boolean, proxyUrl: string | undefined): Record<string, string> {
  const certs = c.idp.certificates.map((x) => (x.pem ? certificateDer(x.pem)?.toString('base64') : undefined)).filter((x): x is string => !!x);
  return {
    ...(c.idp.entityId ? { idpEntityId: c.idp.entityId } : {}),
    ...(c.idp.signInUrl ? { singleSignOnServiceUrl: proxyUrl ? relayUrl(proxyUrl, c.name) : c.idp.signInUrl } : {}),
    ...(certs.length ? { signingCertificate: certs.join(','), validateSignature: 'true', useMetadataDescriptorUrl: 'false' } : { validateSignature: 'false' }),
    ...(proxy && c.legacySp.entityId ? { entityId: c.legacySp.entityId } : {}),
    nameIDPolicyFormat: c.idp.nameIdFormat ?? 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress',
    principalType: 'SUBJECT',
    postBindingResponse: 'true',
    postBindingAuthnRequest: 'true',
    syncMode: 'IMPORT',
  };
}

/** The keys of `want` whose value differs in `have`. */
function differs(want: Record<string, string>, have: Record<string, unknown> | undefined): string[] {
  return Object.keys(want).filter((k) => (have?.[k] ?? undefined) !== want[k]);
}

function discoveryUrl(c: SsoConnection): string | undefined {
  const issuer = c.idp.issuer?.replace(/\/+$/, '');
  return c.idp.metadataUrl ?? (issuer ? `${issuer}/.well-known/openid-configuration` : undefined);
}

async function oidcConfig(conn: KeycloakConnection, realm: string, c: SsoConnection, secret: string | undefined, proxyUrl: string | undefined): Promise<{ config: Record<string, string>; authorizationUrl?: string }> {
  const discovery = discoveryUrl(c);
  if (!discovery) throw new FlaglessError('E_USAGE', `${c.name}: the inventory has no issuer nor discovery URL for this OIDC connection.`);
  let imported: Record<string, string>;
  try {
    imported = await conn.admin.identityProviders.importFromUrl({ realm, fromUrl: discovery, providerId: 'oidc' });
  } catch (e) {
    throw toFlaglessError(e, `importing the OIDC discovery document of ${c.name} (${discovery})`);
  }
  const keep = ['issuer', 'authorizationUrl', 'tokenUrl', 'userInfoUrl', 'jwksUrl', 'logoutUrl'];
  const out: Record<string, string> = {};
  for (const k of keep) if (typeof imported[k] === 'string' && imported[k] !== '') out[k] = imported[k]!;
  const config = {
    ...out,
    ...(proxyUrl && out.authorizationUrl ? { authorizationUrl: relayUrl(proxyUrl, c.name) } : {}),
    useJwksUrl: 'true',
    validateSignature: 'true',
    ...(c.idp.clientId ? { clientId: c.idp.clientId } : {}),
    ...(secret ? { clientSecret: secret } : {}),
    clientAuthMethod: 'client_secret_post',
    defaultScope: 'openid email profile',
    syncMode: 'IMPORT',
  };
  return { config, ...(out.authorizationUrl ? { authorizationUrl: out.authorizationUrl } : {}) };
}

export async function setupKeycloakSso(inventory: SsoInventory, options: SsoSetupOptions): Promise<SsoSetupResult> {
  const realm = options.realm;
  if (!realm) throw new FlaglessError('E_USAGE', 'Keycloak: give --realm (the realm the users were migrated into).');
  const def = defaultKeycloakConnection(options.env);
  const url = options.targetUrl ?? def.url;
  if (!url) throw new FlaglessError('E_USAGE', 'Keycloak: set KEYCLOAK_URL or pass --target-url.');
  const timeout = Number(options.env.KEYCLOAK_TIMEOUT_MS ?? 30_000);
  const conn = await connectKeycloak({ url, username: def.username, password: def.password, timeoutMs: Number.isFinite(timeout) && timeout > 0 ? timeout : 30_000 });
  const actions: SsoSetupAction[] = [];
  const warnings: string[] = [];
  const proxyTargets: SsoProxyTarget[] = [];
  const secret = options.clientSecretEnv ? options.env[options.clientSecretEnv] : undefined;
  try {
    if (!(await conn.admin.realms.findOne({ realm }))) throw new FlaglessError('E_USAGE', `the realm ${realm} does not exist: migrate the users into it first.`);
    await ensureLinkFlow(conn, realm, options.dryRun, actions);
    for (const c of inventory.connections) {
      if (options.only && !options.only.includes(c.name)) continue;
      const alias = idpAlias(c.name);
      if (c.protocol === 'saml' && !c.idp.signInUrl) {
        warnings.push(`${c.name}: the inventory lacks the IdP's SSO URL; not set up (complete it from the customer's metadata).`);
        actions.push({ connection: c.name, what: 'identity-provider', action: 'skipped', detail: 'IdP SSO URL unknown' });
        continue;
      }
      // Keycloak checks the responses' Issuer only when idpEntityId is set (Auth0 never stores it).
      if (c.protocol === 'saml' && !c.idp.entityId) warnings.push(`${c.name}: the IdP's entity ID is unknown, so Keycloak will not check the responses' Issuer; add it (idpEntityId) from the customer's metadata${c.idp.metadataUrl ? ` (${c.idp.metadataUrl}: its EntityDescriptor entityID)` : ''}.`);
      if (c.protocol === 'saml' && c.idp.certificates.every((x) => !x.pem)) warnings.push(`${c.name}: no signing certificate in the inventory: Keycloak will not validate signatures until one is added.`);
      if (c.protocol === 'oidc' && !secret) warnings.push(`${c.name}: no client secret (${options.clientSecretEnv ? `${options.clientSecretEnv} is empty` : 'give --client-secret-env'}); set it in Keycloak before the cutover.`);
      // Measured on Keycloak 26.7 (test/keycloak/sso-setup.test.ts): its SAML endpoint refuses a
      // response whose Destination is not its own broker endpoint (invalid_destination, before the
      // signature check), with no setting to widen it; the proxy forwards the IdP's signed bytes,
      // addressed to the legacy ACS URL. Only requests Keycloak issued through the relay whose
      // response the IdP sends to the AssertionConsumerServiceURL asked for can come back.
      if ((options.proxy || options.proxyUrl) && c.protocol === 'saml') {
        warnings.push(`${c.name}: Keycloak refuses SAML responses addressed to another ACS URL (Destination), and the proxy forwards this IdP's responses addressed to the legacy one (${c.legacySp.acsUrl ?? 'the legacy ACS URL'}): to move this connection to Keycloak, the IdP's ACS URL must become ${url.replace(/\/+$/, '')}/realms/${realm}/broker/${idpAlias(c.name)}/endpoint (the handoff path).`);
      }
      if (options.proxy && c.protocol === 'saml' && !c.legacySp.entityId) warnings.push(`${c.name}: --proxy, but the legacy SP entity ID is unknown; Keycloak keeps its own.`);
      const proxyUrl = options.proxyUrl;
      const oidc = c.protocol === 'oidc' ? await oidcConfig(conn, realm, c, secret, proxyUrl) : undefined;
      const config = oidc?.config ?? samlConfig(c, options.proxy || !!proxyUrl, proxyUrl);
      // The proxy relays this side's requests on to the IdP's own sign-in URL, and sends responses
      // for the target to the broker endpoint (Keycloak's SAML ACS and OIDC redirect URI alike).
      const idpSignInUrl = oidc ? oidc.authorizationUrl : c.idp.signInUrl;
      proxyTargets.push({ connection: c.name, callbackUrl: `${url.replace(/\/+$/, '')}/realms/${encodeURIComponent(realm)}/broker/${alias}/endpoint`, ...(idpSignInUrl ? { idpSignInUrl } : {}) });
      const want: IdentityProviderRepresentation = {
        alias,
        displayName: c.name,
        providerId: c.protocol,
        enabled: true,
        trustEmail: true,
        firstBrokerLoginFlowAlias: LINK_FLOW,
        config,
      };
      const have = await conn.admin.identityProviders.findOne({ realm, alias });
      // The secret is write-only in Keycloak (it answers **********): never compare it.
      const compared = { ...config };
      delete compared.clientSecret;
      const changed = have ? [...differs(compared, have.config as Record<string, unknown>), ...(have.firstBrokerLoginFlowAlias !== LINK_FLOW ? ['firstBrokerLoginFlowAlias'] : []), ...(have.providerId !== c.protocol ? ['providerId'] : [])] : [];
      if (!have) {
        if (!options.dryRun) await conn.admin.identityProviders.create({ realm, ...want });
        actions.push({ connection: c.name, what: 'identity-provider', action: options.dryRun ? 'would-create' : 'created', id: alias });
      } else if (changed.length) {
        if (!options.dryRun) await conn.admin.identityProviders.update({ realm, alias }, { ...have, ...want, config: { ...(have.config ?? {}), ...config } });
        actions.push({ connection: c.name, what: 'identity-provider', action: options.dryRun ? 'would-update' : 'updated', id: alias, detail: changed.join(', ') });
      } else actions.push({ connection: c.name, what: 'identity-provider', action: 'unchanged', id: alias });
      const existing = have || !options.dryRun ? await conn.admin.identityProviders.findMappers({ realm, alias }) : [];
      for (const m of wantedMappers(c, alias)) {
        const found = existing.find((e) => e.name === m.name);
        const mChanged = found ? differs(m.config as Record<string, string>, found.config as Record<string, unknown>).length > 0 || found.identityProviderMapper !== m.identityProviderMapper : false;
        if (!found) {
          if (!options.dryRun) await conn.admin.identityProviders.createMapper({ realm, alias, identityProviderMapper: m });
          actions.push({ connection: c.name, what: `mapper:${m.name}`, action: options.dryRun ? 'would-create' : 'created' });
        } else if (mChanged) {
          if (!options.dryRun) await conn.admin.identityProviders.updateMapper({ realm, alias, id: found.id! }, { ...found, ...m, id: found.id! });
          actions.push({ connection: c.name, what: `mapper:${m.name}`, action: options.dryRun ? 'would-update' : 'updated' });
        } else actions.push({ connection: c.name, what: `mapper:${m.name}`, action: 'unchanged' });
      }
    }
  } catch (e) {
    throw toFlaglessError(e, 'setting up identity providers');
  }
  return { target: 'keycloak', actions, warnings, ...(options.proxyUrl ? { proxyTargets } : {}) };
}

export const keycloakSsoSetup: SsoTargetSetup = { setup: setupKeycloakSso };
