import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

/** A TCP port on loopback that was free a moment ago. */
export function freePort(): Promise<number> {
  return listenOnce(0);
}

/**
 * A free loopback port below the kernel's ephemeral range, for a server a test
 * stops and starts again on the same port. A port from `freePort()` lies in
 * that range: while its server is down, any outgoing connection on the machine
 * may be given it as its local port, and the restarted server then cannot bind
 * (EADDRINUSE) for as long as that connection lives.
 */
export async function freeRestartablePort(): Promise<number> {
  const [ephemeralLow] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
  const low = 10_000;
  const high = Math.max(low + 1000, (ephemeralLow ?? 32_768) - 1);
  for (let attempt = 0; attempt < 100; attempt++) {
    const candidate = low + Math.floor(Math.random() * (high - low));
    const port = await listenOnce(candidate).catch(() => undefined);
    if (port !== undefined) return port;
  }
  throw new Error(`no free loopback port between ${String(low)} and ${String(high)} after 100 tries`);
}

function listenOnce(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      const address = server.address();
      const bound = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(bound));
    });
  });
}
