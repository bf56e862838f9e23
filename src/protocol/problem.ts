import type { ErrorCode } from './errors.js';

/**
 * Something wrong with one record or one line of the input, reported with where it is.
 * A problem never stops a run; it is counted, shown, and makes the exit code 1.
 * `message` never contains a secret (hash, TOTP secret, password).
 */
export interface Problem {
  code: ErrorCode;
  message: string;
  file?: string;
  /** 1-based line (NDJSON, JSON) or record row (CSV: the line where the record starts). */
  line?: number;
  sourceId?: string;
  /** `error`: the record (or part of it) cannot move as it is; `warning`: it moves, with a note. */
  severity: 'error' | 'warning';
}
