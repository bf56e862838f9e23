/**
 * Keycloak as a migration target: `--to keycloak --realm NAME` (created when missing).
 *
 * Connection: `--target-url` or KEYCLOAK_URL (default: the server `npm run keycloak:start` runs,
 * read from its state file), KEYCLOAK_ADMIN_USERNAME / KEYCLOAK_ADMIN_PASSWORD (default: that
 * server's bootstrap admin), KEYCLOAK_ADMIN_REALM (the admin's realm, default master) and
 * KEYCLOAK_TIMEOUT_MS (per request, default 30 000). KEYCLOAK_ORGANIZATIONS=organizations|groups
 * overrides where organizations go (default: Keycloak organizations from 26.6, realm groups
 * before). KEYCLOAK_SEND_RESET_EMAIL=1: a user created without a password (`--missing-password
 * reset`) also gets Keycloak's "update your password" email (execute-actions-email), which needs
 * the realm's SMTP settings. The admin client and the target's code load
 * only when the target is opened.
 */
import fs from 'node:fs';
import { FlaglessError } from '../../protocol/errors.js';
import type { Target, TargetConnector, TargetOptions } from '../../protocol/target.js';
import { keycloakCapabilities } from './capabilities.js';
import { LOCAL_ADMIN_PASSWORD, LOCAL_ADMIN_USERNAME } from './admin-client.js';


export interface KeycloakTargetConnection {
  url: string;
  username: string;
  password: string;
  adminRealm: string;
  realm: string;
  timeoutMs: number;
  organizationMode?: 'organizations' | 'groups';
  sendResetEmail?: boolean;
}

/** Reads the connection settings from the target options; throws FlaglessError (fatal) when unusable. */
export function keycloakTargetConnection(options: TargetOptions, localStatePath?: string): KeycloakTargetConnection {
  const env = options.env;
  const realm = options.realm?.trim();
  if (!realm) throw new FlaglessError('E_USAGE', 'the keycloak target needs --realm NAME (the realm to import into; created when missing)');
  if (realm === 'master') throw new FlaglessError('E_USAGE', "--realm master is Keycloak's administration realm: import users into a realm of their own");
  let url = (options.url ?? env.KEYCLOAK_URL)?.trim().replace(/\/+$/, '');
  if (!url && localStatePath) {
    try {
      const state = JSON.parse(fs.readFileSync(localStatePath, 'utf8')) as { url?: unknown };
      if (typeof state.url === 'string') url = state.url;
    } catch {
      url = undefined;
    }
  }
  if (!url) throw new FlaglessError('E_USAGE', 'no Keycloak to import into: set KEYCLOAK_URL (or --target-url), or start the local server with `npm run keycloak:start`');
  try {
    const u = new URL(url);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error('scheme');
  } catch {
    throw new FlaglessError('E_USAGE', `the Keycloak URL (--target-url or KEYCLOAK_URL) is not an http(s) URL, e.g. http://127.0.0.1:8080`);
  }
  const timeout = Number(env.KEYCLOAK_TIMEOUT_MS ?? 30_000);
  const mode = env.KEYCLOAK_ORGANIZATIONS?.trim();
  const resetEmail = env.KEYCLOAK_SEND_RESET_EMAIL?.trim().toLowerCase();
  if (resetEmail && !['1', 'true', 'yes', '0', 'false', 'no'].includes(resetEmail)) throw new FlaglessError('E_USAGE', `KEYCLOAK_SEND_RESET_EMAIL must be 1/true/yes or 0/false/no; got "${resetEmail}"`);
  if (mode && mode !== 'organizations' && mode !== 'groups') throw new FlaglessError('E_USAGE', `KEYCLOAK_ORGANIZATIONS must be organizations or groups; got "${mode}"`);
  return {
    url,
    username: env.KEYCLOAK_ADMIN_USERNAME || LOCAL_ADMIN_USERNAME,
    password: env.KEYCLOAK_ADMIN_PASSWORD || LOCAL_ADMIN_PASSWORD,
    adminRealm: env.KEYCLOAK_ADMIN_REALM || 'master',
    realm,
    timeoutMs: Number.isFinite(timeout) && timeout > 0 ? timeout : 30_000,
    ...(mode ? { organizationMode: mode as 'organizations' | 'groups' } : {}),
    ...(resetEmail && ['1', 'true', 'yes'].includes(resetEmail) ? { sendResetEmail: true } : {}),
  };
}

async function open(options: TargetOptions): Promise<Target> {
  const [{ connectKeycloak, localKeycloakStatePath }, { KeycloakAdminHttp }, { prepareRealm }, { KeycloakTarget }] = await Promise.all([
    import('./admin-client.js'),
    import('./admin-http.js'),
    import('./realm.js'),
    import('./target.js'),
  ]);
  const c = keycloakTargetConnection(options, localKeycloakStatePath());
  const conn = await connectKeycloak({ url: c.url, username: c.username, password: c.password, adminRealm: c.adminRealm, timeoutMs: c.timeoutMs });
  const http = new KeycloakAdminHttp(conn.url, c.realm, () => conn.admin.getAccessToken(), c.timeoutMs);
  const realm = await prepareRealm(http, { ...(c.organizationMode ? { organizationMode: c.organizationMode } : {}), ...(c.sendResetEmail ? { sendResetEmail: true } : {}) });
  return new KeycloakTarget(http, realm);
}

export const target = { name: 'keycloak', capabilities: keycloakCapabilities, open } satisfies TargetConnector;
