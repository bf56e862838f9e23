// One real Keycloak for a test process: prepared and started through scripts/keycloak.mjs with a
// lease, so test files running in parallel share one server, and it is stopped at the end only if
// the tests started it (a server started by hand with `npm run keycloak:start` keeps running).
// Failing to start is an error, never a skip: the suite must not pass without a server.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { keycloakTargetConnection } from '../../src/connectors/keycloak/index.js';

const run = promisify(execFile);
const SCRIPT = path.resolve('scripts', 'keycloak.mjs');
const LEASE = `test-${process.pid}`;

export interface LocalKeycloak {
  url: string;
  username: string;
  password: string;
  version: string;
  /** True when this process started the server (it will also stop it, unless others still use it). */
  startedNow: boolean;
  cold: boolean;
  seconds: number;
}

let starting: Promise<LocalKeycloak> | undefined;

async function script(args: string[], timeoutMs: number, version?: string): Promise<string> {
  try {
    const env = version ? { ...process.env, FLAGLESS_KEYCLOAK_VERSION: version } : process.env;
    const { stdout } = await run(process.execPath, [SCRIPT, ...args], { timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024, env });
    return stdout;
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    throw new Error(`scripts/keycloak.mjs ${args[0]} failed: ${err.stderr?.trim() || err.message}`);
  }
}

/** Starts a server of `version` (prepared in its own cache folder) and parses its state. */
async function startServer(version?: string): Promise<LocalKeycloak> {
  const out = await script(['start', '--json', '--lease', LEASE, '--lease-pid', String(process.pid)], 9 * 60_000, version);
  const state = JSON.parse(out.trim().split('\n').pop() ?? '{}') as {
    url: string;
    version: string;
    startedNow: boolean;
    cold?: boolean;
    seconds: number;
  };
  // The admin the target connects as by default (KEYCLOAK_ADMIN_USERNAME / _PASSWORD, else the
  // script's bootstrap admin): one definition, the connector's.
  const { username, password } = keycloakTargetConnection({ env: process.env, url: state.url, realm: 'flagless-tests' });
  return {
    url: state.url,
    username,
    password,
    version: state.version,
    startedNow: state.startedNow,
    cold: state.cold === true,
    seconds: state.seconds,
  };
}

/** Prepares and starts the server once per test process (idempotent). */
export function useKeycloak(): Promise<LocalKeycloak> {
  starting ??= startServer();
  return starting;
}

/**
 * The older release the tests also run (KEYCLOAK_OLDER_VERSION in scripts/keycloak-prepare.mjs), for
 * the fallbacks of servers before 26.6. Its own folder, state and leases; stop it with
 * `releaseOlderKeycloak(version)`.
 */
export function useOlderKeycloak(version: string): Promise<LocalKeycloak> {
  return startServer(version);
}

export async function releaseOlderKeycloak(version: string): Promise<void> {
  await script(['stop', '--json', '--lease', LEASE], 2 * 60_000, version);
}

/** Drops this process's lease; the script stops the server when the tests started it and no lease is left. */
export async function releaseKeycloak(): Promise<void> {
  if (!starting) return;
  starting = undefined;
  await script(['stop', '--json', '--lease', LEASE], 2 * 60_000);
}
