import { pino, type DestinationStream, type Logger as PinoLogger } from 'pino';
import { BufferedStdout, type LogBuffering } from './buffered-stdout.js';

/**
 * Keys whose values are secrets wherever they appear in a log object:
 * credentials, tokens, assertions, passwords, cookies. Matched
 * case-insensitively at any depth. Redaction is a safety net; code should not
 * log these in the first place.
 */
const SECRET_KEYS = new Set(
  [
    'password',
    'secret',
    'token',
    'accessToken',
    'refreshToken',
    'idToken',
    'access_token',
    'refresh_token',
    'id_token',
    'code_verifier',
    'clientSecret',
    'client_secret',
    'secretAccessKey',
    'sessionToken',
    'sessionKey',
    'signinToken',
    'SAMLResponse',
    'SAMLRequest',
    'credentials',
    'privateKey',
    'cookie',
    'set-cookie',
    'authorization',
    'proxy-authorization',
    'x-csrf-token',
    'x-amz-security-token',
  ].map((key) => key.toLowerCase()),
);

const CENSOR = '[redacted]';
const MAX_DEPTH = 6;

/**
 * Returns `value` with secret keys censored, copying only the objects that
 * change. One walk per log call: pino's path-based redaction with wildcards
 * cost ~70 µs a line here, this costs a few.
 */
export function redactSecrets(value: unknown, depth = 0): unknown {
  if (depth > MAX_DEPTH || typeof value !== 'object' || value === null || value instanceof Error) return value;
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined;
    value.forEach((item, i) => {
      const redacted = redactSecrets(item, depth + 1);
      if (redacted !== item) (copy ??= [...(value as unknown[])])[i] = redacted;
    });
    return copy ?? value;
  }
  let copy: Record<string, unknown> | undefined;
  for (const [key, item] of Object.entries(value)) {
    const redacted = SECRET_KEYS.has(key.toLowerCase()) && item !== undefined ? CENSOR : redactSecrets(item, depth + 1);
    if (redacted !== item) (copy ??= { ...value })[key] = redacted;
  }
  return copy ?? value;
}

export type AppLogger = PinoLogger;

/**
 * stdout. Without `bufferBytes`, written asynchronously by pino (lines logged
 * while a write is in progress go out together in the next one). With it,
 * lines wait until that many bytes are pending or `flushIntervalMs` has
 * passed: one write(2) per few dozen access-log lines instead of one per
 * request (see buffered-stdout.ts). Warn and above are written at once.
 */
function stdout(buffering: LogBuffering | undefined): DestinationStream {
  if (!buffering || buffering.bufferBytes === 0) return pino.destination({ dest: 1, sync: false });
  const stream = new BufferedStdout(1, buffering);
  // pino sets `lastLevel` before each write on streams that ask for it.
  return Object.assign(stream, { [pino.symbols.needsMetadataGsym]: true });
}

let lastMs = -1;
let lastTimestamp = '';

/** pino's isoTime, converted once per millisecond: under load, a dozen lines share each one. */
function isoTimestamp(): string {
  const ms = Date.now();
  if (ms !== lastMs) {
    lastMs = ms;
    lastTimestamp = `,"time":"${new Date(ms).toISOString()}"`;
  }
  return lastTimestamp;
}

/** JSON lines on stdout (or `destination`), secrets redacted, ISO timestamps. */
export function createLogger(level: string, destination?: DestinationStream, buffering?: LogBuffering): AppLogger {
  return pino(
    {
      level,
      base: { service: 'rolegate' },
      timestamp: isoTimestamp,
      formatters: {
        level: (label) => ({ level: label }),
        bindings: (bindings) => redactSecrets(bindings) as Record<string, unknown>,
        log: (object) => redactSecrets(object) as Record<string, unknown>,
      },
    },
    destination ?? stdout(buffering),
  );
}
