import { readFileSync, writeFileSync } from 'node:fs';
import { extname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { auth0CustomDatabaseScripts } from '../app/auth0-scripts.js';
import { serve, type ServeOptions } from '../app/serve.js';
import { parseAutoRollbackFlag } from '../app/sso-cutover.js';
import { FlaglessError } from '../protocol/errors.js';
import { sourceFromFlags, sourceVendorFromFlags } from './open-source.js';
import { parseDuration } from './duration.js';
import { hashCostCeilingFromFlags, str, targetFromFlags } from './open-target.js';
import { EXIT_OK, type CommandIo, type FlagValues, type ParsedCommand } from './spec.js';

/**
 * `flagless serve`: the gateway. Flags as `migrate` (`--from --file ... --to --db --state`) plus
 * `--port --host --token`, or a JSON config file whose keys are the flag names (a flag given on
 * the command line wins). Runs until SIGINT/SIGTERM, then stops taking requests, finishes the
 * ones in flight and closes the store, the target and the index.
 *
 * The legacy side (`--legacy`): `export` checks passwords against the export's hashes only; `api`
 * asks the vendor's login API (credentials from the environment); `auto` (default) uses the
 * export when a file is given and, when the vendor's login credentials are set, its API for the
 * users the export cannot check.
 */
/** Reads `--config`: JSON, or a JS module whose default export is the object. Keys are flag names (camelCase accepted). */
async function loadConfig(path: string): Promise<FlagValues> {
  let raw: unknown;
  try {
    if (['.js', '.mjs', '.cjs', '.ts', '.mts'].includes(extname(path))) raw = ((await import(pathToFileURL(resolve(path)).href)) as { default?: unknown }).default;
    else raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new FlaglessError('E_INPUT_UNREADABLE', `cannot read the config ${path}: ${(e as Error).message.split('\n')[0]}`);
  }
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw new FlaglessError('E_USAGE', `the config ${path} must hold one object whose keys are flag names (from, file, to, db, state, port...)`);
  const out: FlagValues = {};
  for (const [k, v] of Object.entries(raw as Record<string, unknown>)) {
    const name = k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
    if (typeof v === 'string' || typeof v === 'boolean') out[name] = v;
    else if (typeof v === 'number') out[name] = String(v);
  }
  return out;
}

/** Flags given on the command line win over the config file (serve's flags declare no defaults, so an absent flag is undefined). */
function merge(cli: FlagValues, config: FlagValues): FlagValues {
  const out: FlagValues = { ...config };
  for (const [k, v] of Object.entries(cli)) if (v !== undefined) out[k] = v;
  return out;
}

function port(flags: FlagValues): number {
  const raw = str(flags.port) ?? '8787';
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new FlaglessError('E_USAGE', `--port must be a whole number from 0 to 65535; got "${raw}".`);
  return n;
}

export async function run(args: ParsedCommand, io: CommandIo): Promise<number> {
  const env = process.env;
  const configPath = str(args.flags.config);
  const flags = merge(args.flags, configPath ? await loadConfig(configPath) : {});
  const ssoConfig = str(flags['sso-config']);
  const rollbackRaw = str(flags['auto-rollback']);
  if (rollbackRaw && !ssoConfig) throw new FlaglessError('E_USAGE', '--auto-rollback needs --sso-config (it acts on SSO connections).');
  const sso: ServeOptions['sso'] = ssoConfig ? { config: ssoConfig, ...(rollbackRaw ? { autoRollback: parseAutoRollbackFlag(rollbackRaw) } : {}) } : undefined;
  if (sso && !str(flags.from) && !str(flags.to)) return runSsoOnly(flags, sso, io);
  const vendor = sourceVendorFromFlags(flags);
  if (!str(flags.to)) throw new FlaglessError('E_USAGE', 'missing --to (the target users move into), on the command line or in the config.');
  const legacyMode = str(flags.legacy) ?? 'auto';
  if (!['auto', 'export', 'api'].includes(legacyMode)) throw new FlaglessError('E_USAGE', `--legacy must be auto, export or api; got "${legacyMode}".`);
  const passwordMode = (str(flags['jit-password']) ?? 'native') as 'native' | 'import-hash';
  if (!['native', 'import-hash'].includes(passwordMode)) throw new FlaglessError('E_USAGE', `--jit-password must be native or import-hash; got "${passwordMode}".`);
  const storage = str(flags['index-storage']) === 'sqlite' ? 'sqlite' : 'memory';
  const token = str(flags.token) ?? env.FLAGLESS_GATEWAY_TOKEN;
  const opsToken = str(flags['ops-token']) ?? env.FLAGLESS_OPS_TOKEN;
  const hashCostCeiling = hashCostCeilingFromFlags(flags);
  const budgetRaw = str(flags['verify-budget-ms']);
  const verifyBudgetMs = budgetRaw === undefined ? undefined : Number(budgetRaw);
  if (verifyBudgetMs !== undefined && !(Number.isInteger(verifyBudgetMs) && verifyBudgetMs >= 50 && verifyBudgetMs <= 60_000)) {
    throw new FlaglessError('E_USAGE', `--verify-budget-ms must be a whole number of milliseconds from 50 to 60000; got "${budgetRaw}".`);
  }
  const onDelete = str(flags['on-delete']) ?? 'delete';
  if (onDelete !== 'delete' && onDelete !== 'disable') throw new FlaglessError('E_USAGE', `--on-delete must be delete or disable; got "${onDelete}".`);
  const expectRaw = str(flags['expect-webhooks-every']);
  const expectWebhooksEverySeconds = expectRaw === undefined ? undefined : parseDuration(expectRaw, '--expect-webhooks-every') / 1000;
  const reconcileRaw = str(flags['reconcile-every']);
  const reconcileEveryMs = reconcileRaw === undefined ? undefined : parseDuration(reconcileRaw, '--reconcile-every');
  const syncOn = flags.sync === true || reconcileEveryMs !== undefined;
  const hasFile = Boolean(str(flags.file) ?? str(flags['api-dump']));
  if (legacyMode === 'export' && !hasFile) throw new FlaglessError('E_USAGE', '--legacy export needs the export: give --file.');

  const script = str(flags['auth0-script']);
  if (script) {
    writeFileSync(script, auth0CustomDatabaseScripts(), { mode: 0o644 });
    io.err(`flagless serve: wrote the Auth0 custom-database scripts to ${script}`);
  }

  // The export is read as `--from --file` (or `--api`) always are, with the same refusals; the
  // legacy login API only needs --source-url.
  const apiUrl = str(flags['source-url']);
  let source: ServeOptions['source'] = apiUrl ? { apiUrl } : {};
  if (hasFile && legacyMode !== 'api') {
    const { from: _from, env: _env, ...read } = sourceFromFlags(flags, env);
    source = read;
  }
  const handle = await serve({
    from: vendor,
    source,
    target: targetFromFlags(flags, env),
    ...(str(flags.state) ? { state: str(flags.state)! } : {}),
    legacy: legacyMode as 'auto' | 'export' | 'api',
    jitPassword: passwordMode,
    indexStorage: storage,
    ...(str(flags.decisions) ? { decisions: str(flags.decisions)! } : {}),
    ...(token ? { token } : {}),
    ...(opsToken ? { opsToken } : {}),
    ...(verifyBudgetMs !== undefined ? { verifyBudgetMs } : {}),
    ...(hashCostCeiling ? { hashCostCeiling } : {}),
    ...(flags['trust-proxy'] === true ? { trustProxy: true } : {}),
    logLevel: str(flags['log-level']) ?? (io.quiet ? 'warn' : 'info'),
    port: port(flags),
    host: str(flags.host) ?? '127.0.0.1',
    env,
    ...(sso ? { sso } : {}),
    onEvent: (message) => io.err(`flagless serve: ${message}`),
    ...(syncOn ? { sync: { onDelete, ...(reconcileEveryMs !== undefined ? { reconcileEveryMs } : {}) } } : {}),
    ...(expectWebhooksEverySeconds !== undefined ? { expectWebhooksEverySeconds } : {}),
  });
  try {
    const { url } = handle;
    if (io.json) io.out(JSON.stringify({ url, legacy: handle.legacy, target: handle.target, state: handle.state, lazyEndpoints: handle.lazyEndpoints, ...(handle.ssoConnections ? { ssoConnections: handle.ssoConnections } : {}) }));
    if (handle.ssoConnections) io.err(`flagless serve: SSO cutover proxy on for ${handle.ssoConnections.length} connections (flip with \`flagless sso flip\`; status at ${url}/v1/sso/status)`);
    io.err(`flagless serve: listening on ${url} (legacy: ${vendor} via ${handle.legacy}; target: ${handle.target}; state: ${handle.state})`);
    io.err(`  POST ${url}/v1/login · ${url}/dashboard · ${url}/metrics · ${url}/healthz · ${url}/readyz${token ? ` · lazy endpoints under ${url}/v1/lazy/` : ' · lazy endpoints off (no --token)'}`);
    if (syncOn) io.err(`  sync: POST ${url}/v1/sync/${vendor}${reconcileEveryMs ? ` · reconcile every ${reconcileRaw}` : ''} · deleted users: ${onDelete}`);
    if (!opsToken && !token) io.err('  /metrics and /dashboard are open to anyone who reaches this address (give --ops-token to require one)');

    const signal = await untilSignal();
    io.err(`flagless serve: ${signal}: finishing requests in flight, then stopping…`);
    // Whatever runs (a verification, a slow target call), the process is gone within 10 s: the
    // verification processes are killed first (their logins answer 503), then requests in flight
    // get until 8 s to finish.
    const force = setTimeout(() => {
      io.err('flagless serve: requests still in flight after 8 s; stopping now');
      process.exit(EXIT_OK);
    }, 8000);
    force.unref();
    await handle.stopVerifications();
    return EXIT_OK;
  } finally {
    await handle.close();
  }
}

function untilSignal(): Promise<NodeJS.Signals> {
  return new Promise<NodeJS.Signals>((resolveSignal) => {
    process.once('SIGINT', () => resolveSignal('SIGINT'));
    process.once('SIGTERM', () => resolveSignal('SIGTERM'));
  });
}

/** `serve --sso-config` without --from/--to: the SSO cutover proxy alone. */
async function runSsoOnly(flags: FlagValues, sso: NonNullable<ServeOptions['sso']>, io: CommandIo): Promise<number> {
  const opsToken = str(flags['ops-token']) ?? process.env.FLAGLESS_OPS_TOKEN ?? str(flags.token) ?? process.env.FLAGLESS_GATEWAY_TOKEN;
  const handle = await serve({
    sso,
    ...(str(flags.state) ? { state: str(flags.state)! } : {}),
    ...(opsToken ? { opsToken } : {}),
    ...(flags['trust-proxy'] === true ? { trustProxy: true } : {}),
    logLevel: str(flags['log-level']) ?? (io.quiet ? 'warn' : 'info'),
    port: port(flags),
    host: str(flags.host) ?? '127.0.0.1',
  });
  try {
    const { url } = handle;
    if (io.json) io.out(JSON.stringify({ url, state: handle.state, ssoConnections: handle.ssoConnections ?? [] }));
    io.err(`flagless serve: SSO cutover proxy listening on ${url} for ${handle.ssoConnections?.length ?? 0} connections (state: ${handle.state})`);
    io.err(`  ${url}/v1/sso/start?connection=… · ${url}/v1/sso/status · ${url}/dashboard · ${url}/metrics · ${url}/healthz · ${url}/readyz`);
    if (!opsToken) io.err('  /metrics, /dashboard and /v1/sso/status are open to anyone who reaches this address, and /v1/sso/outcome is off (give --ops-token)');
    const signal = await untilSignal();
    io.err(`flagless serve: ${signal}: stopping…`);
    return EXIT_OK;
  } finally {
    await handle.close();
  }
}
