import type { IncomingMessage } from 'node:http';

/**
 * Why a request to a local credentials endpoint looks like it came from a
 * web browser (a page the user visits, possibly after DNS rebinding), or
 * undefined. SDKs and the AWS CLI send none of these headers; browsers send
 * Origin on cross-origin and most POST/PUT requests, Referer, and the
 * Sec-Fetch-Site/-Dest metadata headers on every request (W3C Fetch
 * Metadata). Sec-Fetch-Mode alone is not taken for a browser: Node's own
 * fetch sends it. aws-vault and Weep refuse browser requests the same way.
 */
export function browserLike(req: IncomingMessage): string | undefined {
  for (const name of ['origin', 'referer', 'sec-fetch-site', 'sec-fetch-dest', 'sec-fetch-user']) {
    if (req.headers[name] !== undefined) return `requests with a ${name} header (from a web browser) are refused`;
  }
  return undefined;
}

/**
 * Whether the Host header names this endpoint: the address it listens on (or
 * `localhost` for a loopback one) with its port. A DNS-rebinding page reaches
 * the endpoint under its own host name, which this refuses.
 */
export function hostMatches(req: IncomingMessage, address: string, port: number): boolean {
  const host = (req.headers.host ?? '').toLowerCase();
  const literal = address.includes(':') ? `[${address}]` : address;
  const names = [literal, ...(isLoopback(address) ? ['localhost', '127.0.0.1', '[::1]'] : [])];
  return names.some((name) => host === `${name}:${String(port)}`);
}

export function isLoopback(address: string): boolean {
  return address === '::1' || /^127(\.\d{1,3}){3}$/.test(address);
}
