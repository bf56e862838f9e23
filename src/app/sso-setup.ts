/**
 * `flagless sso setup` / `sso links`: prepares a target for the inventory's connections through
 * the target's own setup (the connector registry's SSO_TARGETS), and writes WorkOS's Admin Portal
 * links to a CSV for the team to send to each customer's IT admin.
 */
import { rename, writeFile } from 'node:fs/promises';
import { stringify } from 'csv-stringify/sync';
import { SSO_TARGETS } from '../connectors/index.js';
import { parseSsoProxyConfig } from '../gateway/sso/config.js';
import { FlaglessError } from '../protocol/errors.js';
import type { SsoProxyTarget, SsoSetupLink, SsoSetupOptions, SsoSetupResult } from '../protocol/sso-setup.js';
import type { SsoInventory } from '../protocol/sso.js';

export const SSO_TARGET_NAMES = Object.keys(SSO_TARGETS);

export async function ssoSetup(to: string, inventory: SsoInventory, options: SsoSetupOptions): Promise<SsoSetupResult> {
  const load = SSO_TARGETS[to];
  if (!load) throw new FlaglessError('E_USAGE', `sso setup supports ${SSO_TARGET_NAMES.join(', ')}; got "${to}".`);
  // Refused before anything is written.
  for (const name of options.only ?? []) if (!inventory.connections.some((c) => c.name === name)) throw new FlaglessError('E_USAGE', `no connection named ${name} in the inventory.`);
  return (await load()).setup(inventory, options);
}

/** The links CSV: connection, organization_id, domains (space-separated), link, expires_at. */
export function linksCsv(links: readonly SsoSetupLink[]): string {
  return stringify([['connection', 'organization_id', 'domains', 'link', 'expires_at'], ...links.map((l) => [l.connection, l.organizationId, l.domains.join(' '), l.link, l.expiresAt])]);
}

/** Writes the CSV whole or not at all (owner-only: a live link opens the customer's setup). */
export async function writeLinksCsv(path: string, links: readonly SsoSetupLink[]): Promise<void> {
  await writeFile(`${path}.partial`, linksCsv(links), { mode: 0o600 });
  await rename(`${path}.partial`, path);
}


/**
 * The cutover proxy's `--sso-config` for what setup made: the inventory (legacy callback paths and
 * URLs, issuers, IdP sign-in URLs, certificate expiry) plus, per connection set up, the target's
 * callback URL and the IdP's own sign-in URL the proxy relays requests to. Checked by the proxy's
 * own parser, so `serve --sso-config` takes it as written; a refusal says why.
 */
export function ssoProxyConfig(inventory: SsoInventory, targets: readonly SsoProxyTarget[]): Record<string, unknown> {
  const doc = {
    inventory,
    connections: targets.map((t) => ({ name: t.connection, target: { callbackUrl: t.callbackUrl }, ...(t.idpSignInUrl ? { idpSignInUrl: t.idpSignInUrl } : {}) })),
  };
  parseSsoProxyConfig(doc);
  return doc;
}

export async function writeProxyConfig(path: string, doc: Record<string, unknown>): Promise<void> {
  await writeFile(`${path}.partial`, `${JSON.stringify(doc, null, 2)}\n`, { mode: 0o600 });
  await rename(`${path}.partial`, path);
}
