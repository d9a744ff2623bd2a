import { describe, expect, it } from 'vitest';
import {
  consoleHomeFor,
  consoleHostFor,
  federationEndpointFor,
  isRegionOf,
  PARTITIONS,
  samlRecipientFor,
  samlRecipientsFor,
  signinHostFor,
  stsEndpointFor,
} from '../../../src/domain/partitions.js';

describe('partition table', () => {
  it.each([
    ['aws', 'urn:amazon:webservices', 'https://signin.aws.amazon.com/saml'],
    ['aws-us-gov', 'urn:amazon:webservices:govcloud', 'https://signin.amazonaws-us-gov.com/saml'],
    ['aws-cn', 'urn:amazon:webservices:cn-north-1', 'https://signin.amazonaws.cn/saml'],
  ] as const)('when the partition is %s, then the SAML audience is %s and the global recipient %s', (partition, audience, recipient) => {
    expect(PARTITIONS[partition].samlAudience).toBe(audience);
    expect(samlRecipientFor(partition)).toBe(recipient);
  });

  it('when a commercial region other than us-east-1 is given, then sign-in endpoints are regional', () => {
    expect(samlRecipientFor('aws', 'eu-west-1')).toBe('https://eu-west-1.signin.aws.amazon.com/saml');
    expect(federationEndpointFor('aws', 'ap-southeast-2')).toBe('https://ap-southeast-2.signin.aws.amazon.com/federation');
    expect(samlRecipientsFor('aws', 'eu-west-1')).toEqual([
      'https://signin.aws.amazon.com/saml',
      'https://eu-west-1.signin.aws.amazon.com/saml',
    ]);
  });

  it('when the region is us-east-1, then the regional sign-in endpoint is the global one', () => {
    expect(signinHostFor('aws', 'us-east-1')).toBe('signin.aws.amazon.com');
    expect(samlRecipientsFor('aws', 'us-east-1')).toEqual(['https://signin.aws.amazon.com/saml']);
  });

  it('when the partition has no regional sign-in, then the global one is used for every region', () => {
    expect(samlRecipientFor('aws-us-gov', 'us-gov-east-1')).toBe('https://signin.amazonaws-us-gov.com/saml');
    expect(federationEndpointFor('aws-cn', 'cn-northwest-1')).toBe('https://signin.amazonaws.cn/federation');
  });

  it('when consoles are asked for, then hosts and home pages follow the partition', () => {
    expect(consoleHostFor('aws')).toBe('console.aws.amazon.com');
    expect(consoleHomeFor('aws', 'eu-central-1')).toBe('https://eu-central-1.console.aws.amazon.com/console/home?region=eu-central-1');
    expect(consoleHomeFor('aws-us-gov', 'us-gov-west-1')).toBe(
      'https://us-gov-west-1.console.amazonaws-us-gov.com/console/home?region=us-gov-west-1',
    );
    expect(consoleHomeFor('aws-cn', 'cn-north-1')).toBe('https://cn-north-1.console.amazonaws.cn/console/home?region=cn-north-1');
  });

  it('when STS endpoints are asked for, then they are regional by default and global only where one exists', () => {
    expect(stsEndpointFor('aws', 'eu-west-1')).toBe('https://sts.eu-west-1.amazonaws.com');
    expect(stsEndpointFor('aws', 'eu-west-1', 'global')).toBe('https://sts.amazonaws.com');
    expect(stsEndpointFor('aws-us-gov', 'us-gov-west-1', 'global')).toBe('https://sts.us-gov-west-1.amazonaws.com');
    expect(stsEndpointFor('aws-cn', 'cn-north-1')).toBe('https://sts.cn-north-1.amazonaws.com.cn');
  });

  it.each([
    ['aws', 'eu-west-1', true],
    ['aws', 'us-gov-west-1', false],
    ['aws', 'cn-north-1', false],
    ['aws', 'evil.example/x', false],
    ['aws-us-gov', 'us-gov-east-1', true],
    ['aws-us-gov', 'us-east-1', false],
    ['aws-cn', 'cn-northwest-1', true],
    ['aws-cn', 'eu-west-1', false],
  ] as const)('when %s is asked about region %s, then it belongs: %s', (partition, region, expected) => {
    expect(isRegionOf(partition, region)).toBe(expected);
  });

  it('when a region of another partition is used to build a host, then it is refused rather than producing a foreign host', () => {
    expect(() => samlRecipientFor('aws', 'evil.example#')).toThrow(/is not a region of the aws partition/);
    expect(() => consoleHostFor('aws-cn', 'eu-west-1')).toThrow(/not a region of the aws-cn partition/);
  });
});
