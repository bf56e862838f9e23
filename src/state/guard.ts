import { FlaglessError } from '../protocol/errors.js';

/**
 * Runs one state-store operation: a FlaglessError passes as it is, anything else (a driver's error)
 * becomes a retriable E_STATE naming the store (`store`: "the sync state (path)") and what it was doing.
 */
export async function guardState<T>(store: string, what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    throw stateError(store, what, e);
  }
}

export function stateError(store: string, what: string, e: unknown): FlaglessError {
  if (e instanceof FlaglessError) return e;
  return new FlaglessError('E_STATE', `${store} failed while ${what}: ${(e as Error).message}`, { errorClass: 'retriable', cause: e });
}
