/**
 * Authenticated encryption of data rolegate keeps at rest (cached AWS
 * credentials in Redis, its own signing keys in PostgreSQL).
 *
 * `aad` (additional authenticated data) binds a sealed value to where it
 * belongs: callers pass e.g. the cache key, so an entry copied under another
 * key — another user's or another role's — does not open. The sealed text
 * names the key that sealed it, so keys can be rotated: the first configured
 * key seals, every configured key opens.
 */
export interface Sealer {
  /** Encrypts `plaintext` bound to `aad`; returns printable ASCII safe to store anywhere. */
  seal(plaintext: Uint8Array | string, aad: string): string;
  /** Decrypts and authenticates; never throws for bad input (callers fail closed, e.g. treat it as a cache miss). */
  open(sealed: string, aad: string): UnsealResult;
}

export type UnsealResult =
  | { ok: true; plaintext: Buffer; keyId: string }
  | {
      ok: false;
      /** malformed: not a sealed value; unknown_key: sealed under a key no longer configured; rejected: tampered, or the wrong aad. */
      reason: 'malformed' | 'unknown_key' | 'rejected';
    };

/** What a sealer is used for: each purpose gets its own derived key, so one can never open another's data. */
export type SealerPurpose = 'cache' | 'signing-keys';
