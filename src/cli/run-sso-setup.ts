import { readSsoInventory } from '../app/sso-inventory.js';
import { ssoProxyConfig, ssoSetup, writeLinksCsv, writeProxyConfig } from '../app/sso-setup.js';
import { FlaglessError } from '../protocol/errors.js';
import type { SsoSetupOptions } from '../protocol/sso-setup.js';
import { str } from './open-target.js';
import { textTable } from './report/sso-text.js';
import { EXIT_OK, EXIT_PROBLEMS, type CommandRunner } from './spec.js';

/** `flagless sso setup --to <target> --inventory f` and `flagless sso links --to workos --inventory f --out f`. */
export const run: CommandRunner = (args, io) => setupOrLinks(args, io, false);

/** `sso links`: fresh Admin Portal links only. */
export const runLinks: CommandRunner = (args, io) => setupOrLinks(args, io, true);

async function setupOrLinks(args: Parameters<CommandRunner>[0], io: Parameters<CommandRunner>[1], onlyLinks: boolean): Promise<number> {
  const f = args.flags;
  const to = str(f.to)!;
  const linksOnly = onlyLinks || f['links-only'] === true;
  const dryRun = f['dry-run'] === true;
  const out = str(f.out);
  if (linksOnly && to !== 'workos') throw new FlaglessError('E_USAGE', '--links-only is for WorkOS (Admin Portal links).');
  if (to === 'workos' && !out && !dryRun) throw new FlaglessError('E_USAGE', 'WorkOS: give --out <links.csv>: the Admin Portal links are written there, never printed.');
  if (to !== 'workos' && out) throw new FlaglessError('E_USAGE', '--out is the WorkOS links CSV.');
  if (to !== 'keycloak' && (f.proxy === true || str(f['client-secret-env']) || str(f.realm))) throw new FlaglessError('E_USAGE', '--realm, --proxy and --client-secret-env are for Keycloak.');
  const proxyUrl = str(f['proxy-url']);
  const proxyOut = str(f['proxy-config-out']);
  if (to !== 'keycloak' && (proxyUrl || proxyOut)) throw new FlaglessError('E_USAGE', '--proxy-url and --proxy-config-out are for Keycloak.');
  if (proxyOut && !proxyUrl) throw new FlaglessError('E_USAGE', "--proxy-config-out needs --proxy-url (the proxy's public base URL, where the target's requests are relayed).");
  if (proxyUrl && !/^https?:\/\/[^/?#\s]+(\/[^?#\s]*)?$/.test(proxyUrl)) throw new FlaglessError('E_USAGE', `--proxy-url must be an absolute http(s) URL without query or fragment; got "${proxyUrl.slice(0, 100)}".`);
  const secretEnv = str(f['client-secret-env']);
  if (secretEnv && !/^[A-Za-z_][A-Za-z0-9_]*$/.test(secretEnv)) throw new FlaglessError('E_USAGE', '--client-secret-env names an environment variable (letters, digits, _), not a value.');
  const inventory = await readSsoInventory(str(f.inventory)!);
  const only = Array.isArray(f.connection) ? f.connection.flatMap((c) => c.split(',')).map((c) => c.trim()).filter(Boolean) : undefined;
  const options: SsoSetupOptions = {
    env: process.env,
    dryRun,
    proxy: f.proxy === true || !!proxyUrl,
    ...(proxyUrl ? { proxyUrl } : {}),
    ...(linksOnly ? { linksOnly: true } : {}),
    ...(str(f['target-url']) ? { targetUrl: str(f['target-url'])! } : {}),
    ...(str(f.realm) ? { realm: str(f.realm)! } : {}),
    ...(secretEnv ? { clientSecretEnv: secretEnv } : {}),
    ...(str(f['return-url']) ? { returnUrl: str(f['return-url'])! } : {}),
    ...(str(f['success-url']) ? { successUrl: str(f['success-url'])! } : {}),
    ...(str(f.format) === 'json' ? { format: 'json' as const } : str(f.format) === 'yaml' ? { format: 'yaml' as const } : {}),
    ...(only?.length ? { only } : {}),
  };
  const result = await ssoSetup(to, inventory, options);
  if (out && result.links && !dryRun) {
    await writeLinksCsv(out, result.links);
    if (!io.quiet) io.err(`sso: ${result.links.length} Admin Portal link${result.links.length === 1 ? '' : 's'} written to ${out} (they expire five minutes after issuance; \`flagless sso links\` makes fresh ones)`);
  }
  let proxyConfigFile: string | undefined;
  if (proxyOut && result.proxyTargets && !dryRun) {
    try {
      await writeProxyConfig(proxyOut, ssoProxyConfig(inventory, result.proxyTargets));
      proxyConfigFile = proxyOut;
      if (!io.quiet) io.err(`sso: the proxy's --sso-config written to ${proxyOut}; at the legacy provider, set each connection's IdP sign-in URL to ${proxyUrl!.replace(/\/+$/, '')}/v1/sso/relay/legacy/<connection> so its requests' responses come back to it too`);
    } catch (e) {
      if (!(e instanceof FlaglessError)) throw e;
      result.warnings.push(`the proxy config was not written: ${e.message}`);
    }
  }
  const changed = result.actions.filter((a) => a.action === 'created' || a.action === 'updated').length;
  const generated = result.actions.filter((a) => a.action === 'generated').length;
  // Links are bearer URLs into the customer's setup: in the CSV only.
  const links = result.links?.map(({ link: _link, ...rest }) => rest);
  if (io.json) {
    io.out(JSON.stringify({ target: result.target, dryRun, actions: result.actions, ...(links ? { links, linksFile: out } : {}), ...(proxyConfigFile ? { proxyConfigFile } : {}), ...(result.snippet ? { snippet: result.snippet.text, format: result.snippet.format } : {}), ...(result.snippet?.companion ? { mapper: result.snippet.companion } : {}), warnings: result.warnings }, null, 2));
  } else if (result.snippet) {
    io.out(result.snippet.text.trimEnd());
    if (!io.quiet) io.err(textTable(['connection', 'what', 'action', 'detail'], result.actions.map((a) => [a.connection, a.what, a.action, a.detail ?? a.id ?? ''])));
  } else {
    io.out(textTable(['connection', 'what', 'action', 'id / detail'], result.actions.map((a) => [a.connection, a.what, a.action, [a.id, a.detail].filter(Boolean).join(' · ')]), 70));
    const fresh = generated ? ` ${generated} fresh Admin Portal link${generated === 1 ? '' : 's'} in ${out}.` : '';
    io.out(dryRun ? 'dry run: nothing was written.' : changed === 0 ? `Nothing to change: the target already matches the inventory.${fresh}` : `${changed} change${changed === 1 ? '' : 's'} made.${fresh}`);
  }
  for (const w of result.warnings) io.err(`flagless: warning: ${w}`);
  return result.warnings.length > 0 || result.actions.some((a) => a.action === 'skipped') ? EXIT_PROBLEMS : EXIT_OK;
}
