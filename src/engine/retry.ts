import { FlaglessError, isFlaglessError, type ErrorClass, type ErrorCode } from '../protocol/errors.js';
import { DEFAULT_BACKOFF, type BackoffOptions } from '../lib/backoff.js';

/**
 * How a failed request is treated (Singer/Airbyte's three classes):
 * - `rate-limited`: a 429. The request was refused before it was applied, so it is always safe to
 *   send again; it pauses the shared bucket and does not use up the record's attempt budget.
 * - `retriable`: 5xx, timeouts, reset connections. The write may or may not have been applied, so
 *   a create is looked up in the target before it is sent again (see run-user.ts).
 * - `skippable`: the target rejected this record: it goes to the quarantine with code and reason.
 * - `fatal`: bad credentials or a misconfigured target: the run stops cleanly.
 */
export type FailureKind = 'rate-limited' | ErrorClass;

export interface Failure {
  kind: FailureKind;
  code: ErrorCode;
  /** Safe to show: FlaglessError messages never carry secrets (connectors guarantee it). */
  message: string;
  retryAfterSeconds?: number;
}

/** Node's and undici's codes for a connection that failed or was cut mid-request. */
const NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_CLOSED',
]);

function networkCode(e: unknown, depth = 0): string | undefined {
  if (!e || typeof e !== 'object' || depth > 3) return undefined;
  const code = (e as { code?: unknown }).code;
  if (typeof code === 'string' && NETWORK_CODES.has(code)) return code;
  return networkCode((e as { cause?: unknown }).cause, depth + 1);
}

/** Sorts any thrown value into a Failure. Unknown errors quarantine the record (never crash the run). */
export function classify(e: unknown): Failure {
  if (isFlaglessError(e)) {
    if (e.code === 'E_RATE_LIMITED') {
      return { kind: 'rate-limited', code: e.code, message: e.message, ...(e.retryAfterSeconds !== undefined ? { retryAfterSeconds: e.retryAfterSeconds } : {}) };
    }
    return { kind: e.errorClass, code: e.code, message: e.message, ...(e.retryAfterSeconds !== undefined ? { retryAfterSeconds: e.retryAfterSeconds } : {}) };
  }
  const net = networkCode(e);
  if (net) return { kind: 'retriable', code: 'E_TARGET_UNAVAILABLE', message: `connection failed (${net})` };
  if (e instanceof TypeError && /fetch failed|network/i.test(e.message)) {
    return { kind: 'retriable', code: 'E_TARGET_UNAVAILABLE', message: `connection failed (${e.message})` };
  }
  // An error the connector did not classify: a bug there. Its message may come from anywhere, so
  // only the error's name goes into the ledger.
  const name = e instanceof Error ? e.name : typeof e;
  return { kind: 'skippable', code: 'E_INTERNAL', message: `unclassified ${name} from the target connector` };
}

export interface RetryPolicy {
  /** Attempts per record for retriable failures (the first try included). */
  maxAttempts: number;
  /** 429s per record before it is quarantined as E_RATE_LIMITED (a safety net for an endless storm). */
  maxRateLimited: number;
  backoff: BackoffOptions;
}

export const DEFAULT_RETRY: RetryPolicy = { maxAttempts: 5, maxRateLimited: 200, backoff: DEFAULT_BACKOFF };

/** Thrown by the engine to stop a run after a fatal failure. */
export class FatalRunError extends FlaglessError {
  constructor(failure: Failure) {
    super(failure.code, failure.message, { errorClass: 'fatal' });
    this.name = 'FatalRunError';
  }
}

/** What the record's quarantine entry says when retriable failures ran out. */
export function exhausted(f: Failure, attempts: number): Failure {
  return { kind: 'skippable', code: f.code, message: `${f.message} (gave up after ${attempts} attempts)` };
}
