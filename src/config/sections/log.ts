import { z } from 'zod';
import { integer, oneOf } from '../fields.js';

export const log = z
  .strictObject({
    level: oneOf(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
      .default('info')
      .meta({ env: ['LOG_LEVEL', 'ROLEGATE_LOG_LEVEL'], description: 'Minimum level of the JSON log lines written to stdout.' }),
    bufferBytes: integer(0, 16_000)
      .default(8192)
      .meta({
        env: ['ROLEGATE_LOG_BUFFER_BYTES'],
        description:
          'Log lines below warn (the access log) are written to stdout once this many bytes are waiting, or every log.flushIntervalMs, instead of one write per line; warn and above are written at once, and everything is flushed when the process exits. A crash that kills the process outright (SIGKILL, out of memory) may lose the last buffered lines — never an audit row, which is committed to PostgreSQL before any answer. 0 writes every line as it comes.',
      }),
    flushIntervalMs: integer(10, 10_000)
      .default(250)
      .meta({
        env: ['ROLEGATE_LOG_FLUSH_INTERVAL_MS'],
        description: 'How long a buffered log line may wait before it is written (see log.bufferBytes).',
      }),
  })
  .prefault({});
