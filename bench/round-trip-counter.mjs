// A TCP proxy that counts round trips: each time a client sends after the
// server last spoke on that connection (or first), one round trip begins.
// Commands pipelined in one write (a MULTI, commands sent in the same tick, a
// PostgreSQL Parse/Bind/Execute/Sync) are one; server pushes (pub/sub,
// client-side-tracking invalidations) start none. For benches only: it adds a
// hop, so time is never measured through it.
import { createServer, connect } from 'node:net';

/** Listens on a free loopback port in front of `target` (a URL); `turns` counts round trips so far. */
export async function roundTripCounter(target) {
  const upstream = new URL(target);
  const counter = { turns: 0, url: '', close: undefined };
  const sockets = new Set();
  const server = createServer((client) => {
    const remote = connect(Number(upstream.port), upstream.hostname);
    sockets.add(client).add(remote);
    let serverSpokeLast = true;
    client.on('data', (chunk) => {
      if (serverSpokeLast) counter.turns++;
      serverSpokeLast = false;
      remote.write(chunk);
    });
    remote.on('data', (chunk) => {
      serverSpokeLast = true;
      client.write(chunk);
    });
    const end = () => {
      client.destroy();
      remote.destroy();
      sockets.delete(client);
      sockets.delete(remote);
    };
    for (const socket of [client, remote]) socket.on('close', end).on('error', end);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  counter.url = Object.assign(new URL(target), { host: `127.0.0.1:${server.address().port}` }).href;
  counter.close = () =>
    new Promise((resolve) => {
      for (const socket of sockets) socket.destroy();
      server.close(resolve);
    });
  return counter;
}
