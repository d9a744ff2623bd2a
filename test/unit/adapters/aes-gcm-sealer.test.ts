import { randomBytes } from 'node:crypto';
import { mkdtempSync, chmodSync, statSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { AesGcmSealer, keyIdOf } from '../../../src/adapters/crypto/aes-gcm-sealer.js';
import { loadOrCreateDemoEncryptionKey } from '../../../src/adapters/crypto/demo-encryption-key.js';

const keyA = randomBytes(32);
const keyB = randomBytes(32);
const AAD = 'cred:corp:alice@corp.com:arn:aws:iam::111122223333:role/Developer';

function flip(sealed: string, index: number): string {
  const [version, id, payload = ''] = sealed.split('.');
  const raw = Buffer.from(payload, 'base64url');
  raw[index % raw.length] = (raw[index % raw.length] ?? 0) ^ 0x01;
  return `${version ?? ''}.${id ?? ''}.${raw.toString('base64url')}`;
}

describe('AesGcmSealer', () => {
  it('when a value is sealed and opened with the same aad, then it round-trips and names its key', () => {
    const sealer = new AesGcmSealer([keyA], 'cache');
    const sealed = sealer.seal('{"SecretAccessKey":"wJalr"}', AAD);
    expect(sealed).toMatch(/^rg1\.[A-Za-z0-9_-]{11}\.[A-Za-z0-9_-]+$/);
    expect(sealed).not.toContain('wJalr');
    const opened = sealer.open(sealed, AAD);
    expect(opened.ok && opened.plaintext.toString()).toBe('{"SecretAccessKey":"wJalr"}');
    expect(opened.ok && opened.keyId).toBe(keyIdOf(keyA));
  });

  it('when the same value is sealed twice, then the outputs differ (fresh nonce)', () => {
    const sealer = new AesGcmSealer([keyA], 'cache');
    expect(sealer.seal('x', AAD)).not.toBe(sealer.seal('x', AAD));
  });

  it('when any single byte of nonce, ciphertext or tag is changed, then opening is refused', () => {
    const sealer = new AesGcmSealer([keyA], 'cache');
    const sealed = sealer.seal('credentials', AAD);
    const length = Buffer.from(sealed.split('.')[2] ?? '', 'base64url').length;
    for (let i = 0; i < length; i++) expect(sealer.open(flip(sealed, i), AAD)).toEqual({ ok: false, reason: 'rejected' });
  });

  it('when an entry is opened under another aad (copied under another user or role key), then it is refused', () => {
    const sealer = new AesGcmSealer([keyA], 'cache');
    const sealed = sealer.seal('alice credentials', AAD);
    expect(sealer.open(sealed, AAD.replace('alice', 'mallory'))).toEqual({ ok: false, reason: 'rejected' });
    expect(sealer.open(sealed, '')).toEqual({ ok: false, reason: 'rejected' });
  });

  it('when a value sealed for one purpose is opened by another, then it is refused (separate derived keys)', () => {
    const sealed = new AesGcmSealer([keyA], 'signing-keys').seal('private key', 'kid-1');
    expect(new AesGcmSealer([keyA], 'cache').open(sealed, 'kid-1')).toEqual({ ok: false, reason: 'rejected' });
  });

  it('when keys rotate, then the first key seals, older keys still open, and removed keys are reported as unknown', () => {
    const old = new AesGcmSealer([keyA], 'cache');
    const sealedOld = old.seal('old', AAD);
    const rotated = new AesGcmSealer([keyB, keyA], 'cache');
    expect(rotated.keyId).toBe(keyIdOf(keyB));
    const reopened = rotated.open(sealedOld, AAD);
    expect(reopened.ok && reopened.plaintext.toString()).toBe('old');
    expect(reopened.ok && reopened.keyId).toBe(keyIdOf(keyA));
    const sealedNew = rotated.seal('new', AAD);
    expect(sealedNew.split('.')[1]).toBe(keyIdOf(keyB));
    expect(new AesGcmSealer([keyB], 'cache').open(sealedOld, AAD)).toEqual({ ok: false, reason: 'unknown_key' });
  });

  it('when the key id in the header is swapped for another configured key, then it is refused', () => {
    const sealer = new AesGcmSealer([keyA, keyB], 'cache');
    const sealed = sealer.seal('x', AAD);
    const swapped = sealed.replace(keyIdOf(keyA), keyIdOf(keyB));
    expect(sealer.open(swapped, AAD)).toEqual({ ok: false, reason: 'rejected' });
  });

  it.each(['', 'plain text', 'rg1.short.abc', 'rg2.AAAAAAAAAAA.AAAA', `rg1.${keyIdOf(keyA)}.AAAA`, `rg1.${keyIdOf(keyA)}.!!!`])(
    'when given %j, then it is malformed, not an exception',
    (value) => {
      expect(new AesGcmSealer([keyA], 'cache').open(value, AAD)).toEqual({ ok: false, reason: 'malformed' });
    },
  );

  it('when key ids are derived, then they are stable, distinct and do not contain the key', () => {
    expect(keyIdOf(keyA)).toBe(keyIdOf(Buffer.from(keyA)));
    expect(keyIdOf(keyA)).not.toBe(keyIdOf(keyB));
    expect(keyA.toString('base64url')).not.toContain(keyIdOf(keyA));
  });

  it('when constructed with no key or a short key, then it refuses', () => {
    expect(() => new AesGcmSealer([], 'cache')).toThrow(/at least one/);
    expect(() => new AesGcmSealer([randomBytes(16)], 'cache')).toThrow(/32 bytes/);
  });
});

describe('loadOrCreateDemoEncryptionKey', () => {
  it('when started twice on one data directory, then the key is created once (0600 in 0700) and reused', () => {
    const dir = path.join(mkdtempSync(path.join(tmpdir(), 'rolegate-key-')), 'data');
    const first = loadOrCreateDemoEncryptionKey(dir);
    expect(first.created).toBe(true);
    expect(first.key).toHaveLength(32);
    expect(statSync(first.path).mode & 0o777).toBe(0o600);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    const second = loadOrCreateDemoEncryptionKey(dir);
    expect(second.created).toBe(false);
    expect(second.key.equals(first.key)).toBe(true);
  });

  it('when the key file is readable by others, then it is refused with the fix', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'rolegate-key-'));
    const { path: file } = loadOrCreateDemoEncryptionKey(dir);
    chmodSync(file, 0o644);
    expect(() => loadOrCreateDemoEncryptionKey(dir)).toThrow(/readable by others \(mode 644\): run chmod 600/);
  });

  it('when the key file is corrupt, then it is refused rather than replaced', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'rolegate-key-'));
    const { path: file } = loadOrCreateDemoEncryptionKey(dir);
    writeFileSync(file, 'not a key\n', { mode: 0o600 });
    expect(() => loadOrCreateDemoEncryptionKey(dir)).toThrow(/does not hold a base64-encoded 32-byte key/);
    expect(readFileSync(file, 'utf8')).toBe('not a key\n');
  });
});
