/**
 * IPv4/IPv6 addresses and CIDR blocks, parsed by hand so that the rules are
 * exact and visible: no zone ids, no octal or shortened IPv4 (`10.1` or
 * `010.0.0.1` are refused rather than guessed), and IPv4-mapped IPv6
 * (`::ffff:10.0.0.1`, how a dual-stack socket reports an IPv4 client) counts as
 * the IPv4 address it carries.
 */

export interface IpAddress {
  version: 4 | 6;
  /** The address as a number (32 or 128 bits). */
  value: bigint;
}

export interface CidrBlock {
  version: 4 | 6;
  network: bigint;
  prefix: number;
  /** The block as written in configuration, for messages. */
  text: string;
}

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const HEXTET = /^[0-9a-fA-F]{1,4}$/;

/** Parses an IPv4 or IPv6 address; undefined when it is not one. IPv4-mapped IPv6 becomes IPv4. */
export function parseIp(text: string): IpAddress | undefined {
  const trimmed = text.trim();
  if (IPV4.test(trimmed)) return { version: 4, value: ipv4Value(trimmed) };
  const v6 = parseIpv6(trimmed);
  if (v6 === undefined) return undefined;
  if (v6 >> 32n === 0xffffn) return { version: 4, value: v6 & 0xffffffffn };
  return { version: 6, value: v6 };
}

/**
 * Parses `address/prefix` (or a bare address, meaning /32 or /128). Host bits
 * set below the prefix are refused: `10.0.0.1/8` is almost always a typo for
 * something narrower, and an allow-list must not be guessed.
 */
export function parseCidr(text: string): CidrBlock | { error: string } {
  const trimmed = text.trim();
  const [addressText = '', prefixText, ...rest] = trimmed.split('/');
  if (rest.length > 0) return { error: `"${text}" has more than one "/"` };
  const mappedV6 = !IPV4.test(addressText) && parseIpv6(addressText);
  const address = parseIp(addressText);
  if (address === undefined) return { error: `"${text}" is not an IPv4 or IPv6 address or CIDR block` };
  const width = address.version === 4 ? 32 : 128;
  let prefix = width;
  if (prefixText !== undefined) {
    if (!/^\d{1,3}$/.test(prefixText)) return { error: `"${text}" has an invalid prefix length` };
    prefix = Number(prefixText);
    // An IPv4-mapped block written in IPv6 (::ffff:10.0.0.0/104) is the IPv4 block /8.
    if (typeof mappedV6 === 'bigint' && address.version === 4) prefix -= 96;
    if (prefix < 0 || prefix > width) return { error: `"${text}" has a prefix length outside 0-${String(width)}` };
  }
  const hostBits = BigInt(width - prefix);
  const network = (address.value >> hostBits) << hostBits;
  if (network !== address.value)
    return { error: `"${text}" has host bits set (did you mean ${formatNetwork(address.version, network)}/${String(prefix)}?)` };
  return { version: address.version, network, prefix, text: trimmed };
}

/** Whether the address lies in the block (IPv4 never matches an IPv6 block and vice versa, mapped addresses excepted). */
export function cidrContains(block: CidrBlock, address: IpAddress): boolean {
  if (block.version !== address.version) return false;
  const width = block.version === 4 ? 32 : 128;
  const hostBits = BigInt(width - block.prefix);
  return address.value >> hostBits === block.network >> hostBits;
}

/** The canonical text of an address (IPv4 dotted, IPv6 lower-case without compression). */
export function formatIp(address: IpAddress): string {
  return formatNetwork(address.version, address.value);
}

function formatNetwork(version: 4 | 6, value: bigint): string {
  if (version === 4) return [24n, 16n, 8n, 0n].map((shift) => String((value >> shift) & 0xffn)).join('.');
  const parts: string[] = [];
  for (let shift = 112n; shift >= 0n; shift -= 16n) parts.push(((value >> shift) & 0xffffn).toString(16));
  return parts.join(':');
}

function ipv4Value(text: string): bigint {
  return text.split('.').reduce((acc, octet) => (acc << 8n) | BigInt(Number(octet)), 0n);
}

function parseIpv6(text: string): bigint | undefined {
  if (text.length === 0 || text.length > 45 || text.includes('%')) return undefined;
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const toGroups = (part: string): number[] | undefined => {
    if (part === '') return [];
    const pieces = part.split(':');
    const groups: number[] = [];
    for (const [index, piece] of pieces.entries()) {
      if (index === pieces.length - 1 && IPV4.test(piece)) {
        const v4 = Number(ipv4Value(piece));
        groups.push(Math.floor(v4 / 0x10000), v4 % 0x10000);
      } else if (HEXTET.test(piece)) groups.push(parseInt(piece, 16));
      else return undefined;
    }
    return groups;
  };
  const head = toGroups(halves[0] ?? '');
  const tail = halves.length === 2 ? toGroups(halves[1] ?? '') : [];
  if (head === undefined || tail === undefined) return undefined;
  // An embedded IPv4 is only allowed at the very end.
  if (halves.length === 2 && (halves[0] ?? '').split(':').some((p) => p.includes('.'))) return undefined;
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return undefined;
  const groups = [...head, ...Array<number>(halves.length === 2 ? missing : 0).fill(0), ...tail];
  return groups.reduce((acc, group) => (acc << 16n) | BigInt(group), 0n);
}

/**
 * Whether two client addresses as reported (req.ip) are the same address
 * (`::ffff:10.0.0.1` is `10.0.0.1`); undefined when either is missing or not
 * an address, so a caller cannot mistake "unknown" for "the same".
 */
export function sameIpAddress(a: string | undefined, b: string | undefined): boolean | undefined {
  const left = a === undefined ? undefined : parseIp(a);
  const right = b === undefined ? undefined : parseIp(b);
  if (left === undefined || right === undefined) return undefined;
  return left.version === right.version && left.value === right.value;
}
