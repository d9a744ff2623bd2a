import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OpenidClientGateway } from '../../../src/adapters/oidc/openid-client-gateway.js';
import { oidcSettingsSchema } from '../../../src/domain/identity-provider.js';
import { isRolegateError } from '../../../src/domain/errors.js';
import type { OidcIdentityProvider } from '../../../src/ports/oidc-gateway.js';
import { startOidcPeer, type OidcPeer } from '../../peers/oidc-peer.js';
import { captureLogs } from '../../support/logs.js';

// A plain-http issuer (the OIDC peer on loopback) is only ever fetched when the IdP says
// allowInsecureLoopbackIssuer and, in production mode, the operator also set allowInsecureLoopback.

let peer: OidcPeer;
beforeAll(async () => {
  peer = await startOidcPeer({ redirectUris: ['https://rolegate.corp.example/auth/oidc/corp/callback'] });
});
afterAll(async () => {
  await peer.close();
});

const idp = (): OidcIdentityProvider => ({
  id: 'idp-1',
  slug: 'corp',
  displayName: 'Corp',
  enabled: true,
  groupsFrom: 'groups',
  kind: 'oidc',
  settings: oidcSettingsSchema.parse({
    issuer: peer.issuer,
    clientId: peer.clientId,
    tokenEndpointAuthMethod: 'none',
    allowInsecureLoopbackIssuer: true,
  }),
});

const request = {
  redirectUri: 'https://rolegate.corp.example/auth/oidc/corp/callback',
  state: 's',
  nonce: 'n',
  codeChallenge: 'c'.repeat(43),
};

function gateway(options: { production: boolean; allowInsecureLoopback?: boolean }) {
  return new OpenidClientGateway({
    clientSecrets: new Map(),
    discoveryTtlMs: 60_000,
    httpTimeoutMs: 2000,
    logger: captureLogs().logger,
    ...options,
  });
}

describe('plain-http loopback issuers', () => {
  it('when in production mode without allowInsecureLoopback, then discovery over http is refused', async () => {
    const refused = await gateway({ production: true })
      .authorizationUrl(idp(), request)
      .then(
        () => undefined,
        (error: unknown) => error,
      );
    expect(isRolegateError(refused) && refused.code).toBe('dependency_unavailable');
  });

  it.each([[{ production: true, allowInsecureLoopback: true }], [{ production: false }]])(
    'when %j, then the loopback issuer is used',
    async (options) => {
      const url = await gateway(options).authorizationUrl(idp(), request);
      expect(url.origin).toBe(peer.issuer);
    },
  );
});
