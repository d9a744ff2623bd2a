import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { describe, expect, it } from 'vitest';
import { publishedKeyFromPem } from '../../../../src/adapters/issuer/key-material.js';
import { RolegateError } from '../../../../src/domain/errors.js';
import { testIssuer, testRsaPem } from '../../../support/issuer.js';

const NOW = Date.UTC(2026, 10, 23, 10, 0, 0);

describe('RolegateIssuer.mintWebIdentityToken', () => {
  it('when minted, then it verifies against the published JWKS with issuer, audience, subject, short expiry and a key id', async () => {
    const { issuer, key } = testIssuer({ now: NOW });
    const minted = await issuer.mintWebIdentityToken({
      userId: 'corp:alice@corp.com',
      sourceIdentity: 'alice@corp.com',
      tags: [
        { key: 'Email', value: 'alice@corp.com' },
        { key: 'Team', value: 'data' },
      ],
      transitiveTagKeys: ['Team'],
    });
    const jwks = createLocalJWKSet(await issuer.jwks());
    const { payload, protectedHeader } = await jwtVerify(minted.token.reveal(), jwks, {
      issuer: 'https://rolegate.corp.example',
      audience: 'sts.amazonaws.com',
      currentDate: new Date(NOW + 1000),
      algorithms: ['RS256'],
    });
    expect(protectedHeader).toEqual({ alg: 'RS256', typ: 'JWT', kid: key.kid });
    expect(payload.sub).toBe('corp:alice@corp.com');
    expect(payload.iat).toBe(NOW / 1000);
    expect(payload.exp).toBe(NOW / 1000 + 300);
    expect(payload.jti).toBe(minted.jti);
    expect(payload['https://aws.amazon.com/tags']).toEqual({
      principal_tags: { Email: ['alice@corp.com'], Team: ['data'] },
      transitive_tag_keys: ['Team'],
    });
    expect(payload['https://aws.amazon.com/source_identity']).toBe('alice@corp.com');
    expect(minted).toMatchObject({ issuer: 'https://rolegate.corp.example', audience: 'sts.amazonaws.com', kid: key.kid });
  });

  it('when the token is used after five minutes, then verification fails', async () => {
    const { issuer } = testIssuer({ now: NOW });
    const minted = await issuer.mintWebIdentityToken({ userId: 'corp:alice', tags: [], transitiveTagKeys: [] });
    await expect(
      jwtVerify(minted.token.reveal(), createLocalJWKSet(await issuer.jwks()), { currentDate: new Date(NOW + 301_000) }),
    ).rejects.toThrow(/"exp" claim timestamp check failed/);
  });

  it('when there are no tags, then the token has no tags claim', async () => {
    const { issuer } = testIssuer({ now: NOW });
    const minted = await issuer.mintWebIdentityToken({ userId: 'corp:alice', tags: [], transitiveTagKeys: [] });
    const payload = JSON.parse(Buffer.from(minted.token.reveal().split('.')[1] ?? '', 'base64url').toString()) as Record<string, unknown>;
    expect(payload).not.toHaveProperty(['https://aws.amazon.com/tags']);
    expect(decodeProtectedHeader(minted.token.reveal()).alg).toBe('RS256');
  });

  it('when minted twice, then the jti differs', async () => {
    const { issuer } = testIssuer({ now: NOW });
    const a = await issuer.mintWebIdentityToken({ userId: 'corp:alice', tags: [], transitiveTagKeys: [] });
    const b = await issuer.mintWebIdentityToken({ userId: 'corp:alice', tags: [], transitiveTagKeys: [] });
    expect(a.jti).not.toBe(b.jti);
  });

  it('when a next key is published, then the JWKS lists both and the token names the active one', async () => {
    const next = publishedKeyFromPem(testRsaPem());
    const { issuer, key } = testIssuer({ now: NOW, extra: [next] });
    const jwks = await issuer.jwks();
    expect(jwks.keys.map((k) => k.kid)).toEqual([key.kid, next.kid]);
    for (const k of jwks.keys) expect(k).toMatchObject({ kty: 'RSA', use: 'sig', alg: 'RS256', x5c: [expect.any(String)] });
    expect(JSON.stringify(jwks)).not.toMatch(/"d"|"p"|"q"|"dp"|"dq"|"qi"/);
  });

  it('when asked with an invalid source identity, then it refuses', async () => {
    const { issuer } = testIssuer({ now: NOW });
    await expect(
      issuer.mintWebIdentityToken({ userId: 'corp:alice', sourceIdentity: 'a b', tags: [], transitiveTagKeys: [] }),
    ).rejects.toBeInstanceOf(RolegateError);
  });
});

describe('RolegateIssuer.openidConfiguration', () => {
  it('when asked, then discovery names the issuer and its JWKS', async () => {
    const { issuer } = testIssuer();
    expect(await issuer.openidConfiguration()).toMatchObject({
      issuer: 'https://rolegate.corp.example',
      jwks_uri: 'https://rolegate.corp.example/.well-known/jwks.json',
      id_token_signing_alg_values_supported: ['RS256'],
    });
  });
});
