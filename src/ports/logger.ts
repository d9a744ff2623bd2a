/**
 * The structured logger every module receives (pino implements it). Log objects
 * first, message second; never put secrets in either — known secret fields are
 * redacted, but redaction is the safety net, not the plan.
 */
export interface Logger {
  fatal(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  debug(obj: object, msg?: string): void;
  child(bindings: Record<string, unknown>): Logger;
}
