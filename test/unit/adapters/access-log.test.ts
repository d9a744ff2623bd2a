import { describe, expect, it } from 'vitest';
import { pinoAccessLog } from '../../../src/adapters/logging/access-log.js';
import type { AccessEntry } from '../../../src/ports/logger.js';
import { captureLogs } from '../../support/logs.js';

const entry = (overrides: Partial<AccessEntry> = {}): AccessEntry => ({
  requestId: 'lb-request-42',
  method: 'POST',
  url: '/api/v1/credentials?code=…',
  remoteAddress: '127.0.0.1',
  userAgent: 'aws-cli/2.9.19 "quoted" \\ ünïcode \u2028 line',
  statusCode: 200,
  responseTimeMs: 1.3,
  ...overrides,
});

/** pino's own line for the same entry, as observe-requests wrote it before (the object, then the message). */
function pinoLine(level: 'info', e: AccessEntry): string {
  const logs = captureLogs('info');
  logs.logger[level](
    {
      requestId: e.requestId,
      req: { method: e.method, url: e.url, remoteAddress: e.remoteAddress, userAgent: e.userAgent },
      res: { statusCode: e.statusCode },
      responseTimeMs: e.responseTimeMs,
    },
    'request completed',
  );
  return logs.text();
}

const withoutTime = (line: string) => line.replace(/"time":"[^"]+"/, '"time":"<time>"');

describe('the access log on pino', () => {
  it('when an info line is written, then it is byte for byte the line pino writes for the same object', () => {
    for (const e of [entry(), entry({ userAgent: undefined, remoteAddress: undefined, statusCode: 404, responseTimeMs: 0 })]) {
      const logs = captureLogs('info');
      pinoAccessLog(logs.logger).record('info', e, 'request completed');
      expect(withoutTime(logs.text())).toBe(withoutTime(pinoLine('info', e)));
      expect(logs.lines()[0]).toMatchObject({
        level: 'info',
        service: 'rolegate',
        msg: 'request completed',
        res: { statusCode: e.statusCode },
      });
    }
  });

  it('when the level is above info, then info lines are not written and error lines still are', () => {
    const logs = captureLogs('warn');
    const access = pinoAccessLog(logs.logger);
    access.record('info', entry(), 'request completed');
    access.record('error', entry({ statusCode: 503 }), 'request failed');
    expect(logs.lines()).toEqual([expect.objectContaining({ level: 'error', msg: 'request failed', res: { statusCode: 503 } })]);
  });
});
