import { Hash } from '@smithy/hash-node';
import { SignatureV4 } from '@smithy/signature-v4';
import { describe, expect, it } from 'vitest';
import { eksToken, execCredential } from '../../../src/cli/eks/eks-token.js';
import { presignUrl } from '../../../src/cli/eks/sigv4-presign.js';

const credentials = {
  accessKeyId: 'ASIAEXAMPLE0000001',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
  sessionToken: 'tok/en+=with&odd chars',
};

describe('presignUrl', () => {
  it('when it presigns a GET, then the signature is the one the AWS SDK’s own signer computes', async () => {
    const now = new Date('2026-11-22T18:04:05Z');
    const url = new URL(
      presignUrl(
        {
          method: 'GET',
          host: 'sts.eu-west-1.amazonaws.com',
          path: '/',
          query: { Action: 'GetCallerIdentity', Version: '2011-06-15' },
          headers: { 'x-k8s-aws-id': 'my cluster' },
          region: 'eu-west-1',
          service: 'sts',
          expiresSeconds: 60,
          now,
        },
        credentials,
      ),
    );
    const signer = new SignatureV4({
      credentials,
      region: 'eu-west-1',
      service: 'sts',
      sha256: Hash.bind(null, 'sha256'),
      uriEscapePath: true,
      applyChecksum: false,
    });
    const expected = await signer.presign(
      {
        method: 'GET',
        protocol: 'https:',
        hostname: 'sts.eu-west-1.amazonaws.com',
        path: '/',
        query: { Action: 'GetCallerIdentity', Version: '2011-06-15' },
        headers: { host: 'sts.eu-west-1.amazonaws.com', 'x-k8s-aws-id': 'my cluster' },
      },
      { signingDate: now, expiresIn: 60 },
    );
    expect(url.searchParams.get('X-Amz-Signature')).toBe(expected.query?.['X-Amz-Signature']);
    expect(url.searchParams.get('X-Amz-SignedHeaders')).toBe('host;x-k8s-aws-id');
    expect(url.searchParams.get('X-Amz-Security-Token')).toBe(credentials.sessionToken);
    expect(url.searchParams.get('X-Amz-Date')).toBe('20261122T180405Z');
  });
});

describe('eksToken', () => {
  it('when the credentials end sooner than 14 minutes, then the token says it expires a minute before them', () => {
    const now = new Date('2026-11-22T18:00:00Z');
    const long = eksToken('c', 'us-east-1', { ...credentials, expiration: '2026-11-22T19:00:00Z' }, now);
    expect(long.expirationTimestamp).toBe('2026-11-22T18:14:00Z');
    const short = eksToken('c', 'us-east-1', { ...credentials, expiration: '2026-11-22T18:05:00Z' }, now);
    expect(short.expirationTimestamp).toBe('2026-11-22T18:04:00Z');
    expect(JSON.parse(execCredential(long))).toEqual({
      kind: 'ExecCredential',
      apiVersion: 'client.authentication.k8s.io/v1beta1',
      spec: {},
      status: { expirationTimestamp: '2026-11-22T18:14:00Z', token: long.token },
    });
    expect(long.token).not.toContain('=');
    expect(new URL(Buffer.from(long.token.slice(11), 'base64url').toString()).host).toBe('sts.us-east-1.amazonaws.com');
    expect(
      new URL(
        Buffer.from(
          eksToken('c', 'cn-north-1', { ...credentials, expiration: '2026-11-22T19:00:00Z' }, now).token.slice(11),
          'base64url',
        ).toString(),
      ).host,
    ).toBe('sts.cn-north-1.amazonaws.com.cn');
  });
});
