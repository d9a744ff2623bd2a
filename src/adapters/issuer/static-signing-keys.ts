import { createPublicKey } from 'node:crypto';
import type { PublishedKey, SigningKey, SigningKeySource } from './key-material.js';

/**
 * Keys given by the operator (issuer.signingKeyFile / issuer.signingKey): one
 * key signs both SAML responses and JWTs; `extra` keys (issuer.publishedKeyFiles)
 * are only published — the next key before a rotation, or the previous one
 * until its last assertion expired. Rotation is the operator's: publish the
 * next key, register it in IAM, swap the files, restart.
 */
export class StaticSigningKeys implements SigningKeySource {
  readonly #published: PublishedKey[];

  constructor(
    private readonly key: SigningKey,
    extra: readonly PublishedKey[],
  ) {
    const own: PublishedKey = {
      kid: key.kid,
      state: 'active',
      publicKey: createPublicKey(key.privateKey),
      certificatePem: key.certificatePem,
    };
    this.#published = [own, ...extra.filter((k) => k.kid !== key.kid)];
  }

  active(): Promise<SigningKey> {
    return Promise.resolve(this.key);
  }

  published(): Promise<PublishedKey[]> {
    return Promise.resolve(this.#published);
  }
}
