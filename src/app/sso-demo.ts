// `flagless demo sso` as a typed function: acquires a Keycloak (KEYCLOAK_URL, or the prepared
// local one through a lease), runs the SSO proof through the gateway's cutover proxy, and releases
// everything it started, also when the run fails.
import { existsSync } from 'node:fs';
import { FlaglessError } from '../protocol/errors.js';
import { DEFAULT_CHROMIUM } from './sso-proof/browser.js';
import { gatewayRouter } from './sso-proof/gateway-router.js';
import { acquireKeycloak } from './sso-proof/local-keycloak.js';
import type { RouterSetup, SsoRouter } from './sso-proof/router.js';
import { runSsoProof, type SsoProofResult } from './sso-proof/scenario.js';

export interface SsoDemoOptions {
  env: Record<string, string | undefined>;
  chromium?: string;
  /** Logins per connection in each phase (default 4). */
  loginsPerPhase?: number;
  onProgress?: (line: string) => void;
  /** The router on the legacy callback URLs (default: the gateway's SSO cutover proxy on a temporary SQLite state). */
  router?: (setup: RouterSetup) => Promise<SsoRouter>;
}

export interface SsoDemoResult extends SsoProofResult {
  /** The IdP's server: how it was obtained, and whether the demo stopped it at the end (and why not). */
  keycloak: { url: string; how: string; stopped: boolean; leftRunning?: string };
}

export async function ssoDemo(o: SsoDemoOptions): Promise<SsoDemoResult> {
  const chromium = o.chromium ?? DEFAULT_CHROMIUM;
  // Checked before anything starts, so a missing browser costs no Keycloak start.
  if (!existsSync(chromium)) {
    throw new FlaglessError('E_PREREQUISITE', `chromium was not found at ${chromium}: install it (Debian/Ubuntu: apt-get install chromium) or give its path with --chromium.`);
  }
  const say = o.onProgress ?? (() => {});
  const kc = await acquireKeycloak(o.env, say);
  let result: SsoProofResult;
  try {
    result = await runSsoProof({
      keycloak: kc,
      router: o.router ?? ((setup) => gatewayRouter(setup, { onProgress: say })),
      chromium,
      ...(o.loginsPerPhase ? { loginsPerPhase: o.loginsPerPhase } : {}),
      onProgress: say,
    });
  } catch (e) {
    await kc.release();
    throw e;
  }
  const released = await kc.release();
  return { ...result, keycloak: { url: kc.url, how: kc.how, stopped: released.stopped, ...(released.reason ? { leftRunning: released.reason } : {}) } };
}
