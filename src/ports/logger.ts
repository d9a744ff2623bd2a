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

/** What the access log records of one answered request. */
export interface AccessEntry {
  requestId: string;
  method: string;
  /** The request target with query values left out (they carry OAuth codes and sign-in tokens). */
  url: string;
  remoteAddress: string | undefined;
  userAgent: string | undefined;
  statusCode: number;
  responseTimeMs: number;
}

/**
 * The access log: one line per answered request, at the level the HTTP layer
 * chose (`error` for 5xx, `debug` for quiet paths, else `info`). An adapter may
 * write it faster than a general log call: its fields are known in advance.
 */
export interface AccessLog {
  record(level: 'error' | 'info' | 'debug', entry: AccessEntry, msg: string): void;
}
