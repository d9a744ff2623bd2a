import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load-config.js';
import { plainHttpUrls } from '../../../src/config/plain-http-urls.js';

const production = {
  ROLEGATE_MODE: 'production',
  DATABASE_URL: 'postgresql://db/rolegate',
  REDIS_URL: 'redis://cache:6379',
  ROLEGATE_PUBLIC_URL: 'https://rolegate.corp.example',
  ROLEGATE_ENCRYPTION_KEYS: Buffer.alloc(32, 7).toString('base64'),
};

const samlIdp = (settings: Record<string, unknown>, metadata?: Record<string, unknown>, slug = 'adfs') => ({
  slug,
  displayName: 'AD FS',
  kind: 'saml',
  settings,
  ...(metadata ? { metadata } : {}),
});
const oidcIdp = (issuer: string, allowInsecureLoopbackIssuer = true) => ({
  slug: 'corp',
  displayName: 'Corp',
  kind: 'oidc',
  settings: { issuer, clientId: 'rolegate', tokenEndpointAuthMethod: 'none', allowInsecureLoopbackIssuer },
});
const idps = (...list: unknown[]) => ({ ROLEGATE_IDENTITY_PROVIDERS: JSON.stringify(list) });

function problems(env: Record<string, string>): string[] {
  const result = loadConfig(env);
  return result.ok ? [] : result.problems;
}

const HINT = 'only a sidecar on loopback may use http, with allowInsecureLoopback (ROLEGATE_ALLOW_INSECURE_LOOPBACK)';

describe('production mode: plain-http URLs that carry secrets or trust', () => {
  it('when the STS endpoint, the federation endpoint and every SAML IdP URL are plain http, then each is one problem, all at once', () => {
    expect(
      problems({
        ...production,
        ROLEGATE_STS_ENDPOINT: 'http://sts.corp.example',
        ROLEGATE_FEDERATION_ENDPOINT: 'http://signin.corp.example/federation',
        ...idps(
          samlIdp(
            { sloUrl: 'http://idp.corp.example/slo', metadataUrl: 'http://idp.corp.example/metadata' },
            { url: 'http://idp.corp.example/FederationMetadata.xml' },
          ),
          samlIdp({ entityId: 'e', ssoUrl: 'http://idp2.corp.example/sso', certificates: ['MIIC'] }, undefined, 'other'),
        ),
      }),
    ).toEqual([
      `sts.endpoint (env ROLEGATE_STS_ENDPOINT): expected an https:// URL in production mode (signed assertions and the credentials STS returns); ${HINT}`,
      `console.federationEndpoint (env ROLEGATE_FEDERATION_ENDPOINT): expected an https:// URL in production mode (getSigninToken carries credentials); ${HINT}`,
      `identityProviders.0.metadata.url (env ROLEGATE_IDENTITY_PROVIDERS): expected an https:// URL in production mode (the pinned signing certificates come from it); ${HINT}`,
      `identityProviders.0.settings.sloUrl (env ROLEGATE_IDENTITY_PROVIDERS): expected an https:// URL in production mode (browsers sign out there); ${HINT}`,
      `identityProviders.0.settings.metadataUrl (env ROLEGATE_IDENTITY_PROVIDERS): expected an https:// URL in production mode (the IdP metadata comes from it); ${HINT}`,
      `identityProviders.1.settings.ssoUrl (env ROLEGATE_IDENTITY_PROVIDERS): expected an https:// URL in production mode (browsers sign in there); ${HINT}`,
    ]);
  });

  it.each(['http://127.0.0.1:4566', 'http://localhost:4566', 'http://[::1]:4566', 'HTTP://127.0.0.1:4566'])(
    'when the STS endpoint is the loopback %s without allowInsecureLoopback, then it is refused and the flag is named',
    (endpoint) => {
      expect(problems({ ...production, ROLEGATE_STS_ENDPOINT: endpoint })).toEqual([
        `sts.endpoint (env ROLEGATE_STS_ENDPOINT): expected an https:// URL in production mode (signed assertions and the credentials STS returns); ${HINT}`,
      ]);
    },
  );

  it('when allowInsecureLoopback is set, then loopback http is accepted for each guarded URL and listed for the start-up warning', () => {
    const result = loadConfig({
      ...production,
      ROLEGATE_ALLOW_INSECURE_LOOPBACK: 'true',
      ROLEGATE_STS_ENDPOINT: 'http://127.0.0.1:4566',
      ROLEGATE_FEDERATION_ENDPOINT: 'http://localhost:4566/federation',
      ...idps(samlIdp({}, { url: 'http://[::1]:8443/metadata' }), oidcIdp('http://127.0.0.1:9000')),
    });
    expect(result.ok ? [] : result.problems).toEqual([]);
    if (!result.ok) return;
    expect(result.config.allowInsecureLoopback).toBe(true);
    expect(plainHttpUrls(result.config).map(({ key, url }) => `${key}=${url}`)).toEqual([
      'sts.endpoint=http://127.0.0.1:4566',
      'console.federationEndpoint=http://localhost:4566/federation',
      'identityProviders.0.metadata.url=http://[::1]:8443/metadata',
      'identityProviders.1.settings.issuer=http://127.0.0.1:9000',
    ]);
  });

  it.each(['http://sts.corp.example', 'http://10.0.0.5:4566', 'http://127.0.0.1.evil.example', 'http://localhost.evil.example'])(
    'when allowInsecureLoopback is set and the STS endpoint is %s (not loopback), then it is still refused',
    (endpoint) => {
      const found = problems({ ...production, ROLEGATE_ALLOW_INSECURE_LOOPBACK: 'true', ROLEGATE_STS_ENDPOINT: endpoint });
      expect(found).toHaveLength(1);
      expect(found[0]).toMatch(
        /^sts\.endpoint \(env ROLEGATE_STS_ENDPOINT\): expected an https:\/\/ URL in production mode .*covers loopback hosts only, not /,
      );
    },
  );

  it('when allowInsecureLoopback is set, then the public URL and the web-identity issuer must still be https', () => {
    expect(
      problems({
        ...production,
        ROLEGATE_ALLOW_INSECURE_LOOPBACK: 'true',
        ROLEGATE_PUBLIC_URL: 'http://127.0.0.1:8080',
        ROLEGATE_WEB_IDENTITY_ISSUER: 'http://127.0.0.1:8080',
      }),
    ).toEqual([
      'server.publicUrl (env ROLEGATE_PUBLIC_URL): expected an https:// URL in production mode',
      'issuer.webIdentityIssuer (env ROLEGATE_WEB_IDENTITY_ISSUER): expected an https:// URL in production mode (AWS fetches its keys)',
    ]);
  });

  it('when an OIDC issuer is loopback http in production, then it needs both its own flag and allowInsecureLoopback', () => {
    expect(problems({ ...production, ...idps(oidcIdp('http://127.0.0.1:9000')) })).toEqual([
      'identityProviders.0 (env ROLEGATE_IDENTITY_PROVIDERS): settings.allowInsecureLoopbackIssuer is refused in production mode, unless allowInsecureLoopback (ROLEGATE_ALLOW_INSECURE_LOOPBACK) is also set',
    ]);
    expect(problems({ ...production, ROLEGATE_ALLOW_INSECURE_LOOPBACK: 'true', ...idps(oidcIdp('http://127.0.0.1:9000', false)) })).toEqual(
      [
        'identityProviders.0 (env ROLEGATE_IDENTITY_PROVIDERS): issuer http://127.0.0.1:9000 is plain http; use https (or, for a loopback test issuer, set settings.allowInsecureLoopbackIssuer)',
      ],
    );
    expect(problems({ ...production, ROLEGATE_ALLOW_INSECURE_LOOPBACK: 'true', ...idps(oidcIdp('http://idp.corp.example')) })).toEqual([
      'identityProviders.0 (env ROLEGATE_IDENTITY_PROVIDERS): settings.allowInsecureLoopbackIssuer is only allowed for loopback issuers, not http://idp.corp.example',
    ]);
    expect(problems({ ...production, ...idps(oidcIdp('HTTP://idp.corp.example', false)) }).join()).toMatch(/is plain http/);
  });

  it('when in demo mode, then plain http stays allowed for the devstack and allowInsecureLoopback changes nothing', () => {
    const env = {
      ROLEGATE_STS_ENDPOINT: 'http://127.0.0.1:4566',
      ROLEGATE_FEDERATION_ENDPOINT: 'http://127.0.0.1:4566/federation',
      ...idps(samlIdp({}, { url: 'http://idp.corp.example/metadata' })),
    };
    expect(problems(env)).toEqual([]);
    expect(problems({ ...env, ROLEGATE_ALLOW_INSECURE_LOOPBACK: 'true' })).toEqual([]);
  });
});
