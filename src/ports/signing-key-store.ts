/** What a signing key signs: SAML responses toward AWS, or web-identity JWTs. Each purpose has its own keys. */
export type SigningKeyPurpose = 'saml' | 'jwt';

/**
 * One of rolegate's own signing keys, as stored. The private key is sealed
 * (see `Sealer`); the certificate is public. Lifecycle: `next` (published in
 * metadata/JWKS, not signing) → `active` (signing) → `retired` (published until
 * `unpublishAfter`, when every assertion it signed has expired) → deleted.
 */
export interface StoredSigningKey {
  kid: string;
  purpose: SigningKeyPurpose;
  state: 'next' | 'active' | 'retired';
  certificatePem: string;
  sealedPrivateKey: string;
  createdAt: Date;
  activatedAt?: Date;
  retiredAt?: Date;
  unpublishAfter?: Date;
}

export interface NewSigningKey {
  kid: string;
  purpose: SigningKeyPurpose;
  certificatePem: string;
  sealedPrivateKey: string;
}

/**
 * Where generated signing keys live (PostgreSQL). Every state change is
 * atomic and safe when several rolegate instances act at once: there is at
 * most one active and one next key per purpose, enforced by the database.
 */
export interface SigningKeyStore {
  /** The keys to publish for a purpose: next, active, and retired ones not yet past `unpublishAfter`; oldest first. */
  listPublished(purpose: SigningKeyPurpose, now: Date): Promise<StoredSigningKey[]>;
  /** Stores `key` as the active key unless the purpose already has one; returns the active key either way. */
  activateFirst(key: NewSigningKey, now: Date): Promise<StoredSigningKey>;
  /** Stores `key` as the next key unless the purpose already has one; returns the next key either way. */
  addNext(key: NewSigningKey, now: Date): Promise<StoredSigningKey>;
  /**
   * Makes the next key active and retires the active one, keeping it published
   * until `unpublishAfter`. Returns the new active key, or undefined when there
   * is no next key. Fails with `conflict` when another instance rotated meanwhile.
   */
  promoteNext(purpose: SigningKeyPurpose, now: Date, unpublishAfter: Date): Promise<StoredSigningKey | undefined>;
  /** Deletes retired keys past `unpublishAfter`; returns how many. */
  purgeRetired(now: Date): Promise<number>;
}
