import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load-config.js';

const oidc = (settings: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  slug: 'corp',
  displayName: 'Corp',
  kind: 'oidc',
  settings: { clientId: 'rolegate', ...settings },
  clientSecret: 's3cret-value',
  ...extra,
});

function problems(env: Record<string, string>): string[] {
  const result = loadConfig(env);
  return result.ok ? [] : result.problems;
}

const production = {
  ROLEGATE_MODE: 'production',
  DATABASE_URL: 'postgresql://db/x',
  REDIS_URL: 'redis://r:6379',
  ROLEGATE_PUBLIC_URL: 'https://rolegate.corp.example',
};

describe('identity provider configuration', () => {
  it('when an OIDC IdP is seeded with a secret, then the seed loses the secret and the secret is kept apart, redacted', () => {
    const result = loadConfig({ ROLEGATE_IDENTITY_PROVIDERS: JSON.stringify([oidc({ issuer: 'https://corp.okta.com' })]) });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(JSON.stringify(result.config.identityProviders)).not.toContain('s3cret-value');
    expect(result.config.oidcClientSecrets.get('corp')?.reveal()).toBe('s3cret-value');
    expect(JSON.stringify([...result.config.oidcClientSecrets.values()])).toBe('["[redacted]"]');
  });

  it('when the seeds are invalid JSON or fail validation, then start-up names the key without echoing secrets', () => {
    const found = problems({ ROLEGATE_IDENTITY_PROVIDERS: JSON.stringify([oidc({ issuer: 'ftp://x' })]) });
    expect(found.join('\n')).toMatch(/identityProviders\.0\.settings\.issuer \(env ROLEGATE_IDENTITY_PROVIDERS\)/);
    expect(found.join('\n')).not.toContain('s3cret-value');
  });

  it('when a plain-http issuer is configured, then it needs the loopback flag, only for loopback, never in production', () => {
    expect(problems({ ROLEGATE_IDENTITY_PROVIDERS: JSON.stringify([oidc({ issuer: 'http://127.0.0.1:9000' })]) }).join()).toMatch(
      /plain http/,
    );
    expect(
      problems({
        ROLEGATE_IDENTITY_PROVIDERS: JSON.stringify([oidc({ issuer: 'http://idp.corp.example', allowInsecureLoopbackIssuer: true })]),
      }).join(),
    ).toMatch(/only allowed for loopback/);
    expect(
      problems({
        ROLEGATE_IDENTITY_PROVIDERS: JSON.stringify([oidc({ issuer: 'http://127.0.0.1:9000', allowInsecureLoopbackIssuer: true })]),
      }),
    ).toEqual([]);
    expect(
      problems({
        ...production,
        ROLEGATE_IDENTITY_PROVIDERS: JSON.stringify([oidc({ issuer: 'http://127.0.0.1:9000', allowInsecureLoopbackIssuer: true })]),
      }).join(),
    ).toMatch(/refused in production mode/);
  });

  it('when a multi-tenant Entra issuer has no tenant allow-list, then it is refused', () => {
    const issuer = 'https://login.microsoftonline.com/common/v2.0';
    expect(problems({ ROLEGATE_IDENTITY_PROVIDERS: JSON.stringify([oidc({ issuer })]) }).join()).toMatch(/multi-tenant issuer/);
    expect(problems({ ROLEGATE_IDENTITY_PROVIDERS: JSON.stringify([oidc({ issuer, allowedTenants: ['tid-1'] })]) })).toEqual([]);
  });

  it('when a confidential client has no secret, or a slug repeats, then it is refused', () => {
    const noSecret = { ...oidc({ issuer: 'https://corp.okta.com' }), clientSecret: undefined };
    expect(problems({ ROLEGATE_IDENTITY_PROVIDERS: JSON.stringify([noSecret]) }).join()).toMatch(/clientSecret is required/);
    const twice = [oidc({ issuer: 'https://a.example' }), oidc({ issuer: 'https://b.example' })];
    expect(problems({ ROLEGATE_IDENTITY_PROVIDERS: JSON.stringify(twice) }).join()).toMatch(/slug corp is used twice/);
  });

  it('when the SAML clock skew is -1 or above 60 s, then it is refused (time checks cannot be turned off)', () => {
    expect(problems({ ROLEGATE_SAML_CLOCK_SKEW_MS: '-1' }).join()).toMatch(/saml\.clockSkewMs/);
    expect(problems({ ROLEGATE_SAML_CLOCK_SKEW_MS: '120000' }).join()).toMatch(/saml\.clockSkewMs/);
    expect(problems({ ROLEGATE_SAML_CLOCK_SKEW_MS: '60000' })).toEqual([]);
  });

  it('when a SAML IdP has no certificate, then it is refused', () => {
    const saml = {
      slug: 's',
      displayName: 'S',
      kind: 'saml',
      settings: { entityId: 'e', ssoUrl: 'https://idp.example/sso', certificates: [] },
    };
    expect(problems({ ROLEGATE_IDENTITY_PROVIDERS: JSON.stringify([saml]) }).join()).toMatch(/certificates/);
  });

  it('when a SAML IdP has neither settings nor metadata, then it is refused; metadata alone is enough', () => {
    const bare = { slug: 's', displayName: 'S', kind: 'saml', settings: {} };
    expect(problems({ ROLEGATE_IDENTITY_PROVIDERS: JSON.stringify([bare]) }).join()).toMatch(/or metadata/);
    const withMetadata = { ...bare, metadata: { url: 'https://idp.example/metadata' } };
    expect(problems({ ROLEGATE_IDENTITY_PROVIDERS: JSON.stringify([withMetadata]) })).toEqual([]);
  });

  it.each(['/.//evil.example/phish', '//evil.example', '/a/..//evil.example', '/%2f/evil.example', '/login', 'https://evil.example'])(
    'when a RelayState allow-list names %j (not a normalised rolegate path), then it is refused',
    (entry) => {
      const saml = {
        slug: 's',
        displayName: 'S',
        kind: 'saml',
        settings: {
          entityId: 'e',
          ssoUrl: 'https://idp.example/sso',
          certificates: ['MIIC'],
          idpInitiated: { enabled: true, relayStateAllowList: ['/portal', entry] },
        },
      };
      expect(problems({ ROLEGATE_IDENTITY_PROVIDERS: JSON.stringify([saml]) }).join()).toMatch(
        /identityProviders\.0\.settings\.idpInitiated\.relayStateAllowList\.1 .*expected a normalised path on rolegate/,
      );
    },
  );

  it.each(['///evil.example', '/\\evil.example', 'login'])('when an OIDC post-logout path is %j, then it is refused', (path) => {
    const found = problems({
      ROLEGATE_IDENTITY_PROVIDERS: JSON.stringify([oidc({ issuer: 'https://corp.okta.com', postLogoutRedirectPath: path })]),
    });
    expect(found.join()).toMatch(/postLogoutRedirectPath .*expected a path on rolegate/);
    expect(
      problems({
        ROLEGATE_IDENTITY_PROVIDERS: JSON.stringify([
          oidc({ issuer: 'https://corp.okta.com', postLogoutRedirectPath: '/login?loggedOut=1' }),
        ]),
      }),
    ).toEqual([]);
  });

  it('when only one of the SP signing key and certificate is given, then it is refused', () => {
    expect(problems({ ROLEGATE_SAML_SP_PRIVATE_KEY: '-----BEGIN PRIVATE KEY-----x' }).join()).toMatch(/given together/);
  });

  it('when IdPs are given as a YAML list, then both kinds load and a bad entry is reported with its file line', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'rolegate-idps-'));
    const file = path.join(dir, 'rolegate.yaml');
    writeFileSync(
      file,
      [
        'identityProviders:',
        '  - slug: okta',
        '    displayName: Okta',
        '    kind: oidc',
        '    settings: { issuer: https://corp.okta.com, clientId: rolegate, tokenEndpointAuthMethod: none }',
        '  - slug: adfs',
        '    displayName: AD FS',
        '    kind: saml',
        '    groupsFrom: http://schemas.xmlsoap.org/claims/Group',
        '    metadata: { url: https://adfs.corp.example/FederationMetadata.xml }',
        '    settings: {}',
        '',
      ].join('\n'),
    );
    const result = loadConfig({ ROLEGATE_CONFIG: file });
    expect(result.ok && result.config.identityProviders.map((i) => `${i.kind}:${i.slug}`)).toEqual(['oidc:okta', 'saml:adfs']);
    writeFileSync(
      file,
      'identityProviders:\n  - slug: Bad Slug\n    displayName: x\n    kind: oidc\n    settings: { issuer: https://x.example, clientId: c, tokenEndpointAuthMethod: none }\n',
    );
    expect(problems({ ROLEGATE_CONFIG: file }).join()).toMatch(
      new RegExp(`identityProviders\\.0\\.slug \\(${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} line 2\\)`),
    );
  });
});
