import type { IncomingMessage } from 'node:http';
import proxyaddr from 'proxy-addr';

/** Whether the proxy at `address`, `hop` hops from rolegate, is trusted to say who the client is. */
export type TrustProxy = (address: string, hop: number) => boolean;

/**
 * server.trustProxy compiled exactly as Express compiles its `trust proxy`
 * setting. create-app.ts gives Express this very function, so the Express
 * app and the direct layer see the same client address and protocol.
 */
export function compileTrustProxy(setting: boolean | number | string): TrustProxy {
  if (setting === true) return () => true;
  if (typeof setting === 'number') return (_address, hop) => hop < setting;
  if (setting === false) return proxyaddr.compile([]);
  return proxyaddr.compile(setting.split(',').map((part) => part.trim()));
}

/** Express's `req.ip`: the socket's address, or what trusted proxies forwarded. */
export function clientIp(req: IncomingMessage, trust: TrustProxy): string | undefined {
  return proxyaddr(req, trust);
}

/** Express's `req.secure`: TLS on the socket, or `X-Forwarded-Proto: https` from a trusted proxy. */
export function isSecure(req: IncomingMessage, trust: TrustProxy): boolean {
  const own = 'encrypted' in req.socket && req.socket.encrypted ? 'https' : 'http';
  if (!trust(req.socket.remoteAddress ?? '', 0)) return own === 'https';
  const header = req.headers['x-forwarded-proto'];
  const forwarded = (typeof header === 'string' && header !== '' ? header : own).split(',', 1)[0]?.trim();
  return forwarded === 'https';
}
