import { pino, type DestinationStream } from 'pino';
import type { AccessLog } from '../../ports/logger.js';
import type { AppLogger } from './create-logger.js';

const INFO = 30;

type Internals = Record<symbol, unknown>;

/**
 * The access log on pino's own stream: `info` lines (nearly every request)
 * are put together from their known fields — the very bytes pino writes for
 * the same object, with pino's own time and bindings — instead of going
 * through pino's generic formatting and the redaction walk (none of these
 * fields is a secret; query values were left out before). Other levels, and
 * info while it is disabled, go through pino as any log call.
 */
export function pinoAccessLog(logger: AppLogger): AccessLog {
  const internals = logger as unknown as Internals;
  const stream = internals[pino.symbols.streamSym] as DestinationStream & { lastLevel?: number };
  const time = internals[pino.symbols.timeSym] as () => string;
  const bindings = internals[pino.symbols.chindingsSym] as string;
  // Streams that ask for it are told each line's level (BufferedStdout writes warn and above at once).
  const tellsLevel = Boolean((stream as unknown as Internals)[pino.symbols.needsMetadataGsym]);
  const s = JSON.stringify;
  return {
    record(level, entry, msg) {
      if (level !== 'info' || !logger.isLevelEnabled('info')) {
        const { requestId, method, url, remoteAddress, userAgent, statusCode, responseTimeMs } = entry;
        logger[level]({ requestId, req: { method, url, remoteAddress, userAgent }, res: { statusCode }, responseTimeMs }, msg);
        return;
      }
      const line =
        `{"level":"info"${time()}${bindings},"requestId":${s(entry.requestId)}` +
        `,"req":{"method":${s(entry.method)},"url":${s(entry.url)}` +
        (entry.remoteAddress === undefined ? '' : `,"remoteAddress":${s(entry.remoteAddress)}`) +
        (entry.userAgent === undefined ? '' : `,"userAgent":${s(entry.userAgent)}`) +
        `},"res":{"statusCode":${String(entry.statusCode)}},"responseTimeMs":${String(entry.responseTimeMs)},"msg":${s(msg)}}\n`;
      if (tellsLevel) stream.lastLevel = INFO;
      stream.write(line);
    },
  };
}
