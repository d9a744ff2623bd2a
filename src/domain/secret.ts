import { inspect } from 'node:util';

/**
 * A value that must never reach a log line, an error message or a JSON body by
 * accident. Read it with `reveal()` at the one place that needs it.
 */
export class Secret<T = string> {
  readonly #value: T;

  constructor(value: T) {
    this.#value = value;
  }

  reveal(): T {
    return this.#value;
  }

  toString(): string {
    return '[redacted]';
  }

  toJSON(): string {
    return '[redacted]';
  }

  [inspect.custom](): string {
    return 'Secret([redacted])';
  }
}
