import { createServer, request, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { streamPieces } from '../../../src/http/stream-body.js';

/** An endless source of 64 KB pieces that counts how many were read and whether it was stopped. */
function endlessSource() {
  const state = { read: 0, stopped: false };
  const piece = 'x'.repeat(64 * 1024);
  const source: AsyncIterator<string> = {
    next: () => {
      state.read++;
      return Promise.resolve({ done: false, value: piece });
    },
    return: () => {
      state.stopped = true;
      return Promise.resolve({ done: true, value: undefined });
    },
  };
  return { state, source };
}

describe('streamPieces', () => {
  it('when the client goes away in the middle of a stream, then writing stops and the source is stopped too', async () => {
    const { state, source } = endlessSource();
    let streamed: Promise<void> | undefined;
    const server = createServer((_req, res: ServerResponse) => {
      streamed = streamPieces(res, 'first\n', source);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    await new Promise<void>((resolve) => {
      const req = request({ host: '127.0.0.1', port, path: '/' }, (res) => {
        // Read one chunk, then hang up without reading more: the server's writes back up.
        res.once('data', () => {
          req.destroy();
          resolve();
        });
      });
      req.end();
    });
    await streamed;
    const readAtEnd = state.read;
    expect(state.stopped).toBe(true);
    expect(readAtEnd).toBeLessThan(10_000);
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('when the source ends, then everything arrives in order and the response ends', async () => {
    async function* rest() {
      yield 'b\n';
      yield await Promise.resolve('c\n');
    }
    const server = createServer((_req, res) => {
      void streamPieces(res, 'a\n', rest());
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const body = await (await fetch(`http://127.0.0.1:${String(port)}/`)).text();
    expect(body).toBe('a\nb\nc\n');
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
});
