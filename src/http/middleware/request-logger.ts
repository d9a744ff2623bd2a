import type { Logger } from '../../ports/logger.js';

/**
 * A request's logger: stamps `requestId` on every line, but builds the pino
 * child only when the request logs something beyond its access line. Most
 * requests never do, and a child per request (bindings serialised and
 * redacted) was a measurable part of a cached credentials answer.
 */
export class RequestLogger implements Logger {
  #child: Logger | undefined;

  constructor(
    private readonly parent: Logger,
    private readonly requestId: string,
  ) {}

  #log(): Logger {
    return (this.#child ??= this.parent.child({ requestId: this.requestId }));
  }

  fatal(obj: object, ...msg: [string?]): void {
    this.#log().fatal(obj, ...msg);
  }
  error(obj: object, ...msg: [string?]): void {
    this.#log().error(obj, ...msg);
  }
  warn(obj: object, ...msg: [string?]): void {
    this.#log().warn(obj, ...msg);
  }
  info(obj: object, ...msg: [string?]): void {
    this.#log().info(obj, ...msg);
  }
  debug(obj: object, ...msg: [string?]): void {
    this.#log().debug(obj, ...msg);
  }
  child(bindings: Record<string, unknown>): Logger {
    return this.#log().child(bindings);
  }
}
