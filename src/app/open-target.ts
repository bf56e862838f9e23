import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { TARGET_CAPABILITIES, TARGET_MODULES } from '../connectors/index.js';
import { createLogger } from '../engine/log.js';
import { loggedTarget } from '../engine/logged-target.js';
import { FlaglessError } from '../protocol/errors.js';
import type { Target, TargetConnector, TargetOptions } from '../protocol/target.js';

/** Where the users go: the target's name and instance. */
export interface OpenTargetOptions {
  /** The target: `workos`, `keycloak`, `better-auth` (one of `targetNames()`). */
  to: string;
  /** The target's API base URL (WorkOS, Keycloak). */
  url?: string;
  /** Better Auth's database: a SQLite path or a postgres:// URL. */
  db?: string;
  /** Keycloak's realm. */
  realm?: string;
  /** Environment for credentials (WORKOS_API_KEY, KEYCLOAK_*, BETTER_AUTH_SECRET...). Defaults to process.env. */
  env?: Record<string, string | undefined>;
  /** Log every target call at this level (secrets redacted), e.g. `debug`. */
  logLevel?: string;
}

export interface OpenedTarget {
  connector: TargetConnector;
  target: Target;
  /** The target's name and instance without credentials (`better-auth@./app.db`): the id of a migration's run. */
  label: string;
}

export function targetNames(): string[] {
  return TARGET_CAPABILITIES.map((c) => c.name);
}

export async function loadTargetConnector(name: string | undefined): Promise<TargetConnector> {
  const known = targetNames();
  if (!name || !known.includes(name)) throw new FlaglessError('E_USAGE', `--to must be one of ${known.join(', ')}.`);
  const load = TARGET_MODULES[name];
  if (!load) throw new FlaglessError('E_USAGE', `the ${name} target is not available in this build of flagless.`);
  return (await load()).target;
}

export function targetConnectorOptions(options: OpenTargetOptions): TargetOptions {
  const out: TargetOptions = { env: options.env ?? process.env };
  if (options.url) out.url = options.url;
  if (options.db) out.db = options.db;
  if (options.realm) out.realm = options.realm;
  return out;
}

/** A URL or path without credentials, for labels and messages. */
function withoutSecrets(location: string): string {
  try {
    const u = new URL(location);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return location;
  }
}

/**
 * Which target instance: the name plus where it is (url, db, or the connector's `<NAME>_API_URL` /
 * `<NAME>_URL` environment variable) and realm. Re-runs and parallel workers against the same
 * instance share one ledger run; another instance gets its own.
 */
export function targetLabel(name: string, options: Omit<OpenTargetOptions, 'to'>): string {
  const env = options.env ?? process.env;
  const envName = name.toUpperCase().replace(/[^A-Z0-9]/g, '_');
  const where = (options.url || undefined) ?? (options.db || undefined) ?? env[`${envName}_API_URL`] ?? env[`${envName}_URL`] ?? 'default';
  return `${name}@${withoutSecrets(where).replace(/\/+$/, '')}${options.realm ? `/${options.realm}` : ''}`;
}

/** Where the source came from, for the runs table (not its identity: a re-export is the same migration). */
export function sourceFingerprint(source: { from?: string; file?: string; apiUrl?: string }): string {
  const vendor = source.from || '?';
  const file = source.file;
  if (!file) return `${vendor}:api:${source.apiUrl || 'default'}`;
  try {
    const st = statSync(file);
    return `${vendor}:${resolve(file)}:${st.size}:${st.mtime.toISOString()}`;
  } catch {
    return `${vendor}:${resolve(file)}`;
  }
}

/** With a log level, every target call is logged (secrets redacted); otherwise the target as is. */
export function withTargetLog(target: Target, logLevel: string | undefined): Target {
  return logLevel ? loggedTarget(target, createLogger({ service: 'flagless', level: logLevel })) : target;
}

/** Opens a target. Close it with `target.close()`. */
export async function openTarget(options: OpenTargetOptions): Promise<OpenedTarget> {
  const connector = await loadTargetConnector(options.to);
  const target = withTargetLog(await connector.open(targetConnectorOptions(options)), options.logLevel);
  return { connector, target, label: targetLabel(connector.name, options) };
}
