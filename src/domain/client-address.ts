import { formatIp, parseIp } from './ip-address.js';

/**
 * The client a per-address limit counts: the IPv4 address (an IPv4-mapped
 * IPv6 address counts as the IPv4 it carries), or the IPv6 /64 network — one
 * subscriber or host usually holds a whole /64 (RFC 6177, RFC 7934), so
 * counting single IPv6 addresses would let one machine pick a fresh address
 * per request. Anything unparsable (no socket address) is one bucket.
 */
export function clientAddressKey(ip: string | undefined): string {
  const parsed = ip === undefined ? undefined : parseIp(ip);
  if (parsed === undefined) return 'unknown';
  if (parsed.version === 4) return formatIp(parsed);
  return `${formatIp({ version: 6, value: (parsed.value >> 64n) << 64n })}/64`;
}
