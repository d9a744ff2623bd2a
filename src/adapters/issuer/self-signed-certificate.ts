import { createHash, createPublicKey, sign, type KeyObject } from 'node:crypto';

/**
 * A minimal self-signed X.509 v3 certificate (RFC 5280) for rolegate's SAML
 * signing key: AWS reads the public key from the certificate in the metadata;
 * nobody validates a chain. Encoded by hand in DER (a few dozen lines) rather
 * than through a certificate library: @peculiar/x509 needs a global
 * `reflect-metadata` polyfill. Node's `X509Certificate` parses the result in tests.
 *
 * Deterministic: serial number and validity come from the key, and RSA
 * PKCS#1 v1.5 signatures are deterministic, so every instance derives the same
 * certificate bytes from the same key.
 */
export function selfSignedCertificate(privateKey: KeyObject, commonName: string): string {
  const spki = createPublicKey(privateKey).export({ type: 'spki', format: 'der' });
  // Positive, minimally encoded DER INTEGER: 16 bytes of the key hash, first byte in 0x40-0x7f.
  const serial = createHash('sha256').update(spki).digest().subarray(0, 16);
  serial[0] = ((serial[0] ?? 0) & 0x3f) | 0x40;
  const algorithm = sequence(oid('1.2.840.113549.1.1.11'), tlv(0x05, Buffer.alloc(0))); // sha256WithRSAEncryption, NULL
  const name = sequence(set(sequence(oid('2.5.4.3'), tlv(0x0c, Buffer.from(commonName, 'utf8'))))); // CN, UTF8String
  // Fixed validity: AWS does not check certificate dates for SAML providers; the key's life is managed by rotation.
  // RFC 5280 §4.1.2.5: UTCTime for dates through 2049, GeneralizedTime after.
  const validity = sequence(tlv(0x17, Buffer.from('260101000000Z', 'ascii')), tlv(0x18, Buffer.from('20560101000000Z', 'ascii')));
  const basicConstraints = sequence(oid('2.5.29.19'), tlv(0x04, sequence())); // cA false
  const keyUsage = sequence(oid('2.5.29.15'), tlv(0x01, Buffer.from([0xff])), tlv(0x04, tlv(0x03, Buffer.from([0x07, 0x80])))); // digitalSignature
  const tbs = sequence(
    tlv(0xa0, tlv(0x02, Buffer.from([0x02]))), // version v3
    tlv(0x02, serial),
    algorithm,
    name,
    validity,
    name,
    spki,
    tlv(0xa3, sequence(basicConstraints, keyUsage)),
  );
  const signature = sign('sha256', tbs, privateKey);
  const der = sequence(tbs, algorithm, tlv(0x03, Buffer.concat([Buffer.from([0x00]), signature])));
  const body = der.toString('base64').replace(/(.{64})/g, '$1\n');
  return `-----BEGIN CERTIFICATE-----\n${body.trimEnd()}\n-----END CERTIFICATE-----\n`;
}

function tlv(tag: number, content: Buffer): Buffer {
  return Buffer.concat([Buffer.from([tag]), length(content.length), content]);
}

function length(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let rest = n; rest > 0; rest = Math.floor(rest / 256)) bytes.unshift(rest % 256);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

function sequence(...items: Buffer[]): Buffer {
  return tlv(0x30, Buffer.concat(items));
}

function set(...items: Buffer[]): Buffer {
  return tlv(0x31, Buffer.concat(items));
}

function oid(dotted: string): Buffer {
  const [first = 0, second = 0, ...rest] = dotted.split('.').map(Number);
  const bytes = [first * 40 + second];
  for (const arc of rest) {
    const chunk = [arc & 0x7f];
    for (let value = arc >>> 7; value > 0; value >>>= 7) chunk.unshift((value & 0x7f) | 0x80);
    bytes.push(...chunk);
  }
  return tlv(0x06, Buffer.from(bytes));
}
