import type { Target } from '../protocol/target.js';
import type { LegacyVerifier } from '../protocol/legacy.js';
import type { FailureLog } from './failure-log.js';
import type { ExportIndex } from './legacy/export-index.js';
import type { BruteForceGuard } from './limiter.js';
import type { GatewayMetrics } from './metrics.js';
import type { LoginRouter } from './router.js';
import type { GatewayStore } from '../state/gateway/types.js';
import type { SwitchOffReport } from './switch-off.js';
import type { SyncStore } from '../state/sync/store.js';
import type { SsoProxy } from './sso/proxy.js';

/** What every route of one gateway instance shares. */
export interface GatewayContext {
  router: LoginRouter;
  store: GatewayStore;
  target: Target;
  legacy: LegacyVerifier;
  index?: ExportIndex;
  metrics: GatewayMetrics;
  failures: FailureLog;
  guard: BruteForceGuard;
  /** The token lazy-migration callers present; the lazy endpoints are off without one. */
  token?: string;
  /** The token /metrics and /dashboard require (the ops token, else the lazy token); public without either. */
  opsToken?: string;
  /** The go/no-go for switching the legacy provider off (`flagless status`'s checks), when app provides it. */
  switchOff?: () => Promise<SwitchOffReport>;
  /** Sync from the legacy provider's webhooks, when `serve` receives them. */
  sync?: { store: SyncStore };
  /** The SSO cutover proxy, when `serve` was given `--sso-config`. */
  sso?: SsoProxy;
  /** Shown on the dashboard. */
  labels: { legacy: string; target: string; state: string };
}
