/**
 * The closed set of error and problem codes. Every failure a user can see carries one of these,
 * with a message that says what to do. Add a code here before using it anywhere.
 */
export const ERROR_CODES = {
  E_USAGE: 'bad command-line usage',
  E_INPUT_UNREADABLE: 'an input file or path cannot be read',
  E_INPUT_EMPTY: 'an input file is empty',
  E_WRONG_VENDOR: "the file looks like another vendor's export",
  E_SOURCE_PARSE: 'a line or row of the export cannot be parsed',
  E_SOURCE_FIELD: 'a field of a record is missing or invalid',
  E_SOURCE_API: 'the source vendor API failed',
  E_DUPLICATE_ID: 'two records share one source id',
  E_DUPLICATE_EMAIL: 'several users share one email address',
  E_DECISIONS: 'the duplicate-account decisions file does not match the export',
  E_NO_EMAIL: 'a user has no email address',
  E_HASH_UNSUPPORTED: 'a password hash uses an algorithm flagless cannot verify',
  E_HASH_MALFORMED: 'a password hash cannot be parsed',
  E_HASH_COST: 'a password hash costs more to verify than the configured ceiling (--max-hash-cost)',
  E_HASH_CONFIG_MISSING: 'the hash parameters needed to verify passwords are missing',
  E_PASSWORD_ORPHAN: 'a password record matches no user',
  E_PASSWORD_MISSING: 'a database user has no password record',
  E_MEMBERSHIP_ORPHAN: 'a membership names an organization that is not in the export',
  E_TARGET_CONFLICT: 'the record already exists in the target',
  E_TARGET_VALIDATION: 'the target rejected the record as invalid',
  E_TARGET_AUTH: 'the target rejected our credentials',
  E_TARGET_UNAVAILABLE: 'the target could not be reached or failed',
  E_RATE_LIMITED: 'the target is rate limiting requests',
  E_WEBHOOK_AUTH: 'a webhook delivery failed authentication (signature, timestamp or token)',
  E_WEBHOOK_PAYLOAD: 'a webhook delivery cannot be read',
  E_STATE: 'the state store is unusable',
  E_INTERRUPTED: 'the run was interrupted',
  E_INTERNAL: 'a bug in flagless',
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

/** How the engine treats a failure: stop the run, try again later, or quarantine the record. */
export type ErrorClass = 'fatal' | 'retriable' | 'skippable';

export class FlaglessError extends Error {
  readonly code: ErrorCode;
  readonly errorClass: ErrorClass;
  /** Seconds the server asked us to wait (HTTP Retry-After), when it did. */
  readonly retryAfterSeconds: number | undefined;
  constructor(code: ErrorCode, message: string, opts: { errorClass?: ErrorClass; retryAfterSeconds?: number; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'FlaglessError';
    this.code = code;
    this.errorClass = opts.errorClass ?? 'fatal';
    this.retryAfterSeconds = opts.retryAfterSeconds;
  }
}

export function isFlaglessError(e: unknown): e is FlaglessError {
  return e instanceof FlaglessError;
}
