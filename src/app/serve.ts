import type { HashCostCeiling } from '../model/password/cost.js';
import { readDecisionsFile } from '../engine/decisions/file.js';
import { resolveDecisions } from '../engine/decisions/resolve.js';
import type { DuplicateDecisions } from '../engine/decisions/types.js';
import { decidedIndex } from '../gateway/legacy/decided-index.js';
import { buildExportIndex, type ExportIndex } from '../gateway/legacy/export-index.js';
import { ChainVerifier, ExportVerifier } from '../gateway/legacy/export-verifier.js';
import type { WindowRule } from '../gateway/limiter.js';
import { createGatewayLogger } from '../gateway/logger.js';
import type { JitPasswordMode } from '../gateway/provision.js';
import { createGateway } from '../gateway/server.js';
import { FlaglessError } from '../protocol/errors.js';
import type { LegacyVerifier } from '../protocol/legacy.js';
import type { SourceOptions } from '../protocol/source.js';
import type { Target } from '../protocol/target.js';
import { openGatewayStore } from '../state/gateway/open.js';
import { attachSsoStore, openSsoStore } from '../state/sso/open.js';
import { createSsoGateway } from '../gateway/sso/server.js';
import type { SsoAutoRollback, SsoProxyConfig } from '../gateway/sso/config.js';
import { loadSsoProxyConfig } from './sso-cutover.js';
import { legacyApiVerifier } from './legacy-api.js';
import { isSourceVendor, openSource, sourceVendors, type KnownSourceVendor } from './open-source.js';
import { openTarget, type OpenTargetOptions } from './open-target.js';
import { statusOnDriver } from './status.js';
import type { OnDelete } from '../engine/sync/apply-change.js';
import { openSync } from './sync.js';

export type LegacyMode = 'auto' | 'export' | 'api';

export interface ServeSsoOptions {
  /** The `--sso-config` file, or the configuration already parsed (see gateway/sso/config.ts). */
  config: string | SsoProxyConfig;
  /** Flip a connection back when its failure rate since a flip crosses this (overrides the config's). */
  autoRollback?: SsoAutoRollback;
  /** How often counts go to the shared store (default 1000 ms). */
  flushMs?: number;
  /** Names this instance in flips it writes (auto-rollback). */
  instance?: string;
}

export interface ServeOptions {
  /** The legacy provider users are moving away from. Without it (and with `sso`), the gateway is only the SSO cutover proxy. */
  from?: KnownSourceVendor;
  /** The SSO cutover proxy (`--sso-config`): SAML responses and OIDC callbacks routed per connection by the flags in the state. */
  sso?: ServeSsoOptions;
  /**
   * The legacy export (file, passwords, hashConfig, apiDump): the gateway indexes it and checks
   * passwords against its hashes. `apiUrl` overrides the legacy login API's base URL.
   */
  source?: Omit<SourceOptions, 'env'>;
  /** The target users move into: where to open it, or a target already open (the caller closes it). Required with `from`. */
  target?: OpenTargetOptions | { open: Target; label: string };
  /** Where the per-user flags live (the ledger's state: a SQLite path or postgres://...?schema=name). */
  state?: string;
  /**
   * `export`: the export's hashes only; `api`: the vendor's login API (credentials from `env`);
   * `auto` (default): the export when one is given and, when the vendor's login credentials are
   * set, its API for the users the export cannot check.
   */
  legacy?: LegacyMode;
  /** `native` (default): the target hashes the password the user just typed; `import-hash`: the export's hash is written with the user. */
  jitPassword?: JitPasswordMode;
  /** The export index: in memory (default) or in a temporary SQLite file (large exports). */
  indexStorage?: 'memory' | 'sqlite';
  /**
   * The duplicate-account decisions file (`assess --decisions-out`, edited): a decided duplicate
   * follows the decision (the shared address signs in as the kept account). Checked against the
   * export before the gateway opens anything (E_DECISIONS).
   */
  decisions?: string;
  /** The bearer token the target's lazy-migration calls must carry; without one those endpoints are off. Also guards /metrics and /dashboard unless `opsToken` is given. */
  token?: string;
  /** The token /metrics and /dashboard require instead of `token` (Bearer, or Basic with the token as password). */
  opsToken?: string;
  /** CPU time one verification of an export hash may use, in ms (default 5000). */
  verifyBudgetMs?: number;
  /** Hashes above it are never verified (DEFAULT_HASH_COST_CEILING when absent); raise it only with care. */
  hashCostCeiling?: HashCostCeiling;
  /** Take the end user's address from X-Forwarded-For (behind a proxy you run). */
  trustProxy?: boolean;
  /** Gateway log level (pino): `info` by default, `silent` for none. */
  logLevel?: string;
  /** Webhooks are expected at least this often (seconds): the dashboard's switch-off card counts a longer silence. */
  expectWebhooksEverySeconds?: number;
  /** Brute-force limits (defaults: 10 failed logins per identifier per 15 minutes, 300 attempts per address per minute). */
  limits?: { perIdentifier?: WindowRule; perAddress?: WindowRule; perAccount?: WindowRule; badTokensPerAddress?: WindowRule };
  /** Port (default 8787; 0 for a free one) and host (default 127.0.0.1). */
  port?: number;
  host?: string;
  /** Environment for legacy login credentials and the target's. Defaults to process.env. */
  env?: Record<string, string | undefined>;
  /** Human progress while starting (indexing the export). */
  onEvent?: (message: string) => void;
  /**
   * Sync from the legacy provider's webhooks (`POST /v1/sync/<from>`; the vendor's webhook secret
   * from `env`): changes made at the legacy provider are applied to the target exactly once,
   * newest state wins. `onDelete`: a user deleted at the source is deleted at the target
   * (default) or disabled. `reconcileEveryMs`: also list the source through its API on a schedule
   * and apply the differences (`flagless sync reconcile`).
   */
  sync?: { onDelete?: OnDelete; reconcileEveryMs?: number; worker?: { concurrency?: number; maxAttempts?: number; pollMs?: number } };
}

export interface ServeHandle {
  /** Where the gateway listens: `POST {url}/v1/login`, `{url}/dashboard`, `{url}/metrics`... */
  url: string;
  /** The legacy verifier in use: `export`, `chain`, or the vendor's login API. */
  legacy: string;
  /** The target's label. */
  target: string;
  /** The state's location (URL without password). */
  state: string;
  /** Whether the lazy-migration endpoints are on (a token was given). */
  lazyEndpoints: boolean;
  /** The connections the SSO cutover proxy routes, when it is on. */
  ssoConnections?: string[];
  /** Stops taking requests, finishes the ones in flight, and closes what `serve` opened. */
  close(): Promise<void>;
  /** Kills the verification processes at once (logins waiting on them answer 503): the first step of a quick stop. */
  stopVerifications(): Promise<void>;
}

/**
 * The gateway: routes each login to the legacy provider or the target by a per-user flag,
 * migrates a user at their first successful legacy login, and serves the lazy-migration endpoints
 * targets call. Resolves once it listens.
 */
export async function serve(options: ServeOptions): Promise<ServeHandle> {
  const env = options.env ?? process.env;
  const ssoConfig = options.sso ? (typeof options.sso.config === 'string' ? loadSsoProxyConfig(options.sso.config) : options.sso.config) : undefined;
  if (options.from === undefined && options.sso) return serveSsoOnly(options, options.sso, ssoConfig!);
  const vendor = options.from;
  if (!options.target) throw new FlaglessError('E_USAGE', 'target is required (where users move to).');
  if (!isSourceVendor(vendor)) throw new FlaglessError('E_USAGE', `from must be one of ${sourceVendors().join(', ')}.`);
  const legacyMode = options.legacy ?? 'auto';
  if (!['auto', 'export', 'api'].includes(legacyMode)) throw new FlaglessError('E_USAGE', `legacy must be auto, export or api; got "${legacyMode}".`);
  const passwordMode = options.jitPassword ?? 'native';
  if (!['native', 'import-hash'].includes(passwordMode)) throw new FlaglessError('E_USAGE', `jitPassword must be native or import-hash; got "${passwordMode}".`);
  const source = options.source ?? {};
  const hasFile = Boolean(source.file ?? source.apiDump);
  if (legacyMode === 'export' && !hasFile) throw new FlaglessError('E_USAGE', 'legacy export needs the export: give source.file.');

  const closers: (() => Promise<void>)[] = [];
  const closeAll = async () => {
    for (const c of closers.splice(0).reverse()) await c().catch(() => undefined);
  };
  try {
    let decisions: DuplicateDecisions | undefined;
    if (options.decisions) {
      if (!hasFile) throw new FlaglessError('E_USAGE', 'decisions need the export (source.file): they name accounts of the export');
      decisions = await resolveDecisions(await openSource({ from: vendor, ...source, env }), await readDecisionsFile(options.decisions), options.decisions);
    }
    const store = await openGatewayStore(options.state);
    closers.push(() => store.close());
    const ssoStore = ssoConfig ? await attachSsoStore(store.driver) : undefined;

    let index: ExportIndex | undefined;
    if (hasFile && legacyMode !== 'api') {
      options.onEvent?.(`indexing the ${vendor} export…`);
      const started = Date.now();
      index = await buildExportIndex(await openSource({ from: vendor, ...source, env }), options.indexStorage === 'sqlite' ? 'sqlite-temp' : 'memory');
      if (decisions) index = decidedIndex(index, decisions);
      closers.push(() => index!.close());
      options.onEvent?.(`${index.stats.users} users, ${index.stats.organizations} organizations indexed in ${((Date.now() - started) / 1000).toFixed(1)} s (${index.stats.problems} problems; run \`flagless assess\` for details)`);
    }
    const chain: LegacyVerifier[] = [];
    if (index) {
      chain.push(
        new ExportVerifier(index, {
          ...(options.verifyBudgetMs !== undefined ? { poolOptions: { budgetMs: options.verifyBudgetMs } } : {}),
          ...(options.hashCostCeiling ? { hashCostCeiling: options.hashCostCeiling } : {}),
        }),
      );
    }
    if (legacyMode !== 'export') {
      const api = await legacyApiVerifier(vendor, source.apiUrl, env, legacyMode === 'api' || !index);
      if (api) chain.push(api);
    }
    const legacy = chain.length === 1 ? chain[0]! : new ChainVerifier(chain);
    let legacyClosed: Promise<void> | undefined;
    const closeLegacy = () => (legacyClosed ??= legacy.close());
    closers.push(closeLegacy);

    let target: Target;
    let label: string;
    if ('open' in options.target) {
      ({ open: target, label } = options.target);
    } else {
      ({ target, label } = await openTarget({ env, ...options.target }));
      closers.push(() => target.close());
    }

    let sync: Awaited<ReturnType<typeof openSync>> | undefined;
    if (options.sync) {
      sync = await openSync({
        vendor,
        env,
        ...(source.apiUrl ? { apiUrl: source.apiUrl } : {}),
        target,
        driver: store.driver,
        onDelete: options.sync.onDelete ?? 'delete',
        ...(options.sync.reconcileEveryMs ? { reconcileEveryMs: options.sync.reconcileEveryMs } : {}),
        ...(options.onEvent ? { onEvent: options.onEvent } : {}),
      });
      closers.push(() => sync!.close());
    }
    const gateway = await createGateway({
      store,
      legacy,
      target,
      ...(index ? { index } : {}),
      ...(options.token ? { token: options.token } : {}),
      ...(options.opsToken ? { opsToken: options.opsToken } : {}),
      passwordMode,
      ...(options.trustProxy === true ? { trustProxy: true } : {}),
      ...(options.limits ? { limits: options.limits } : {}),
      logger: createGatewayLogger({ level: options.logLevel ?? 'info' }),
      labels: { legacy: `${vendor} (${legacy.name})`, target: label, state: store.location },
      switchOff: () =>
        statusOnDriver(store.driver, {
          ...(options.expectWebhooksEverySeconds ? { expectWebhooksEverySeconds: options.expectWebhooksEverySeconds } : {}),
          ...(ssoConfig ? { ssoConnections: ssoConfig.connections.map((c) => c.name), ssoDefaultSide: ssoConfig.defaultSide } : {}),
        }),
      ownsDependencies: false,
      ...(ssoStore && options.sso ? { sso: { config: ssoConfig!, store: ssoStore, ...ssoExtras(options.sso) } } : {}),
      ...(sync ? { sync: { receivers: sync.receivers, store: sync.store, appliers: sync.appliers, ...(options.sync?.worker ? { worker: options.sync.worker } : {}) } } : {}),
    });
    closers.push(() => gateway.close());
    const url = await gateway.listen({ port: options.port ?? 8787, host: options.host ?? '127.0.0.1' });
    sync?.startSchedule();
    return {
      url,
      legacy: legacy.name,
      target: label,
      state: store.location,
      lazyEndpoints: Boolean(options.token),
      ...(ssoConfig ? { ssoConnections: ssoConfig.connections.map((c) => c.name) } : {}),
      close: closeAll,
      stopVerifications: () => closeLegacy().catch(() => undefined),
    };
  } catch (e) {
    await closeAll();
    throw e;
  }
}

function ssoExtras(o: ServeSsoOptions): { autoRollback?: SsoAutoRollback; flushMs?: number; instance?: string } {
  return { ...(o.autoRollback ? { autoRollback: o.autoRollback } : {}), ...(o.flushMs !== undefined ? { flushMs: o.flushMs } : {}), ...(o.instance ? { instance: o.instance } : {}) };
}

/** `serve` with only `sso`: the cutover proxy alone, on the state store `state` names. */
async function serveSsoOnly(options: ServeOptions, sso: ServeSsoOptions, config: SsoProxyConfig): Promise<ServeHandle> {
  const store = await openSsoStore(options.state);
  let gateway: Awaited<ReturnType<typeof createSsoGateway>>;
  try {
    gateway = await createSsoGateway({
      config,
      store,
      ...(options.opsToken ?? options.token ? { opsToken: (options.opsToken ?? options.token)! } : {}),
      ...(options.trustProxy === true ? { trustProxy: true } : {}),
      logger: createGatewayLogger({ level: options.logLevel ?? 'info' }),
      ...ssoExtras(sso),
    });
  } catch (e) {
    await store.close().catch(() => undefined);
    throw e;
  }
  try {
    const url = await gateway.listen({ port: options.port ?? 8787, host: options.host ?? '127.0.0.1' });
    return {
      url,
      legacy: 'none (SSO proxy only)',
      target: 'none (SSO proxy only)',
      state: store.location,
      lazyEndpoints: false,
      ssoConnections: config.connections.map((c) => c.name),
      close: () => gateway.close(),
      stopVerifications: async () => undefined,
    };
  } catch (e) {
    await gateway.close();
    throw e;
  }
}
