export type HashErrorCode = 'E_HASH_UNSUPPORTED' | 'E_HASH_MALFORMED';

/**
 * A password hash that cannot be used. The message names the algorithm and the part that is
 * wrong, never the hash, the salt or any other byte of the input: callers put it in reports.
 */
export class HashError extends Error {
  readonly code: HashErrorCode;
  constructor(code: HashErrorCode, message: string) {
    super(message);
    this.name = 'HashError';
    this.code = code;
  }
}

/** The input is recognisably this algorithm, but a part of it is broken. */
export function malformed(message: string): HashError {
  return new HashError('E_HASH_MALFORMED', message);
}

/** The input is not a form this module can verify. */
export function unsupported(message: string): HashError {
  return new HashError('E_HASH_UNSUPPORTED', message);
}
