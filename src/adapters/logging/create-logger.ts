import { pino, type DestinationStream, type Logger as PinoLogger } from 'pino';

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

/** How stdout is written: lines below warn wait until `bufferBytes` are pending or `flushIntervalMs` has passed. */
export interface LogBuffering {
  bufferBytes: number;
  flushIntervalMs: number;
}

const WARN = 40;

/**
 * stdout, written asynchronously (lines logged while a write is in progress
 * go out together in the next one). With `bufferBytes`, lines also wait until
 * that many bytes are pending or `flushIntervalMs` has passed: one write(2)
 * per few dozen access-log lines instead of one per request (a tenth of a
 * cached credentials answer's CPU went to those writes). Warn and above are
 * written at once. pino flushes its destination synchronously when the
 * process exits (normally, on an uncaught error or a signal it handles);
 * only a process killed outright loses what was pending.
 */
function stdout(buffering: LogBuffering | undefined): DestinationStream {
  if (!buffering || buffering.bufferBytes === 0) return pino.destination({ dest: 1, sync: false });
  const sonic = pino.destination({
    dest: 1,
    sync: false,
    minLength: buffering.bufferBytes,
    periodicFlush: buffering.flushIntervalMs,
  });
  const flushNow = () => {
    try {
      sonic.flush();
    } catch {
      // not writable (closed stdout): nothing more can be done for this line
    }
  };
  // pino sets `lastLevel` before each write on streams that ask for it (needsMetadataGsym).
  const stream: DestinationStream & { lastLevel: number; flush(): void } = {
    lastLevel: 0,
    write(line: string) {
      sonic.write(line);
      if (stream.lastLevel >= WARN) flushNow();
    },
    flush: flushNow,
  };
  return Object.assign(stream, { [pino.symbols.needsMetadataGsym]: true });
}

/** JSON lines on stdout (or `destination`), secrets redacted, ISO timestamps. */
export function createLogger(level: string, destination?: DestinationStream, buffering?: LogBuffering): AppLogger {
  return pino(
    {
      level,
      base: { service: 'rolegate' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: {
        level: (label) => ({ level: label }),
        bindings: (bindings) => redactSecrets(bindings) as Record<string, unknown>,
        log: (object) => redactSecrets(object) as Record<string, unknown>,
      },
    },
    destination ?? stdout(buffering),
  );
}
