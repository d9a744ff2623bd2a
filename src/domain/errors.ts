/**
 * The closed set of error codes rolegate answers with. Each one is documented in
 * docs/error-codes.md; clients may switch on them.
 */
export const errorCodes = {
  invalid_request: 400,
  payload_too_large: 413,
  unsupported_media_type: 415,
  login_required: 401,
  assertion_invalid: 401,
  forbidden: 403,
  role_not_entitled: 403,
  step_up_required: 403,
  not_found: 404,
  method_not_allowed: 405,
  conflict: 409,
  precondition_failed: 412,
  rate_limited: 429,
  sts_access_denied: 403,
  sts_throttled: 503,
  federation_failed: 502,
  dependency_unavailable: 503,
  server_error: 500,
} as const satisfies Record<string, number>;

export type ErrorCode = keyof typeof errorCodes;

/** Whether `value` is one of the codes above (for codes read back from another process or a store). */
export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.hasOwn(errorCodes, value);
}

export interface RolegateErrorOptions {
  /** Human-readable explanation, safe to show to the caller when `expose` is true. */
  detail?: string;
  /** Overrides the status implied by the code (rarely needed). */
  status?: number;
  /** Whether `detail` may be sent to the client. Defaults to true for every code but server_error. */
  expose?: boolean;
  /** Extra members for the problem+json body (never secrets). */
  extras?: Record<string, unknown>;
  /** Extra response headers, e.g. Retry-After. */
  headers?: Record<string, string>;
  cause?: unknown;
}

/** The one error type features and adapters throw; the HTTP edge serialises it. */
export class RolegateError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly expose: boolean;
  readonly detail: string;
  readonly extras: Record<string, unknown>;
  readonly headers: Record<string, string>;

  constructor(code: ErrorCode, options: RolegateErrorOptions = {}) {
    super(options.detail ?? code, { cause: options.cause });
    this.name = 'RolegateError';
    this.code = code;
    this.status = options.status ?? errorCodes[code];
    this.expose = options.expose ?? code !== 'server_error';
    this.detail = options.detail ?? code;
    this.extras = options.extras ?? {};
    this.headers = options.headers ?? {};
  }
}

export function isRolegateError(error: unknown): error is RolegateError {
  return error instanceof RolegateError;
}
