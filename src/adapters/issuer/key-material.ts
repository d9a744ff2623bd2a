import { createHash, createPrivateKey, createPublicKey, X509Certificate, type KeyObject } from 'node:crypto';
import { selfSignedCertificate } from './self-signed-certificate.js';

/** A key that signs: never logged, never served. */
export interface SigningKey {
  kid: string;
  privateKey: KeyObject;
  certificatePem: string;
}

/** A key published in SAML metadata and the JWKS. */
export interface PublishedKey {
  kid: string;
  state: 'next' | 'active' | 'retired';
  publicKey: KeyObject;
  certificatePem: string;
}

/** Where the issuer gets its keys: generated and stored encrypted, or given as PEM. */
export interface SigningKeySource {
  /** The key that signs now. */
  active(purpose: 'saml' | 'jwt'): Promise<SigningKey>;
  /** Every key to publish (next, active, retired-but-still-valid), oldest first. */
  published(purpose: 'saml' | 'jwt'): Promise<PublishedKey[]>;
}

/** CN of rolegate's self-signed certificates (constant, so the certificate is a pure function of the key). */
export const CERTIFICATE_NAME = 'rolegate signing key';
export const MIN_RSA_BITS = 2048;

/** RFC 7638 JWK SHA-256 thumbprint of an RSA public key: the key id. */
export function thumbprintOf(key: KeyObject): string {
  const jwk = (key.type === 'public' ? key : createPublicKey(key)).export({ format: 'jwk' });
  if (jwk.kty !== 'RSA' || typeof jwk.n !== 'string' || typeof jwk.e !== 'string') throw new Error('not an RSA key');
  return createHash('sha256')
    .update(JSON.stringify({ e: jwk.e, kty: 'RSA', n: jwk.n }))
    .digest('base64url');
}

/** Checks that a private key is RSA of at least 2048 bits; returns a reason when not. */
export function rsaKeyProblem(key: KeyObject): string | undefined {
  if (key.asymmetricKeyType !== 'rsa') return `expected an RSA key, got ${key.asymmetricKeyType ?? 'an unknown key type'}`;
  const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
  if (bits < MIN_RSA_BITS) return `expected an RSA key of at least ${String(MIN_RSA_BITS)} bits, got ${String(bits)}`;
  return undefined;
}

/** Splits PEM text into blocks by label. */
export function pemBlocks(text: string): { label: string; pem: string }[] {
  const blocks: { label: string; pem: string }[] = [];
  const pattern = /-----BEGIN ([A-Z0-9 ]+)-----[\s\S]*?-----END \1-----/g;
  for (const match of text.matchAll(pattern)) blocks.push({ label: match[1] ?? '', pem: `${match[0]}\n` });
  return blocks;
}

/**
 * A signing key from PEM text: an RSA private key, optionally followed by its
 * certificate (used in the metadata when its public key matches; otherwise
 * rolegate's deterministic self-signed certificate is used). Throws a
 * secret-free reason.
 */
export function signingKeyFromPem(text: string): SigningKey {
  const blocks = pemBlocks(text);
  const keyBlock = blocks.find((b) => b.label.endsWith('PRIVATE KEY'));
  if (!keyBlock) throw new Error('no PEM private key found (expected -----BEGIN PRIVATE KEY----- or -----BEGIN RSA PRIVATE KEY-----)');
  if (keyBlock.label === 'ENCRYPTED PRIVATE KEY')
    throw new Error('the private key is encrypted with a passphrase; give it unencrypted (protect the file instead)');
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(keyBlock.pem);
  } catch {
    throw new Error('the PEM private key cannot be read');
  }
  const problem = rsaKeyProblem(privateKey);
  if (problem) throw new Error(problem);
  const kid = thumbprintOf(privateKey);
  const certBlock = blocks.find((b) => b.label === 'CERTIFICATE');
  if (certBlock) {
    const certificate = new X509Certificate(certBlock.pem);
    if (thumbprintOf(certificate.publicKey) !== kid) throw new Error('the certificate does not belong to the private key');
    return { kid, privateKey, certificatePem: certificate.toString() };
  }
  return { kid, privateKey, certificatePem: selfSignedCertificate(privateKey, CERTIFICATE_NAME) };
}

/** A published-only key from PEM text: a certificate, or a private key (its certificate is derived). */
export function publishedKeyFromPem(text: string): PublishedKey {
  const cert = pemBlocks(text).find((b) => b.label === 'CERTIFICATE');
  if (cert) {
    const certificate = new X509Certificate(cert.pem);
    const problem = rsaKeyProblem(certificate.publicKey);
    if (problem) throw new Error(problem);
    return {
      kid: thumbprintOf(certificate.publicKey),
      state: 'next',
      publicKey: certificate.publicKey,
      certificatePem: certificate.toString(),
    };
  }
  const key = signingKeyFromPem(text);
  return { kid: key.kid, state: 'next', publicKey: createPublicKey(key.privateKey), certificatePem: key.certificatePem };
}
