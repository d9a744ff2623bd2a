import { Writable } from 'node:stream';
import { createLogger, type AppLogger } from '../../src/adapters/logging/create-logger.js';

export interface CapturedLogs {
  logger: AppLogger;
  /** Every JSON line written so far, parsed. */
  lines(): Record<string, unknown>[];
  /** The raw text written so far (to assert a secret never appears). */
  text(): string;
}

/** A real pino logger writing into memory, so tests can assert on what is logged. */
export function captureLogs(level = 'debug'): CapturedLogs {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      chunks.push(chunk.toString('utf8'));
      callback();
    },
  });
  const logger = createLogger(level, stream);
  const text = () => chunks.join('');
  return {
    logger,
    text,
    lines: () =>
      text()
        .split('\n')
        .filter((line) => line.trim() !== '')
        .map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}
