import { readFileSync, writeFileSync } from 'node:fs';
import { extname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { auth0Scripts } from '../gateway/lazy/auth0-script.js';
import { buildExportIndex, type ExportIndex } from '../gateway/legacy/export-index.js';
import { ChainVerifier, ExportVerifier } from '../gateway/legacy/export-verifier.js';
import { createGatewayLogger } from '../gateway/logger.js';
import type { JitPasswordMode } from '../gateway/provision.js';
import { createGateway } from '../gateway/server.js';
import { openGatewayStore } from '../state/gateway/open.js';
import { FlaglessError } from '../protocol/errors.js';
import type { LegacyVerifier } from '../protocol/legacy.js';
import type { SourceVendor } from '../protocol/source.js';
import { openSource, sourceVendorFromFlags } from './open-source.js';
import { loadDecisions } from './open-decisions.js';
import type { DuplicateDecisions } from '../engine/decisions/types.js';
import { decidedIndex } from '../gateway/legacy/decided-index.js';
import { openTarget, str } from './open-target.js';
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
const LEGACY_ENV: Record<SourceVendor, string> = {
  auth0: 'AUTH0_DOMAIN, AUTH0_LOGIN_CLIENT_ID (or AUTH0_CLIENT_ID), AUTH0_LOGIN_CLIENT_SECRET (or AUTH0_CLIENT_SECRET), AUTH0_REALM',
  cognito: 'COGNITO_CLIENT_ID, AWS_REGION (COGNITO_CLIENT_SECRET, COGNITO_USER_POOL_ID optional)',
  firebase: 'FIREBASE_API_KEY (FIREBASE_TENANT_ID optional)',
  clerk: 'CLERK_SECRET_KEY',
};

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

async function apiVerifier(vendor: SourceVendor, flags: FlagValues, env: Record<string, string | undefined>, required: boolean): Promise<LegacyVerifier | undefined> {
  const url = str(flags['source-url']);
  const missing = (what: string) => {
    if (required) throw new FlaglessError('E_USAGE', `--legacy api for ${vendor} needs ${what} in the environment (${LEGACY_ENV[vendor]}).`);
    return undefined;
  };
  switch (vendor) {
    case 'auth0': {
      const domain = env.AUTH0_DOMAIN ?? (url ? new URL(url).host : undefined);
      const clientId = env.AUTH0_LOGIN_CLIENT_ID ?? env.AUTH0_CLIENT_ID;
      if (!domain || !clientId) return missing('AUTH0_DOMAIN and a client id');
      const { auth0LegacyVerifier } = await import('../connectors/auth0/legacy-login.js');
      const secret = env.AUTH0_LOGIN_CLIENT_SECRET ?? env.AUTH0_CLIENT_SECRET;
      return auth0LegacyVerifier({
        domain,
        clientId,
        ...(secret ? { clientSecret: secret } : {}),
        realm: env.AUTH0_REALM ?? 'Username-Password-Authentication',
        ...(env.AUTH0_AUDIENCE ? { audience: env.AUTH0_AUDIENCE } : {}),
        forwardClientIp: env.AUTH0_FORWARD_CLIENT_IP !== 'false',
        ...(url ? { apiUrl: url } : {}),
      });
    }
    case 'cognito': {
      const clientId = env.COGNITO_CLIENT_ID;
      const region = env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
      if (!clientId || !region) return missing('COGNITO_CLIENT_ID and AWS_REGION');
      const { cognitoLegacyVerifier } = await import('../connectors/cognito/legacy-login.js');
      return cognitoLegacyVerifier({
        clientId,
        region,
        ...(env.COGNITO_CLIENT_SECRET ? { clientSecret: env.COGNITO_CLIENT_SECRET } : {}),
        ...(env.COGNITO_USER_POOL_ID ? { userPoolId: env.COGNITO_USER_POOL_ID } : {}),
        ...(url ? { endpoint: url } : {}),
      });
    }
    case 'firebase': {
      if (!env.FIREBASE_API_KEY) return missing('FIREBASE_API_KEY');
      const { firebaseLegacyVerifier } = await import('../connectors/firebase/legacy-login.js');
      return firebaseLegacyVerifier({ apiKey: env.FIREBASE_API_KEY, ...(env.FIREBASE_TENANT_ID ? { tenantId: env.FIREBASE_TENANT_ID } : {}), ...(url ? { apiUrl: url } : {}) });
    }
    case 'clerk': {
      if (!env.CLERK_SECRET_KEY) return missing('CLERK_SECRET_KEY');
      const { clerkLegacyVerifier } = await import('../connectors/clerk/legacy-login.js');
      return clerkLegacyVerifier({ secretKey: env.CLERK_SECRET_KEY, ...(url ? { apiUrl: url } : {}) });
    }
  }
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
  const vendor = sourceVendorFromFlags(flags);
  if (!str(flags.to)) throw new FlaglessError('E_USAGE', 'missing --to (the target users move into), on the command line or in the config.');
  const legacyMode = str(flags.legacy) ?? 'auto';
  if (!['auto', 'export', 'api'].includes(legacyMode)) throw new FlaglessError('E_USAGE', `--legacy must be auto, export or api; got "${legacyMode}".`);
  const passwordMode = (str(flags['jit-password']) ?? 'native') as JitPasswordMode;
  if (!['native', 'import-hash'].includes(passwordMode)) throw new FlaglessError('E_USAGE', `--jit-password must be native or import-hash; got "${passwordMode}".`);
  const storage = str(flags['index-storage']) === 'sqlite' ? 'sqlite-temp' : 'memory';
  const token = str(flags.token) ?? env.FLAGLESS_GATEWAY_TOKEN;
  const hasFile = Boolean(str(flags.file) ?? str(flags['api-dump']));
  if (legacyMode === 'export' && !hasFile) throw new FlaglessError('E_USAGE', '--legacy export needs the export: give --file.');

  const script = str(flags['auth0-script']);
  if (script) {
    writeFileSync(script, auth0Scripts(), { mode: 0o644 });
    io.err(`flagless serve: wrote the Auth0 custom-database scripts to ${script}`);
  }

  const closers: (() => Promise<void>)[] = [];
  const closeAll = async () => {
    for (const c of closers.reverse()) await c().catch(() => undefined);
  };
  try {
    // Checked against the export before the gateway opens anything (E_DECISIONS → exit 2).
    let decisions: DuplicateDecisions | undefined;
    if (str(flags.decisions)) {
      if (!hasFile) throw new FlaglessError('E_USAGE', '--decisions needs the export (--file): the decisions name accounts of the export');
      decisions = await loadDecisions(flags, await openSource(flags, env), io);
    }
    const store = await openGatewayStore(str(flags.state));
    closers.push(() => store.close());

    let index: ExportIndex | undefined;
    if (hasFile && legacyMode !== 'api') {
      io.err(`flagless serve: indexing the ${vendor} export…`);
      const started = Date.now();
      index = await buildExportIndex(await openSource(flags, env), storage);
      if (decisions) index = decidedIndex(index, decisions);
      closers.push(() => index!.close());
      io.err(`flagless serve: ${index.stats.users} users, ${index.stats.organizations} organizations indexed in ${((Date.now() - started) / 1000).toFixed(1)} s (${index.stats.problems} problems; run \`flagless assess\` for details)`);
    }
    const chain: LegacyVerifier[] = [];
    if (index) chain.push(new ExportVerifier(index));
    if (legacyMode !== 'export') {
      const api = await apiVerifier(vendor, flags, env, legacyMode === 'api' || !index);
      if (api) chain.push(api);
    }
    const legacy = chain.length === 1 ? chain[0]! : new ChainVerifier(chain);
    closers.push(() => legacy.close());

    const { target, label } = await openTarget(flags, env);
    closers.push(() => target.close());

    const gateway = await createGateway({
      store,
      legacy,
      target,
      ...(index ? { index } : {}),
      ...(token ? { token } : {}),
      passwordMode,
      ...(flags['trust-proxy'] === true ? { trustProxy: true } : {}),
      logger: createGatewayLogger({ level: str(flags['log-level']) ?? (io.quiet ? 'warn' : 'info') }),
      labels: { legacy: `${vendor} (${legacy.name})`, target: label, state: store.location },
      ownsDependencies: false,
    });
    closers.push(() => gateway.close());
    const url = await gateway.listen({ port: port(flags), host: str(flags.host) ?? '127.0.0.1' });
    if (io.json) io.out(JSON.stringify({ url, legacy: legacy.name, target: label, state: store.location, lazyEndpoints: Boolean(token) }));
    io.err(`flagless serve: listening on ${url} (legacy: ${vendor} via ${legacy.name}; target: ${label}; state: ${store.location})`);
    io.err(`  POST ${url}/v1/login · ${url}/dashboard · ${url}/metrics · ${url}/healthz · ${url}/readyz${token ? ` · lazy endpoints under ${url}/v1/lazy/` : ' · lazy endpoints off (no --token)'}`);

    const signal = await new Promise<NodeJS.Signals>((resolveSignal) => {
      process.once('SIGINT', () => resolveSignal('SIGINT'));
      process.once('SIGTERM', () => resolveSignal('SIGTERM'));
    });
    io.err(`flagless serve: ${signal}: finishing requests in flight, then stopping…`);
    return EXIT_OK;
  } finally {
    await closeAll();
  }
}
