import { describe, expect, it } from 'vitest';
import { cidrContains, formatIp, parseCidr, parseIp, sameIpAddress, type CidrBlock } from '../../../src/domain/ip-address.js';

function block(text: string): CidrBlock {
  const parsed = parseCidr(text);
  if ('error' in parsed) throw new Error(parsed.error);
  return parsed;
}

function inBlock(cidr: string, ip: string): boolean {
  const address = parseIp(ip);
  if (!address) throw new Error(`not an ip: ${ip}`);
  return cidrContains(block(cidr), address);
}

describe('parseIp', () => {
  it.each([
    ['10.0.0.1', '10.0.0.1'],
    ['255.255.255.255', '255.255.255.255'],
    ['0.0.0.0', '0.0.0.0'],
    ['::1', '0:0:0:0:0:0:0:1'],
    ['::', '0:0:0:0:0:0:0:0'],
    ['2001:DB8::1', '2001:db8:0:0:0:0:0:1'],
    ['fe80::1:2:3:4', 'fe80:0:0:0:1:2:3:4'],
    ['1:2:3:4:5:6:7:8', '1:2:3:4:5:6:7:8'],
    ['1:2:3:4:5:6:7::', '1:2:3:4:5:6:7:0'],
    ['64:ff9b::192.0.2.33', '64:ff9b:0:0:0:0:c000:221'],
  ])('when given %s, then it reads as %s', (text, canonical) => {
    const address = parseIp(text);
    expect(address && formatIp(address)).toBe(canonical);
  });

  it.each(['::ffff:10.0.0.1', '::FFFF:10.0.0.1', '::ffff:a00:1', '0:0:0:0:0:ffff:10.0.0.1'])(
    'when given the IPv4-mapped IPv6 address %s, then it is the IPv4 address 10.0.0.1',
    (text) => {
      expect(parseIp(text)).toEqual({ version: 4, value: 0x0a000001n });
    },
  );

  it.each([
    '',
    '10.0.0',
    '10.0.0.256',
    '010.0.0.1',
    '10.1',
    '1.2.3.4.5',
    ' ',
    '1::2::3',
    '1:2:3:4:5:6:7:8:9',
    '::1:2:3:4:5:6:7:8',
    '12345::',
    'fe80::1%eth0',
    ':1',
    '1.2.3.4::',
    'g::1',
    'localhost',
    '10.0.0.1/32',
  ])('when given %j, then it is not an address', (text) => {
    expect(parseIp(text)).toBeUndefined();
  });
});

describe('parseCidr', () => {
  it('when a block has host bits set, then it is refused with the network it probably meant', () => {
    expect(parseCidr('10.0.0.1/8')).toEqual({ error: '"10.0.0.1/8" has host bits set (did you mean 10.0.0.0/8?)' });
  });

  it.each(['10.0.0.0/33', '2001:db8::/129', '10.0.0.0/-1', '10.0.0.0/', '10.0.0.0/8/8', 'nope/8', '10.0.0.0/abc'])(
    'when given %j, then it is refused',
    (text) => {
      expect(parseCidr(text)).toHaveProperty('error');
    },
  );

  it('when given a bare address, then it is a single-host block', () => {
    expect(block('192.0.2.7')).toMatchObject({ version: 4, prefix: 32 });
    expect(block('2001:db8::7')).toMatchObject({ version: 6, prefix: 128 });
  });

  it('when an IPv4-mapped block is written in IPv6 notation, then it is the IPv4 block', () => {
    expect(block('::ffff:10.0.0.0/104')).toMatchObject({ version: 4, prefix: 8, network: 0x0a000000n });
  });
});

describe('cidrContains', () => {
  it.each([
    ['10.0.0.0/8', '10.255.1.2', true],
    ['10.0.0.0/8', '11.0.0.0', false],
    ['192.0.2.0/24', '192.0.2.255', true],
    ['192.0.2.0/24', '192.0.3.0', false],
    ['0.0.0.0/0', '203.0.113.9', true],
    ['203.0.113.9/32', '203.0.113.9', true],
    ['203.0.113.9/32', '203.0.113.10', false],
    ['2001:db8::/32', '2001:db8:ffff::1', true],
    ['2001:db8::/32', '2001:db9::1', false],
    ['::/0', '2001:db8::1', true],
    ['::/0', '10.0.0.1', false],
    ['0.0.0.0/0', '2001:db8::1', false],
    ['10.0.0.0/8', '::ffff:10.0.0.1', true],
    ['10.0.0.0/8', '::ffff:11.0.0.1', false],
    ['::ffff:10.0.0.0/104', '10.1.2.3', true],
    ['fd00::/8', 'fdff::1', true],
    ['fd00::/8', 'fe00::1', false],
  ])('when %s is checked against %s, then it contains it: %s', (cidr, ip, expected) => {
    expect(inBlock(cidr, ip)).toBe(expected);
  });
});

describe('sameIpAddress', () => {
  it.each([
    ['10.0.0.1', '10.0.0.1', true],
    ['::ffff:10.0.0.1', '10.0.0.1', true],
    ['2001:db8::1', '2001:DB8:0:0:0:0:0:1', true],
    ['10.0.0.1', '10.0.0.2', false],
    ['::1', '127.0.0.1', false],
    [undefined, '10.0.0.1', undefined],
    ['not-an-address', 'not-an-address', undefined],
  ])('when comparing %j and %j, then the answer is %j', (a, b, expected) => {
    expect(sameIpAddress(a, b)).toBe(expected);
  });
});
