import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedWebhook {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  /** What `verify` said (when given). */
  verdict?: string;
}

export type ReceiverBehaviour = 'ok' | 'fail' | 'hang';

/**
 * A webhook receiver on loopback: records every POST as it arrived and
 * answers 200, 500 (`fail`) or never (`hang`). `down()` closes the port
 * (connections are refused) and `up()` opens it again on the same port.
 */
export async function startWebhookReceiver(verify?: (headers: IncomingHttpHeaders, body: string) => string) {
  const received: ReceivedWebhook[] = [];
  const hanging = new Set<ServerResponse>();
  let behaviour: ReceiverBehaviour = 'ok';
  let server: Server;
  const make = () =>
    createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        const verdict = verify?.(req.headers, body);
        received.push({ path: req.url ?? '', headers: req.headers, body, ...(verdict === undefined ? {} : { verdict }) });
        if (behaviour === 'hang') {
          hanging.add(res);
          res.on('close', () => hanging.delete(res));
          return;
        }
        if (behaviour === 'fail') {
          res.writeHead(500, { 'content-type': 'text/plain' }).end('receiver broke');
          return;
        }
        res.writeHead(verdict === 'invalid' ? 401 : 200, { 'content-type': 'text/plain' }).end('ok');
      });
    });
  const listen = (port: number) =>
    new Promise<number>((resolve, reject) => {
      server = make();
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
    });
  const port = await listen(0);
  const close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return {
    port,
    url: (path = '/hook') => `http://127.0.0.1:${String(port)}${path}`,
    received,
    /** Requests being held open right now (behaviour `hang`). */
    get hangingNow() {
      return hanging.size;
    },
    behave(next: ReceiverBehaviour) {
      behaviour = next;
    },
    down: close,
    up: async () => {
      await listen(port);
    },
    close,
  };
}
