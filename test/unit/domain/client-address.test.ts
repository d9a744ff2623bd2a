import { describe, expect, it } from 'vitest';
import { clientAddressKey } from '../../../src/domain/client-address.js';

describe('clientAddressKey', () => {
  it.each([
    ['203.0.113.7', '203.0.113.7'],
    ['::ffff:203.0.113.7', '203.0.113.7'],
    ['::FFFF:cb00:7107', '203.0.113.7'],
    ['2001:db8:1:2::1', '2001:db8:1:2:0:0:0:0/64'],
    ['2001:db8:1:2:ffff:ffff:ffff:ffff', '2001:db8:1:2:0:0:0:0/64'],
    ['2001:DB8:1:2:aaaa::9', '2001:db8:1:2:0:0:0:0/64'],
    ['::1', '0:0:0:0:0:0:0:0/64'],
  ])('when the client is %s, then it is counted as %s', (ip, key) => {
    expect(clientAddressKey(ip)).toBe(key);
  });

  it('when two IPv6 addresses differ outside their /64, then they are counted apart', () => {
    expect(clientAddressKey('2001:db8:1:2::1')).not.toBe(clientAddressKey('2001:db8:1:3::1'));
  });

  it.each([[undefined], [''], ['not-an-ip'], ['10.1'], ['fe80::1%eth0'], ['203.0.113.7, 198.51.100.1']])(
    'when the address is %j, then it falls into the one "unknown" bucket rather than a fresh one each time',
    (ip) => {
      expect(clientAddressKey(ip)).toBe('unknown');
    },
  );
});
