import type { AccessLog, Logger } from '../../ports/logger.js';

/** The access log through a Logger's own calls (an adapter may give a faster AccessLog: AppDeps.accessLog). */
export function loggerAccessLog(logger: Logger): AccessLog {
  return {
    record(level, entry, msg) {
      const { requestId, method, url, remoteAddress, userAgent, statusCode, responseTimeMs } = entry;
      logger[level]({ requestId, req: { method, url, remoteAddress, userAgent }, res: { statusCode }, responseTimeMs }, msg);
    },
  };
}
