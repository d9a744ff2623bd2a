import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { exportJWK, generateKeyPair } from 'jose';
import Provider, { type Configuration, type KoaContextWithOIDC } from 'oidc-provider';
import { closeServer, listen } from '../sts/start-sts-endpoint.js';
import { demoUser, type DemoUser } from './demo-users.js';
import { renderLoginPage, renderLogoutPage, renderMessagePage } from './interaction-pages.js';

export interface DemoIdpOptions {
  host?: string;
  /** 0 (default) picks a free port. */
  port?: number;
  /** The issuer URL; default `http://<host>:<port>` once listening. */
  issuer?: string;
  /** rolegate's public URL: the client's redirect URI is `<rolegateUrl>/auth/oidc/demo/callback`. */
  rolegateUrl: string;
  clientId?: string;
  clientSecret?: string;
  /** People beside DEMO_USERS who can sign in by id (not listed on the sign-in page): benchmarks' users with many groups. */
  extraUsers?: readonly DemoUser[];
}

/** What rolegate needs to be told to use the demo IdP. */
export interface DemoClientRegistration {
  issuer: string;
  clientId: string;
  clientSecret: string;
  redirectUri: string;
  postLogoutRedirectUri: string;
  scopes: string[];
  groupsClaim: 'groups';
}

export interface DemoIdp {
  issuer: string;
  client: DemoClientRegistration;
  close(): Promise<void>;
}

/**
 * The demo's corporate IdP: a certified OpenID Provider (`oidc-provider`) on
 * loopback with three people (DEMO_USERS), a `groups` claim and `amr`, and one
 * confidential client registered for rolegate (code flow with PKCE).
 */
export async function startDemoIdp(options: DemoIdpOptions): Promise<DemoIdp> {
  const extra = options.extraUsers ?? [];
  const person = (id: string) => demoUser(id) ?? extra.find((user) => user.id === id);
  const host = options.host ?? '127.0.0.1';
  const app = express();
  app.disable('x-powered-by');
  const server = createServer(app);
  await listen(server, options.port ?? 0, host);
  const { port } = server.address() as AddressInfo;
  const issuer = (options.issuer ?? `http://${host.includes(':') ? `[${host}]` : host}:${String(port)}`).replace(/\/+$/, '');
  const rolegateUrl = options.rolegateUrl.replace(/\/+$/, '');
  const client: DemoClientRegistration = {
    issuer,
    clientId: options.clientId ?? 'rolegate-demo',
    clientSecret: options.clientSecret ?? 'rolegate-demo-secret',
    redirectUri: `${rolegateUrl}/auth/oidc/demo/callback`,
    // Where rolegate's sign-out asks to come back to (identity provider setting postLogoutRedirectPath, by default).
    postLogoutRedirectUri: `${rolegateUrl}/login?loggedOut=1`,
    scopes: ['openid', 'profile', 'email', 'groups'],
    groupsClaim: 'groups',
  };

  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const provider = new Provider(
    issuer,
    demoConfiguration(client, { ...(await exportJWK(privateKey)), kid: 'demo-idp-1', alg: 'RS256', use: 'sig' }, person),
  );

  app.get('/interaction/:uid', async (req, res) => {
    const details = await provider.interactionDetails(req, res);
    if (details.prompt.name !== 'login') {
      // The rolegate client is first-party: consent is granted by loadExistingGrant, so only login is asked.
      res
        .status(400)
        .type('html')
        .send(renderMessagePage('Unexpected prompt', `The demo IdP does not handle the ${details.prompt.name} prompt.`));
      return;
    }
    res
      .set('Cache-Control', 'no-store')
      .type('html')
      .send(renderLoginPage(details.uid, typeof details.params.client_id === 'string' ? details.params.client_id : 'A client'));
  });
  app.post('/interaction/:uid/login', express.urlencoded({ extended: false, limit: '4kb' }), async (req, res) => {
    const { user: chosen, factor } = req.body as Record<string, unknown>;
    const user = typeof chosen === 'string' ? person(chosen) : undefined;
    if (!user) {
      res.status(400).type('html').send(renderMessagePage('Unknown person', 'Pick one of the demo people.'));
      return;
    }
    const amr = loginMethods(user.amr, factor);
    if (!amr) {
      res.status(400).type('html').send(renderMessagePage('Unknown factor', 'Sign in with an MFA code (otp) or a password only (pwd).'));
      return;
    }
    // prompt=login / max_age=0 (a step-up) always come here again: oidc-provider asks for a new
    // login, and the ID token then carries this login's auth_time.
    await provider.interactionFinished(
      req,
      res,
      { login: { accountId: user.id, amr, acr: amr.includes('mfa') || amr.includes('otp') ? 'mfa' : 'pwd' } },
      { mergeWithLastSubmission: false },
    );
  });
  app.get('/interaction/:uid/abort', async (req, res) => {
    await provider.interactionFinished(
      req,
      res,
      { error: 'access_denied', error_description: 'The person cancelled the sign-in.' },
      { mergeWithLastSubmission: false },
    );
  });
  app.use(provider.callback());
  app.use((error: unknown, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
    res
      .status(400)
      .type('html')
      .send(renderMessagePage('Sign-in failed', error instanceof Error ? error.message : 'The sign-in could not be completed.'));
  });

  return { issuer, client, close: () => closeServer(server) };
}

function demoConfiguration(
  client: DemoClientRegistration,
  signingKey: Record<string, unknown>,
  person: (id: string) => DemoUser | undefined,
): Configuration {
  return {
    clients: [
      {
        client_id: client.clientId,
        client_secret: client.clientSecret,
        client_name: 'rolegate (demo)',
        redirect_uris: [client.redirectUri],
        post_logout_redirect_uris: [client.postLogoutRedirectUri],
        grant_types: ['authorization_code'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_basic',
      },
    ],
    jwks: { keys: [signingKey] },
    cookies: { keys: [randomBytes(32).toString('base64url')] },
    scopes: ['openid', 'profile', 'email', 'groups'],
    // acr/amr come from the login (interactionFinished); mapping them to openid puts them in every ID token.
    claims: {
      acr: null,
      amr: null,
      auth_time: null,
      sid: null,
      openid: ['sub', 'acr', 'amr'],
      profile: ['name', 'preferred_username'],
      email: ['email', 'email_verified'],
      groups: ['groups'],
    },
    // Claims of the requested scopes go into the ID token too (rolegate reads groups from it).
    conformIdTokenClaims: false,
    features: {
      devInteractions: { enabled: false },
      rpInitiatedLogout: {
        enabled: true,
        logoutSource(ctx, form) {
          ctx.type = 'html';
          ctx.body = renderLogoutPage(form, ctx.oidc.client?.clientName ?? 'rolegate');
        },
      },
    },
    interactions: { url: (_ctx: KoaContextWithOIDC, interaction) => `/interaction/${interaction.uid}` },
    pkce: { required: () => true },
    findAccount(_ctx, id) {
      const user = person(id);
      if (!user) return undefined;
      return {
        accountId: user.id,
        claims: () => ({
          sub: user.id,
          name: user.name,
          preferred_username: user.id,
          email: user.email,
          email_verified: true,
          groups: [...user.groups],
        }),
      };
    },
    async loadExistingGrant(ctx) {
      const { session, client: oidcClient, result } = ctx.oidc;
      if (!session?.accountId || !oidcClient) return undefined;
      const grantId = (result?.consent as { grantId?: string } | undefined)?.grantId ?? session.grantIdFor(oidcClient.clientId);
      const existing = grantId ? await ctx.oidc.provider.Grant.find(grantId) : undefined;
      if (existing) return existing;
      const grant = new ctx.oidc.provider.Grant({ clientId: oidcClient.clientId, accountId: session.accountId });
      grant.addOIDCScope('openid profile email groups');
      await grant.save();
      return grant;
    },
  };
}

/**
 * The methods a demo login claims (RFC 8176 `amr`): the person's own by default, `otp` adds a
 * one-time code (a second factor), `pwd` is a password only. Undefined for any other factor.
 */
export function loginMethods(own: readonly string[], factor: unknown): string[] | undefined {
  if (factor === undefined || factor === '') return [...own];
  if (factor === 'otp') return [...new Set([...own, 'otp'])];
  if (factor === 'pwd') return ['pwd'];
  return undefined;
}
