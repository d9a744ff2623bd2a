import { generateKeyPairSync, X509Certificate } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { publishedKeyFromPem, signingKeyFromPem } from '../../../../src/adapters/issuer/key-material.js';
import { selfSignedCertificate } from '../../../../src/adapters/issuer/self-signed-certificate.js';
import { sharedTestRsaPem, testRsaPem } from '../../../support/issuer.js';

function pemOf(kind: 'ec' | 'rsa1024'): string {
  const { privateKey } =
    kind === 'ec' ? generateKeyPairSync('ec', { namedCurve: 'P-256' }) : generateKeyPairSync('rsa', { modulusLength: 1024 });
  return privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
}

describe('signing keys from PEM', () => {
  it('when given an RSA key, then its certificate is self-signed, valid X.509 and the same on every instance', () => {
    const pem = sharedTestRsaPem();
    const a = signingKeyFromPem(pem);
    const b = signingKeyFromPem(pem);
    expect(a.kid).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(a.certificatePem).toBe(b.certificatePem);
    const certificate = new X509Certificate(a.certificatePem);
    expect(certificate.verify(certificate.publicKey)).toBe(true);
    expect(certificate.subject).toBe('CN=rolegate signing key');
    expect(certificate.ca).toBe(false);
  });

  it('when the PEM also holds the key certificate, then that certificate is used', () => {
    const pem = sharedTestRsaPem();
    const { privateKey } = { privateKey: signingKeyFromPem(pem).privateKey };
    const own = selfSignedCertificate(privateKey, 'corp-issued');
    expect(signingKeyFromPem(`${pem}${own}`).certificatePem).toBe(new X509Certificate(own).toString());
  });

  it('when the certificate belongs to another key, then it is refused', () => {
    const other = signingKeyFromPem(testRsaPem());
    expect(() => signingKeyFromPem(`${sharedTestRsaPem()}${other.certificatePem}`)).toThrow(/does not belong to the private key/);
  });

  it.each([
    ['no key at all', 'hello', /no PEM private key found/],
    ['an EC key', pemOf('ec'), /expected an RSA key, got ec/],
    ['a 1024-bit key', pemOf('rsa1024'), /at least 2048 bits, got 1024/],
    [
      'an encrypted key',
      '-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n',
      /encrypted with a passphrase/,
    ],
    ['garbage in a PEM block', '-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n', /cannot be read/],
  ])('when given %s, then it is refused with a reason that does not echo the key', (_what, pem, message) => {
    expect(() => signingKeyFromPem(pem)).toThrow(message);
  });

  it('when a published-only file holds a certificate, then its key is published under its thumbprint', () => {
    const key = signingKeyFromPem(sharedTestRsaPem());
    const published = publishedKeyFromPem(key.certificatePem);
    expect(published.kid).toBe(key.kid);
    expect(published.state).toBe('next');
  });
});

describe('selfSignedCertificate', () => {
  it('when made for many different keys, then every certificate parses (serial and lengths are valid DER)', () => {
    for (let i = 0; i < 40; i++) {
      const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 1024 });
      const certificate = new X509Certificate(selfSignedCertificate(privateKey, `key ${String(i)}`));
      expect(certificate.verify(publicKey)).toBe(true);
      expect(certificate.serialNumber).toMatch(/^[4-7][0-9A-F]{31}$/);
    }
  });
});
