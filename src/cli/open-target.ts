import { targetNames, type OpenTargetOptions } from '../app/open-target.js';
import { parseHashCostCeiling, type HashCostCeiling } from '../model/password/cost.js';
import { FlaglessError } from '../protocol/errors.js';
import type { FlagValues } from './spec.js';

/** The CLI's reading of the shared target flags (`--to --target-url --db --realm --log-level`) and of number flags. */
export function str(v: FlagValues[string]): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

/** The target the flags describe, as app options; E_USAGE for an unknown `--to`. */
export function targetFromFlags(flags: FlagValues, env: Record<string, string | undefined> = process.env): OpenTargetOptions {
  const to = str(flags.to);
  const known = targetNames();
  if (!to || !known.includes(to)) throw new FlaglessError('E_USAGE', `--to must be one of ${known.join(', ')}.`);
  const options: OpenTargetOptions = { to, env };
  const url = str(flags['target-url']);
  if (url) options.url = url;
  const db = str(flags.db);
  if (db) options.db = db;
  const realm = str(flags.realm);
  if (realm) options.realm = realm;
  const schemaId = str(flags['schema-id']);
  if (schemaId) options.schemaId = schemaId;
  const logLevel = str(flags['log-level']);
  if (logLevel) options.logLevel = logLevel;
  return options;
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

/** `--max-hash-cost name=value,...` over the defaults, or undefined (the defaults) when absent, or E_USAGE. */
export function hashCostCeilingFromFlags(flags: FlagValues): HashCostCeiling | undefined {
  const raw = str(flags['max-hash-cost']);
  if (raw === undefined) return undefined;
  const parsed = parseHashCostCeiling(raw);
  if (!parsed.ok) throw new FlaglessError('E_USAGE', parsed.message);
  return parsed.ceiling;
}
