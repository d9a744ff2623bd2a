import { AssumeRoleCommand, GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { createHash, randomBytes } from 'node:crypto';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDevstack, type Devstack } from '../../devstack/start-devstack.js';
import { stsClient } from '../support/devstack.js';

let devstack: Devstack;
beforeAll(async () => {
  devstack = await startDevstack({ rolegateUrl: 'http://localhost:18080' });
});
afterAll(() => devstack.close());

/** A browser's cookie jar, enough for one sign-in at the demo IdP. */
class Browser {
  private readonly cookies = new Map<string, string>();
  async get(url: string, init: RequestInit = {}): Promise<Response> {
    const response = await fetch(url, {
      ...init,
      redirect: 'manual',
      headers: { ...(init.headers as Record<string, string>), cookie: this.cookieHeader() },
    });
    for (const cookie of response.headers.getSetCookie()) {
      const [pair = ''] = cookie.split(';');
      const [name = '', ...value] = pair.split('=');
      this.cookies.set(name.trim(), value.join('='));
    }
    return response;
  }
  private cookieHeader(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }
}

/** Runs the authorization-code flow with PKCE as rolegate will, picking `user` on the login page. */
async function signIn(user: string): Promise<Record<string, unknown>> {
  const { idp } = devstack;
  const verifier = randomBytes(32).toString('base64url');
  const browser = new Browser();
  const authorize = new URL(`${idp.issuer}/auth`);
  authorize.search = new URLSearchParams({
    client_id: idp.clientId,
    redirect_uri: idp.redirectUri,
    response_type: 'code',
    scope: idp.scopes.join(' '),
    state: 'state-1',
    nonce: 'nonce-1',
    code_challenge: createHash('sha256').update(verifier).digest('base64url'),
    code_challenge_method: 'S256',
  }).toString();
  let response = await browser.get(authorize.href);
  const interaction = new URL(response.headers.get('location') ?? '', idp.issuer);
  const page = await (await browser.get(interaction.href)).text();
  expect(page).toContain('Sign in as Alice Example');
  expect(page).not.toMatch(/<script|style=/);
  response = await browser.get(`${interaction.href}/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ user }).toString(),
  });
  // Follow the IdP's own redirects until it sends the browser back to rolegate's callback.
  for (let hops = 0; hops < 5; hops++) {
    const location = new URL(response.headers.get('location') ?? '', idp.issuer);
    if (location.href.startsWith(idp.redirectUri)) {
      expect(location.searchParams.get('state')).toBe('state-1');
      const token = await fetch(`${idp.issuer}/token`, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          authorization: `Basic ${Buffer.from(`${idp.clientId}:${idp.clientSecret}`).toString('base64')}`,
        },
        body: new URLSearchParams({
          grant_type: 'authorization_code',
          code: location.searchParams.get('code') ?? '',
          redirect_uri: idp.redirectUri,
          code_verifier: verifier,
        }).toString(),
      });
      expect(token.status).toBe(200);
      const { id_token: idToken } = (await token.json()) as { id_token: string };
      const jwks = createRemoteJWKSet(new URL(`${idp.issuer}/jwks`));
      return (await jwtVerify(idToken, jwks, { issuer: idp.issuer, audience: idp.clientId })).payload;
    }
    response = await browser.get(location.href);
  }
  throw new Error('the IdP never redirected to the callback');
}

describe('startDevstack', () => {
  it('when started with a rolegate URL, then it reports the URLs, the client registration and the demo world', () => {
    expect(devstack.stsUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(devstack.federationUrl).toBe(`${devstack.stsUrl}/federation`);
    expect(devstack.idp).toMatchObject({
      clientId: 'rolegate-demo',
      redirectUri: 'http://localhost:18080/auth/oidc/demo/callback',
      groupsClaim: 'groups',
    });
    expect(devstack.samlProviders['111111111111']).toEqual(['arn:aws:iam::111111111111:saml-provider/rolegate']);
    expect(devstack.oidcProviders['111111111111']).toEqual(['arn:aws:iam::111111111111:oidc-provider/localhost:18080']);
    expect(devstack.roles.map((r) => r.arn)).toContain('arn:aws:iam::222222222222:role/breakglass/BreakGlass');
  });

  it('when alice signs in at the demo IdP, then her ID token carries her groups and mfa', async () => {
    const claims = await signIn('alice');
    expect(claims).toMatchObject({
      sub: 'alice',
      email: 'alice@example.com',
      groups: ['aws-dev', 'aws-readonly'],
      amr: ['pwd', 'mfa'],
      nonce: 'nonce-1',
    });
  });

  it('when carol signs in, then she has no groups and no mfa', async () => {
    expect(await signIn('carol')).toMatchObject({ sub: 'carol', groups: [], amr: ['pwd'] });
  });

  it('when the demo broker keys call AssumeRole, then the cross-account role needs its ExternalId', async () => {
    const [key] = devstack.accessKeys;
    const client = stsClient(devstack.stsUrl, { accessKeyId: key?.accessKeyId ?? '', secretAccessKey: key?.secretAccessKey ?? '' });
    expect((await client.send(new GetCallerIdentityCommand({}))).Arn).toBe('arn:aws:iam::111111111111:user/rolegate-broker');
    const result = await client.send(
      new AssumeRoleCommand({
        RoleArn: 'arn:aws:iam::222222222222:role/BrokerReadOnly',
        RoleSessionName: 'alice',
        ExternalId: 'rolegate-demo',
      }),
    );
    expect(result.AssumedRoleUser?.Arn).toBe('arn:aws:sts::222222222222:assumed-role/BrokerReadOnly/alice');
    await expect(
      client.send(new AssumeRoleCommand({ RoleArn: 'arn:aws:iam::222222222222:role/BrokerReadOnly', RoleSessionName: 'alice' })),
    ).rejects.toMatchObject({
      name: 'AccessDenied',
    });
  });
});
