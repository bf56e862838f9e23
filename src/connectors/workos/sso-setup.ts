/**
 * `flagless sso setup --to workos`: one WorkOS organization per legacy connection, found by
 * external id first and created exactly once, then one Admin Portal link per connection
 * (`portal.generateLink` with intent `sso`, POST /portal/generate_link) for the customer's IT
 * admin to set the connection up at WorkOS.
 *
 * Which organization: a connection enabled for exactly one legacy organization goes to the
 * organization `flagless migrate` created for it (external_id = the legacy organization id);
 * otherwise its own, external_id `sso:<legacy connection id>`. A create carries an
 * Idempotency-Key derived from that external id, so a retried request cannot create two.
 * Domains go in as `pending`: the customer verifies them in the Admin Portal.
 *
 * Portal links expire five minutes after issuance (workos.com/docs/reference/admin-portal/
 * portal-link): `expiresAt` says so, and `sso links` makes fresh ones on demand.
 */
import type { WorkOS } from '@workos-inc/node';
import type { SsoSetupAction, SsoSetupLink, SsoSetupOptions, SsoSetupResult, SsoTargetSetup } from '../../protocol/sso-setup.js';
import type { SsoConnection, SsoInventory } from '../../protocol/sso.js';
import { classifyWorkosError, isNotFound } from './errors.js';
import { WORKOS_EXTERNAL_ID_MAX_LENGTH } from './map.js';
import { workosConnection } from './target.js';

/** Documented lifetime of a portal link. */
export const PORTAL_LINK_TTL_MS = 5 * 60_000;

/** The external id the connection's organization has at WorkOS. */
export function organizationExternalId(c: SsoConnection): string {
  if (c.organizations.length === 1 && c.organizations[0]!.length <= WORKOS_EXTERNAL_ID_MAX_LENGTH) return c.organizations[0]!;
  const own = `sso:${c.legacyId}`;
  return own.length <= WORKOS_EXTERNAL_ID_MAX_LENGTH ? own : `sso:${c.legacyId.slice(0, WORKOS_EXTERNAL_ID_MAX_LENGTH - 4)}`;
}

const DOMAIN = /^[a-z0-9.-]+\.[a-z]{2,}$/i;

async function findByExternalId(workos: WorkOS, externalId: string): Promise<{ id: string } | undefined> {
  try {
    return await workos.organizations.getOrganizationByExternalId(externalId);
  } catch (e) {
    if (isNotFound(e)) return undefined;
    throw classifyWorkosError(e, `looking up the organization with external id ${externalId}`);
  }
}

export async function setupWorkosSso(inventory: SsoInventory, options: SsoSetupOptions): Promise<SsoSetupResult> {
  const conn = workosConnection({ env: options.env, ...(options.targetUrl ? { url: options.targetUrl } : {}) });
  const { WorkOS: Client, GeneratePortalLinkIntent } = await import('@workos-inc/node');
  const workos = new Client(conn.apiKey, { apiHostname: conn.apiHostname, ...(conn.port ? { port: conn.port } : {}), https: conn.https, timeout: conn.timeoutMs } as ConstructorParameters<typeof Client>[1]);
  const actions: SsoSetupAction[] = [];
  const links: SsoSetupLink[] = [];
  const warnings: string[] = [];
  for (const c of inventory.connections) {
    if (options.only && !options.only.includes(c.name)) continue;
    const externalId = organizationExternalId(c);
    const domains = c.domains.filter((d) => DOMAIN.test(d)).map((d) => d.toLowerCase());
    for (const d of c.domains) if (!DOMAIN.test(d)) warnings.push(`${c.name}: "${d}" is not a domain WorkOS accepts; left out of the organization.`);
    let org = await findByExternalId(workos, externalId);
    if (org) {
      actions.push({ connection: c.name, what: 'organization', action: 'unchanged', id: org.id, detail: `external id ${externalId}` });
    } else if (options.linksOnly) {
      warnings.push(`${c.name}: no organization with external id ${externalId} yet: run \`flagless sso setup --to workos\` first.`);
      continue;
    } else if (options.dryRun) {
      actions.push({ connection: c.name, what: 'organization', action: 'would-create', detail: `external id ${externalId}${domains.length ? `, domains ${domains.join(', ')} (pending)` : ''}` });
      continue;
    } else {
      try {
        org = await workos.organizations.createOrganization(
          { name: c.name, externalId, ...(domains.length ? { domainData: domains.map((domain) => ({ domain, state: 'pending' as never })) } : {}) },
          { idempotencyKey: `flagless-sso-org:${externalId}` },
        );
      } catch (e) {
        throw classifyWorkosError(e, `creating the organization for ${c.name}`);
      }
      actions.push({ connection: c.name, what: 'organization', action: 'created', id: org.id, detail: `external id ${externalId}` });
    }
    if (options.dryRun) {
      actions.push({ connection: c.name, what: 'portal-link', action: 'would-create', detail: 'intent sso' });
      continue;
    }
    const issuedAt = Date.now();
    let link: string;
    try {
      ({ link } = await workos.portal.generateLink({
        intent: GeneratePortalLinkIntent.SSO,
        organization: org.id,
        ...(options.returnUrl ? { returnUrl: options.returnUrl } : {}),
        ...(options.successUrl ? { successUrl: options.successUrl } : {}),
      }));
    } catch (e) {
      throw classifyWorkosError(e, `generating the Admin Portal link for ${c.name}`);
    }
    links.push({ connection: c.name, organizationId: org.id, domains, link, expiresAt: new Date(issuedAt + PORTAL_LINK_TTL_MS).toISOString() });
    actions.push({ connection: c.name, what: 'portal-link', action: 'generated', id: org.id });
  }
  return { target: 'workos', actions, links, warnings };
}

export const workosSsoSetup: SsoTargetSetup = { setup: setupWorkosSso };
