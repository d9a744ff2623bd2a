import { isIP } from 'node:net';

/** True for an http(s) URL whose host is on loopback (127.0.0.0/8, ::1, localhost). */
export function isLoopbackUrl(value: string): boolean {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return false;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return false;
  return isLoopbackHost(url.hostname);
}

export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (host === 'localhost' || host.endsWith('.localhost')) return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  return host === '::1';
}

/** GET on loopback only, with a time limit and a size cap, so a bad URL cannot hang or flood the devstack. */
export async function fetchLoopback(url: string, timeoutMs = 3000, maxBytes = 1_000_000): Promise<string> {
  if (!isLoopbackUrl(url)) throw new Error(`refusing to fetch ${url}: only loopback URLs are allowed`);
  const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), redirect: 'error' });
  if (!response.ok) throw new Error(`GET ${url} answered ${String(response.status)}`);
  const text = await response.text();
  if (text.length > maxBytes) throw new Error(`GET ${url} answered more than ${String(maxBytes)} bytes`);
  return text;
}
