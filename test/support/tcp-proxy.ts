import { createServer, connect, type AddressInfo, type Server, type Socket } from 'node:net';

/** One direction of one proxied connection: what arrives on `from` goes to `to`, or waits while paused. */
interface Pipe {
  from: Socket;
  to: Socket;
  held: Buffer[];
}

/**
 * A loopback TCP proxy in front of a real server (Redis, PostgreSQL) that
 * counts the bytes clients send through it, can cut every connection, and can
 * pause: connections stay open (new ones are accepted too) but nothing passes
 * in either direction until `resume()`, when what was held is delivered in
 * order. A paused proxy is a stalled network path (a hung load balancer, a
 * peer gone without a reset), which no socket event reveals.
 */
export class TcpProxy {
  bytesFromClients = 0;
  readonly #sockets = new Set<Socket>();
  readonly #pipes = new Set<Pipe>();
  #paused = false;
  /** Where new connections go (see retarget). */
  #target: { host: string; port: number } = { host: '127.0.0.1', port: 0 };

  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {}

  static async start(target: { host: string; port: number }): Promise<TcpProxy> {
    const holder: { proxy?: TcpProxy } = {};
    const server = createServer((client) => {
      const proxy = holder.proxy;
      if (!proxy) return void client.destroy();
      const upstream = connect(proxy.#target.port, proxy.#target.host);
      for (const socket of [client, upstream]) {
        proxy.#sockets.add(socket);
        socket.on('close', () => proxy.#sockets.delete(socket));
        socket.on('error', () => undefined);
      }
      client.on('data', (chunk: Buffer) => (proxy.bytesFromClients += chunk.length));
      proxy.#forward({ from: client, to: upstream, held: [] });
      proxy.#forward({ from: upstream, to: client, held: [] });
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    holder.proxy = new TcpProxy(server, (server.address() as AddressInfo).port);
    holder.proxy.#target = target;
    return holder.proxy;
  }

  get url(): string {
    return `127.0.0.1:${String(this.port)}`;
  }

  /** New connections go to `target` from now on; open ones stay where they are (a DNS name moved to another node). */
  retarget(target: { host: string; port: number }): void {
    this.#target = target;
  }

  /** Holds everything in both directions, on open and new connections, until resume(). */
  pause(): void {
    this.#paused = true;
  }

  /** Delivers what was held and passes traffic again. */
  resume(): void {
    this.#paused = false;
    for (const pipe of this.#pipes) {
      for (const chunk of pipe.held.splice(0)) pipe.to.write(chunk);
    }
  }

  /** Breaks every open connection (both directions), as a network failure would. */
  cutAll(): void {
    for (const socket of this.#sockets) socket.destroy();
  }

  async close(): Promise<void> {
    this.cutAll();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  #forward(pipe: Pipe): void {
    this.#pipes.add(pipe);
    pipe.from.on('data', (chunk: Buffer) => {
      if (this.#paused || pipe.held.length > 0) pipe.held.push(chunk);
      else pipe.to.write(chunk);
    });
    pipe.from.on('close', () => this.#pipes.delete(pipe));
  }
}
