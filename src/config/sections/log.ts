import { z } from 'zod';
import { oneOf } from '../fields.js';

export const log = z
  .strictObject({
    level: oneOf(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
      .default('info')
      .meta({ env: ['LOG_LEVEL', 'ROLEGATE_LOG_LEVEL'], description: 'Minimum level of the JSON log lines written to stdout.' }),
  })
  .prefault({});
