import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import type { Sealer, SealerPurpose, UnsealResult } from '../../ports/sealer.js';

/**
 * AES-256-GCM with a 96-bit random nonce and a 128-bit tag (NIST SP 800-38D).
 * Sealed format, version 1:
 *
 *     rg1.<key id>.<base64url(nonce ‖ ciphertext ‖ tag)>
 *
 * The key id is derived from the master key (HKDF, not the key itself), so it
 * reveals nothing. Per purpose, the encryption key is HKDF-SHA256(master,
 * salt "rolegate/sealer/v1", info "rolegate sealer <purpose>"): the cache and
 * the signing-key store never share a key. The AAD authenticated by GCM is
 * `rg1|<key id>|<purpose>|<caller aad>`, so neither the header nor the purpose
 * can be swapped. Random nonces are safe far beyond rolegate's volume (2^32
 * messages per key keeps the collision risk below 2^-32).
 */
const VERSION = 'rg1';
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
const SALT = Buffer.from('rolegate/sealer/v1');
const SEALED = /^rg1\.([A-Za-z0-9_-]{11})\.([A-Za-z0-9_-]+)$/;

interface DerivedKey {
  id: string;
  key: Buffer;
}

export class AesGcmSealer implements Sealer {
  readonly #keys: DerivedKey[];
  readonly #purpose: SealerPurpose;

  /** `masterKeys`: 32-byte keys, the first seals, all open. */
  constructor(masterKeys: readonly Buffer[], purpose: SealerPurpose) {
    if (masterKeys.length === 0) throw new Error('at least one encryption key is required');
    for (const key of masterKeys) if (key.length !== 32) throw new Error('encryption keys must be 32 bytes');
    this.#purpose = purpose;
    this.#keys = masterKeys.map((master) => ({
      id: keyIdOf(master),
      key: Buffer.from(hkdfSync('sha256', master, SALT, `rolegate sealer ${purpose}`, 32)),
    }));
  }

  /** The id of the key that seals (for logs and the rotation procedure). */
  get keyId(): string {
    return (this.#keys[0] as DerivedKey).id;
  }

  seal(plaintext: Uint8Array | string, aad: string): string {
    const { id, key } = this.#keys[0] as DerivedKey;
    const nonce = randomBytes(NONCE_BYTES);
    const cipher = createCipheriv('aes-256-gcm', key, nonce, { authTagLength: TAG_BYTES });
    cipher.setAAD(this.#aad(id, aad));
    const body = Buffer.concat([cipher.update(typeof plaintext === 'string' ? Buffer.from(plaintext, 'utf8') : plaintext), cipher.final()]);
    return `${VERSION}.${id}.${Buffer.concat([nonce, body, cipher.getAuthTag()]).toString('base64url')}`;
  }

  open(sealed: string, aad: string): UnsealResult {
    const match = SEALED.exec(sealed);
    if (!match) return { ok: false, reason: 'malformed' };
    const [, id = '', payload = ''] = match;
    const raw = Buffer.from(payload, 'base64url');
    if (raw.length < NONCE_BYTES + TAG_BYTES) return { ok: false, reason: 'malformed' };
    const entry = this.#keys.find((k) => k.id === id);
    if (!entry) return { ok: false, reason: 'unknown_key' };
    try {
      const decipher = createDecipheriv('aes-256-gcm', entry.key, raw.subarray(0, NONCE_BYTES), { authTagLength: TAG_BYTES });
      decipher.setAAD(this.#aad(id, aad));
      decipher.setAuthTag(raw.subarray(raw.length - TAG_BYTES));
      const plaintext = Buffer.concat([decipher.update(raw.subarray(NONCE_BYTES, raw.length - TAG_BYTES)), decipher.final()]);
      return { ok: true, plaintext, keyId: id };
    } catch {
      return { ok: false, reason: 'rejected' };
    }
  }

  #aad(id: string, aad: string): Buffer {
    return Buffer.from(`${VERSION}|${id}|${this.#purpose}|${aad}`, 'utf8');
  }
}

/** A short, stable identifier of a master key that reveals nothing about it. */
export function keyIdOf(master: Buffer): string {
  return Buffer.from(hkdfSync('sha256', master, SALT, 'rolegate key id', 8)).toString('base64url');
}
