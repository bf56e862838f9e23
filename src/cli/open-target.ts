import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { TARGET_CAPABILITIES, TARGET_MODULES } from '../connectors/index.js';
import { createLogger } from '../engine/log.js';
import { loggedTarget } from '../engine/logged-target.js';
import { FlaglessError } from '../protocol/errors.js';
import type { Target, TargetConnector, TargetOptions } from '../protocol/target.js';
import type { FlagValues } from './spec.js';

/**
 * The CLI glue that opens a target from the shared target flags (`--to --target-url --db --realm`),
 * and names the migration a run belongs to. Used by migrate, verify (and later serve).
 */
export function str(v: FlagValues[string]): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

export async function loadTargetConnector(name: string | undefined): Promise<TargetConnector> {
  const known = TARGET_CAPABILITIES.map((c) => c.name);
  if (!name || !known.includes(name)) throw new FlaglessError('E_USAGE', `--to must be one of ${known.join(', ')}.`);
  const load = TARGET_MODULES[name];
  if (!load) throw new FlaglessError('E_USAGE', `the ${name} target is not available in this build of flagless.`);
  return (await load()).target;
}

export function targetOptionsFromFlags(flags: FlagValues, env: Record<string, string | undefined>): TargetOptions {
  const options: TargetOptions = { env };
  const url = str(flags['target-url']);
  if (url) options.url = url;
  const db = str(flags.db);
  if (db) options.db = db;
  const realm = str(flags.realm);
  if (realm) options.realm = realm;
  const schemaId = str(flags['schema-id']);
  if (schemaId) options.schemaId = schemaId;
  return options;
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
 * Which target instance: the name plus where it is (--target-url, --db, or the connector's
 * `<NAME>_API_URL` / `<NAME>_URL` environment variable) and realm. Re-runs and parallel workers
 * against the same instance share one ledger run; another instance gets its own.
 */
export function targetLabel(name: string, flags: FlagValues, env: Record<string, string | undefined>): string {
  const envName = name.toUpperCase().replace(/[^A-Z0-9]/g, '_');
  const where = str(flags['target-url']) ?? str(flags.db) ?? env[`${envName}_API_URL`] ?? env[`${envName}_ADMIN_URL`] ?? env[`${envName}_URL`] ?? 'default';
  const realm = str(flags.realm);
  return `${name}@${withoutSecrets(where).replace(/\/+$/, '')}${realm ? `/${realm}` : ''}`;
}

/** Where the source came from, for the runs table (not its identity: a re-export is the same migration). */
export function sourceFingerprint(flags: FlagValues): string {
  const vendor = str(flags.from) ?? '?';
  const file = str(flags.file);
  if (!file) return `${vendor}:api:${str(flags['source-url']) ?? 'default'}`;
  try {
    const st = statSync(file);
    return `${vendor}:${resolve(file)}:${st.size}:${st.mtime.toISOString()}`;
  } catch {
    return `${vendor}:${resolve(file)}`;
  }
}

export async function openTarget(flags: FlagValues, env: Record<string, string | undefined> = process.env): Promise<{ connector: TargetConnector; target: Target; label: string }> {
  const name = str(flags.to);
  const connector = await loadTargetConnector(name);
  const target = withTargetLog(await connector.open(targetOptionsFromFlags(flags, env)), flags);
  return { connector, target, label: targetLabel(connector.name, flags, env) };
}

/** With `--log-level debug`, every target call is logged (secrets redacted); otherwise the target as is. */
export function withTargetLog(target: Target, flags: FlagValues): Target {
  const level = str(flags['log-level']);
  return level ? loggedTarget(target, createLogger({ service: 'flagless', level })) : target;
}

/** A positive integer flag, or E_USAGE. */
export function positiveInt(flags: FlagValues, name: string, fallback: number): number {
  const raw = str(flags[name]);
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new FlaglessError('E_USAGE', `--${name} must be a positive whole number; got "${raw}".`);
  return n;
}

/** A positive number flag, or undefined when absent, or E_USAGE. */
export function positiveNumber(flags: FlagValues, name: string): number | undefined {
  const raw = str(flags[name]);
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0) throw new FlaglessError('E_USAGE', `--${name} must be a positive number; got "${raw}".`);
  return n;
}
