import { FlaglessError, type ErrorClass, type ErrorCode } from './errors.js';

/**
 * The one mapping from an HTTP status to flagless's error code and retry class, used by every
 * connector that speaks HTTP (directly or through a vendor SDK that exposes the status). A
 * connector keeps its own message (what failed, how to fix it, never a secret); the class comes
 * from here, so the engine treats a 429 or a 503 the same whoever answered it.
 *
 * Target calls (one record's write or lookup):
 *   429 → E_RATE_LIMITED, retriable (with the server's Retry-After)
 *   408, 5xx → E_TARGET_UNAVAILABLE, retriable (the write may or may not have been applied)
 *   401, 403 → E_TARGET_AUTH, fatal (credentials or permissions: every record would fail)
 *   409 → E_TARGET_CONFLICT, skippable (settled per record by --on-conflict)
 *   other 4xx → E_TARGET_VALIDATION, skippable (this record is refused; the run goes on)
 * Source calls (reading an export page by page: there is no single record to skip):
 *   429, 408, 5xx → E_SOURCE_API, retriable; everything else → E_SOURCE_API, fatal.
 */
export type HttpSide = 'target' | 'source';

export interface HttpStatusClass {
  code: ErrorCode;
  errorClass: ErrorClass;
}

/** Statuses that say "not now", never "not this": a later try can succeed. */
export function isTransientStatus(status: number): boolean {
  return status === 429 || status === 408 || status >= 500;
}

export function classifyHttpStatus(status: number, side: HttpSide): HttpStatusClass {
  if (side === 'source') return { code: 'E_SOURCE_API', errorClass: isTransientStatus(status) ? 'retriable' : 'fatal' };
  if (status === 429) return { code: 'E_RATE_LIMITED', errorClass: 'retriable' };
  if (status === 408 || status >= 500) return { code: 'E_TARGET_UNAVAILABLE', errorClass: 'retriable' };
  if (status === 401 || status === 403) return { code: 'E_TARGET_AUTH', errorClass: 'fatal' };
  if (status === 409) return { code: 'E_TARGET_CONFLICT', errorClass: 'skippable' };
  if (status >= 400) return { code: 'E_TARGET_VALIDATION', errorClass: 'skippable' };
  // A non-error status reaching an error path (a 3xx the client did not follow): the URL is wrong.
  return { code: 'E_TARGET_UNAVAILABLE', errorClass: 'fatal' };
}

/**
 * Seconds to wait from a Retry-After value (RFC 9110 §10.2.3): delta-seconds, or an HTTP-date
 * (rounded up, never negative). Undefined when absent or unreadable: the engine then backs off
 * on its own.
 */
export function parseRetryAfter(value: string | number | null | undefined, now = Date.now()): number | undefined {
  if (value === null || value === undefined) return undefined;
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? value : undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text);
  if (!/[a-z]/i.test(text)) return undefined;
  const at = Date.parse(text);
  return Number.isFinite(at) ? Math.max(0, Math.ceil((at - now) / 1000)) : undefined;
}

/** A FlaglessError for an HTTP failure: code and class from the mapping, message from the connector. */
export function httpStatusError(status: number, message: string, opts: { side: HttpSide; retryAfter?: string | number | null; cause?: unknown }): FlaglessError {
  const { code, errorClass } = classifyHttpStatus(status, opts.side);
  const retryAfterSeconds = isTransientStatus(status) ? parseRetryAfter(opts.retryAfter) : undefined;
  return new FlaglessError(code, message, {
    errorClass,
    ...(retryAfterSeconds !== undefined ? { retryAfterSeconds } : {}),
    ...(opts.cause !== undefined ? { cause: opts.cause } : {}),
  });
}
