import { accessSync, constants } from 'node:fs';
import { readCredentials, type Credential } from '../engine/verify-logins.js';
import { verify as reconcile, type VerifyReport } from '../engine/verify.js';
import type { HashCostCeiling } from '../model/password/cost.js';
import { FlaglessError } from '../protocol/errors.js';
import { openSource, type OpenSourceOptions } from './open-source.js';
import { openTarget, type OpenTargetOptions } from './open-target.js';

export interface VerifyOptions {
  source: OpenSourceOptions;
  target: OpenTargetOptions;
  /** As given to `migrate`: what the plan expects of users without a usable hash. */
  missingPassword?: 'jit' | 'reset';
  /** As given to `migrate`: hashes costlier than this were not imported. */
  hashCostCeiling?: HashCostCeiling;
  /** Requests in flight (default 4). */
  concurrency?: number;
  rate?: number;
  /** Sample users to sign in as through the target's real login: a CSV path (`identifier,password`), or the rows themselves. */
  logins?: string | AsyncIterable<Credential | { line: number; error: string }>;
  signal?: AbortSignal;
}

export type VerifyResult = { target: string } & VerifyReport;

/** Reads a logins CSV (`identifier,password`), the sample users `verify` signs in as. */
export { readCredentials };

/** Reconciles source against target record by record, and signs in as the sample users. `ok` when everything the plan moves is there. */
export async function verify(options: VerifyOptions): Promise<VerifyResult> {
  const logins = options.logins;
  if (typeof logins === 'string') {
    try {
      accessSync(logins, constants.R_OK);
    } catch {
      throw new FlaglessError('E_INPUT_UNREADABLE', `cannot read the logins file ${logins}`);
    }
  }
  const source = await openSource(options.source);
  const { target, label } = await openTarget(options.target);
  try {
    const report = await reconcile({
      source,
      target,
      plan: { missingPassword: options.missingPassword ?? 'jit', ...(options.hashCostCeiling ? { hashCostCeiling: options.hashCostCeiling } : {}) },
      concurrency: options.concurrency ?? 4,
      ...(options.rate !== undefined ? { rate: options.rate } : {}),
      ...(logins !== undefined ? { credentials: typeof logins === 'string' ? readCredentials(logins) : logins } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    });
    return { target: label, ...report };
  } finally {
    await target.close().catch(() => undefined);
  }
}
