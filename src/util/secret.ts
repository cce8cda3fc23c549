import { inspect } from 'node:util';

const REDACTED = '[REDACTED]';

/**
 * A value that must never be printed: Ki, OPc, CK, IK, MSK, tokens, PINs,
 * signing secrets. JSON.stringify, String(), template literals and
 * util.inspect (console.log, pino) all see `[REDACTED]`; only `reveal()`
 * gives the value, so every use of the secret is greppable.
 */
export class Secret<T> {
  readonly #value: T;
  constructor(value: T) {
    this.#value = value;
  }
  reveal(): T {
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
  [Symbol.toPrimitive](): string {
    return REDACTED;
  }
}

export const secret = <T>(value: T): Secret<T> => new Secret(value);
export { REDACTED };
