import { createPrivateKey, createPublicKey, generateKeyPair, X509Certificate, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';
import { RolegateError } from '../../domain/errors.js';
import type { Clock } from '../../ports/clock.js';
import type { Logger } from '../../ports/logger.js';
import type { Sealer } from '../../ports/sealer.js';
import type { NewSigningKey, SigningKeyPurpose, SigningKeyStore, StoredSigningKey } from '../../ports/signing-key-store.js';
import { CERTIFICATE_NAME, thumbprintOf, type PublishedKey, type SigningKey, type SigningKeySource } from './key-material.js';
import { selfSignedCertificate } from './self-signed-certificate.js';

const generateRsa = promisify(generateKeyPair);
const PURPOSES: readonly SigningKeyPurpose[] = ['saml', 'jwt'];

export interface DatabaseSigningKeysOptions {
  store: SigningKeyStore;
  /** Seals private keys (purpose `signing-keys`). */
  sealer: Sealer;
  clock: Clock;
  logger: Logger;
  keyBits: number;
  /** How long minted assertions live: a retired key stays published at least this long (plus margins). */
  assertionLifetimeSeconds: number;
  /** How often an instance re-reads the keys (to pick up another instance's rotation). */
  refreshMs?: number;
}

/** Thrown at start-up when stored keys cannot be used (wrong encryption key, corrupt row). */
export class SigningKeyError extends Error {
  override name = 'SigningKeyError';
}

/**
 * rolegate's generated signing keys, kept sealed in PostgreSQL. `init()` makes
 * sure each purpose has an active key, generating one on first start; two
 * instances starting at once agree on one key (the store's unique slot). Keys
 * are re-read every `refreshMs`, so a rotation done by one instance (or the
 * `rolegate-keys` command) reaches all of them.
 */
export class DatabaseSigningKeys implements SigningKeySource {
  readonly #options: Required<DatabaseSigningKeysOptions>;
  readonly #snapshots = new Map<SigningKeyPurpose, { at: number; keys: StoredSigningKey[] }>();
  readonly #privateKeys = new Map<string, KeyObject>();
  readonly #signingKeys = new Map<string, SigningKey>();

  constructor(options: DatabaseSigningKeysOptions) {
    this.#options = { refreshMs: 30_000, ...options };
  }

  /** Ensures an active key per purpose, and that every stored key opens with the configured encryption keys. */
  async init(): Promise<void> {
    for (const purpose of PURPOSES) {
      let keys = await this.#load(purpose);
      if (!keys.some((k) => k.state === 'active')) {
        const created = await this.#options.store.activateFirst(await this.#generate(purpose), this.#now());
        this.#options.logger.info({ purpose, kid: created.kid }, 'generated a signing key (first start)');
        keys = await this.#load(purpose);
      }
      for (const key of keys) this.#privateKey(key);
    }
  }

  async active(purpose: SigningKeyPurpose): Promise<SigningKey> {
    const keys = await this.#current(purpose);
    const key = keys.find((k) => k.state === 'active');
    if (!key) throw new SigningKeyError(`there is no active ${purpose} signing key (was init() called?)`);
    // The same object for the same key, so per-key derived values (the certificate's DER) are computed once.
    let signing = this.#signingKeys.get(key.kid);
    if (!signing)
      this.#signingKeys.set(key.kid, (signing = { kid: key.kid, privateKey: this.#privateKey(key), certificatePem: key.certificatePem }));
    return signing;
  }

  async published(purpose: SigningKeyPurpose): Promise<PublishedKey[]> {
    const keys = await this.#current(purpose);
    return keys.map((k) => ({
      kid: k.kid,
      state: k.state,
      publicKey: new X509Certificate(k.certificatePem).publicKey,
      certificatePem: k.certificatePem,
    }));
  }

  /** Rotation step 1: creates (or returns) the next key, published but not signing. */
  async prepareNext(purpose: SigningKeyPurpose): Promise<StoredSigningKey> {
    const next = await this.#options.store.addNext(await this.#generate(purpose), this.#now());
    this.#snapshots.delete(purpose);
    return next;
  }

  /**
   * Rotation step 2: the next key signs from now on; the old one stays
   * published until every assertion it may still sign (instances refresh
   * within `refreshMs`) has expired, plus five minutes for clock skew.
   */
  async promote(purpose: SigningKeyPurpose): Promise<StoredSigningKey | undefined> {
    const now = this.#now();
    const keepMs = this.#options.refreshMs + this.#options.assertionLifetimeSeconds * 1000 + 5 * 60_000;
    const promoted = await this.#options.store.promoteNext(purpose, now, new Date(now.getTime() + keepMs));
    this.#snapshots.delete(purpose);
    return promoted;
  }

  /** Deletes retired keys that are no longer published. */
  purge(): Promise<number> {
    return this.#options.store.purgeRetired(this.#now());
  }

  async #current(purpose: SigningKeyPurpose): Promise<StoredSigningKey[]> {
    const snapshot = this.#snapshots.get(purpose);
    if (snapshot && this.#options.clock.now() - snapshot.at < this.#options.refreshMs) return snapshot.keys;
    try {
      return await this.#load(purpose);
    } catch (error) {
      // Keys change only by rotation: while PostgreSQL is unreachable, keep signing with the keys last read.
      if (snapshot) {
        this.#options.logger.warn({ purpose, reason: (error as Error).message }, 'cannot refresh signing keys; using the ones last read');
        return snapshot.keys;
      }
      throw new RolegateError('dependency_unavailable', {
        detail: 'The signing keys cannot be read: PostgreSQL is unavailable',
        cause: error,
      });
    }
  }

  async #load(purpose: SigningKeyPurpose): Promise<StoredSigningKey[]> {
    const keys = await this.#options.store.listPublished(purpose, this.#now());
    this.#snapshots.set(purpose, { at: this.#options.clock.now(), keys });
    return keys;
  }

  #privateKey(key: StoredSigningKey): KeyObject {
    const cached = this.#privateKeys.get(key.kid);
    if (cached) return cached;
    const opened = this.#options.sealer.open(key.sealedPrivateKey, aadOf(key.kid, key.purpose));
    if (!opened.ok) {
      throw new SigningKeyError(
        `the ${key.purpose} signing key ${key.kid} cannot be decrypted (${opened.reason === 'unknown_key' ? 'it was sealed with an encryption key that is no longer configured' : 'wrong encryption key or altered data'}): configure the encryption key it was sealed with in encryption.keys`,
      );
    }
    const privateKey = createPrivateKey({ key: opened.plaintext, format: 'der', type: 'pkcs8' });
    opened.plaintext.fill(0);
    if (thumbprintOf(privateKey) !== key.kid)
      throw new SigningKeyError(`the stored ${key.purpose} signing key ${key.kid} does not match its id`);
    this.#privateKeys.set(key.kid, privateKey);
    return privateKey;
  }

  async #generate(purpose: SigningKeyPurpose): Promise<NewSigningKey> {
    const { privateKey } = await generateRsa('rsa', { modulusLength: this.#options.keyBits, publicExponent: 0x10001 });
    const kid = thumbprintOf(createPublicKey(privateKey));
    const der = privateKey.export({ format: 'der', type: 'pkcs8' });
    const sealedPrivateKey = this.#options.sealer.seal(der, aadOf(kid, purpose));
    der.fill(0);
    return { kid, purpose, certificatePem: selfSignedCertificate(privateKey, CERTIFICATE_NAME), sealedPrivateKey };
  }

  #now(): Date {
    return new Date(this.#options.clock.now());
  }
}

/** Binds a sealed private key to its row: a key copied into another row does not open. */
function aadOf(kid: string, purpose: SigningKeyPurpose): string {
  return `signing_keys:${purpose}:${kid}`;
}
