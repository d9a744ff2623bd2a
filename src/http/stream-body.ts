import type { ServerResponse } from 'node:http';

/**
 * Resolves when `res` can take more (drain) or never will (the client went
 * away: close). Waiting for 'drain' alone hangs for ever on a closed response.
 */
export function drainedOrClosed(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done).off('close', done);
      resolve();
    };
    res.on('drain', done).on('close', done);
  });
}

/**
 * Writes `first` and then each piece `rest` yields, honouring back-pressure,
 * and ends the response. When the client goes away, the source is stopped
 * (its `return`, so a database cursor is let go) and nothing more is read.
 */
export async function streamPieces(res: ServerResponse, first: string, rest: AsyncIterator<string>): Promise<void> {
  let piece = first;
  for (;;) {
    if (!res.write(piece)) await drainedOrClosed(res);
    if (res.destroyed) {
      await rest.return?.();
      return;
    }
    const next = await rest.next();
    if (next.done === true) break;
    piece = next.value;
  }
  res.end();
}
