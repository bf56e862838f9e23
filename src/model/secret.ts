import { inspect } from 'node:util';

/**
 * A value that must never reach a log, a report or an error message: password hashes,
 * TOTP secrets, API keys, plaintext passwords. Serialising or inspecting it prints a marker;
 * only `reveal()` gives the value, and only code that hands it to a verifier or a target calls it.
 */
export class Secret {
  readonly #value: string;
  constructor(value: string) {
    this.#value = value;
  }
  reveal(): string {
    return this.#value;
  }
  toJSON(): string {
    return REDACTED;
  }
  toString(): string {
    return REDACTED;
  }
  [inspect.custom](): string {
    return REDACTED;
  }
}

export const REDACTED = '[redacted]';

export function secret(value: string): Secret {
  return new Secret(value);
}
