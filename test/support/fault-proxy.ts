import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Fault {
  status: number;
  code: string;
  message: string;
}

/**
 * A loopback HTTP proxy in front of a real endpoint that answers the next
 * queued faults itself (AWS error XML) and forwards everything else. Stands in
 * for AWS throttling or a 5xx, which the local STS does not produce on its own.
 */
export class FaultProxy {
  readonly faults: Fault[] = [];
  forwarded = 0;
  answeredWithFault = 0;
  /** Connections to reset without an answer (an endpoint that is down), before any fault. */
  dropNext = 0;
  /** Requests to read and never answer (a stalled endpoint), once the queued faults are answered. */
  stallNext = 0;
  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async start(target: string): Promise<FaultProxy> {
    const upstream = new URL(target);
    const holder: { proxy?: FaultProxy } = {};
    const server = createServer((req, res) => {
      const proxy = holder.proxy;
      if (!proxy) return void res.destroy();
      if (proxy.dropNext > 0) {
        proxy.dropNext--;
        req.socket.destroy();
        return;
      }
      const fault = proxy.faults.shift();
      if (fault) {
        proxy.answeredWithFault++;
        req.resume();
        res.writeHead(fault.status, { 'Content-Type': 'text/xml', 'x-amzn-RequestId': 'fault-proxy' });
        res.end(
          `<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>${fault.code}</Code><Message>${fault.message}</Message></Error><RequestId>fault-proxy</RequestId></ErrorResponse>`,
        );
        return;
      }
      if (proxy.stallNext > 0) {
        proxy.stallNext--;
        req.resume(); // read the request, and never answer it
        return;
      }
      proxy.forwarded++;
      const forward = httpRequest(
        { host: upstream.hostname, port: upstream.port, path: req.url, method: req.method, headers: req.headers },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      forward.on('error', () => res.destroy());
      req.pipe(forward);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    holder.proxy = new FaultProxy(server, `http://127.0.0.1:${String((server.address() as AddressInfo).port)}`);
    return holder.proxy;
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.closeAllConnections();
      this.server.close(() => resolve());
    });
  }
}
