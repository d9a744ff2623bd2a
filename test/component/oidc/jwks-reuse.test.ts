import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { OpenidClientGateway } from '../../../src/adapters/oidc/openid-client-gateway.js';
import { isRolegateError } from '../../../src/domain/errors.js';
import { oidcSettingsSchema } from '../../../src/domain/identity-provider.js';
import { Secret } from '../../../src/domain/secret.js';
import type { OidcIdentityProvider } from '../../../src/ports/oidc-gateway.js';
import { startRogueOidcProvider, type RogueOidcProvider } from '../../peers/rogue-oidc-provider.js';
import { captureLogs } from '../../support/logs.js';

// Code exchanges share one JWKS fetch for a short while (jwksReuseMs), without ever accepting
// less than a fetch per exchange did: a key rotated in is accepted at once, a key retired is
// refused once the shared fetch is older than jwksReuseMs.

let rogue: RogueOidcProvider;
beforeAll(async () => {
  rogue = await startRogueOidcProvider();
});
afterAll(async () => {
  await rogue.close();
});
beforeEach(() => {
  rogue.behaviour = 'honest';
});

const redirectUri = 'https://rolegate.corp.example/auth/oidc/rogue/callback';
const idp = (): OidcIdentityProvider => ({
  id: 'idp-1',
  slug: 'rogue',
  displayName: 'Rogue',
  enabled: true,
  groupsFrom: 'groups',
  kind: 'oidc',
  settings: oidcSettingsSchema.parse({ issuer: rogue.issuer, clientId: rogue.clientId, allowInsecureLoopbackIssuer: true }),
});

function gateway(jwksReuseMs?: number) {
  return new OpenidClientGateway({
    clientSecrets: new Map([['rogue', new Secret(rogue.clientSecret)]]),
    discoveryTtlMs: 60_000,
    httpTimeoutMs: 2000,
    production: false,
    logger: captureLogs().logger,
    ...(jwksReuseMs === undefined ? {} : { jwksReuseMs }),
  });
}

/** One sign-in: the authorization request, the provider's answer, the code exchange. */
async function signIn(oidc: OpenidClientGateway) {
  const state = randomBytes(16).toString('base64url');
  const nonce = randomBytes(16).toString('base64url');
  const codeVerifier = randomBytes(32).toString('base64url');
  const codeChallenge = createHash('sha256').update(codeVerifier).digest('base64url');
  const url = await oidc.authorizationUrl(idp(), { redirectUri, state, nonce, codeChallenge });
  const answer = await fetch(url, { redirect: 'manual' });
  const currentUrl = new URL(answer.headers.get('location') ?? '');
  return oidc.completeAuthorization(idp(), { currentUrl, expectedState: state, expectedNonce: nonce, codeVerifier, fetchUserinfo: false });
}

describe('OIDC code exchanges and the JWKS', () => {
  it('when sign-ins follow each other within jwksReuseMs, then they share one JWKS request', async () => {
    const oidc = gateway(60_000);
    const before = rogue.jwksRequests;
    for (let i = 0; i < 5; i++) expect((await signIn(oidc)).claims.sub).toBe('rogue-user-1');
    expect(rogue.jwksRequests - before).toBe(1);
  });

  it('when the provider rotates to a new key right after a sign-in, then the next sign-in fetches the JWKS again and succeeds, and the one after shares that fetch', async () => {
    const oidc = gateway(60_000);
    await signIn(oidc);
    const before = rogue.jwksRequests;
    rogue.behaviour = 'rotated-key';
    expect((await signIn(oidc)).claims.sub).toBe('rogue-user-1');
    expect(rogue.jwksRequests - before).toBe(1);
    expect((await signIn(oidc)).claims.sub).toBe('rogue-user-1');
    expect(rogue.jwksRequests - before).toBe(2); // the Configuration that had to fetch again was replaced
    expect((await signIn(oidc)).claims.sub).toBe('rogue-user-1');
    expect(rogue.jwksRequests - before).toBe(2);
  });

  it('when the provider retires the key it signs with, then the next sign-in after jwksReuseMs is refused naming the key selection', async () => {
    const oidc = gateway(0);
    await signIn(oidc);
    rogue.behaviour = 'retired-key';
    const refused = await signIn(oidc).catch((error: unknown) => error);
    expect(isRolegateError(refused) && refused.code).toBe('assertion_invalid');
    expect(isRolegateError(refused) && refused.detail).toMatch(/key/);
  });

  it('when the JWKS endpoint is down, then the sign-in is a 503 naming the JWKS, and the code is not spent', async () => {
    const oidc = gateway(0);
    await signIn(oidc);
    const tokenRequests = rogue.tokenRequests.length;
    rogue.behaviour = 'jwks-down';
    const failed = await signIn(oidc).catch((error: unknown) => error);
    expect(isRolegateError(failed) && failed.code).toBe('dependency_unavailable');
    expect(isRolegateError(failed) && failed.detail).toMatch(/rogue cannot be reached.*JWKS endpoint answered HTTP 502/);
    expect(rogue.tokenRequests.length).toBe(tokenRequests);
  });
});
