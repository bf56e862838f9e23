import assert from 'node:assert/strict';
import { FlaglessError } from '../../src/protocol/errors.js';

/** The FlaglessError a promise rejects with; fails the test when it resolves or rejects with anything else. */
export async function failure(p: Promise<unknown>): Promise<FlaglessError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof FlaglessError, `a FlaglessError, not ${String(e)}`);
    return e;
  }
  assert.fail('expected a failure');
}
