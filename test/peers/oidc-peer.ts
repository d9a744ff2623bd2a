import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair } from 'jose';
import Provider, { type Configuration } from 'oidc-provider';

/** A test user of the corporate IdP. */
export interface PeerUser {
  sub: string;
  username: string;
  email: string;
  name: string;
  groups?: string[];
  amr?: string[];
  acr?: string;
}

export const PEER_USERS: Record<string, PeerUser> = {
  alice: { sub: 'u-alice-0001', username: 'alice', email: 'alice@corp.example', name: 'Alice Admin', groups: ['aws-admins', 'aws-dev'] },
  bob: { sub: 'u-bob-0002', username: 'bob', email: 'bob@corp.example', name: 'Bob Nogroups' },
  carol: {
    sub: 'u-carol-0003',
    username: 'carol',
    email: 'carol@corp.example',
    name: 'Carol Mfa',
    groups: ['aws-breakglass'],
    amr: ['pwd', 'mfa'],
    acr: 'urn:corp:loa:2',
  },
};

export interface OidcPeer {
  issuer: string;
  clientId: string;
  clientSecret: string;
  close(): Promise<void>;
}

/**
 * A real OpenID Provider (panva's certified oidc-provider) on an ephemeral
 * loopback port, playing the corporate IdP. Its interactions are ours: a
 * login form (`POST /interaction/:uid/login`, field `login`) and a consent
 * form (`POST /interaction/:uid/consent`), so tests drive them like a user.
 */
export async function startOidcPeer(options: {
  redirectUris: string[];
  postLogoutRedirectUris?: string[];
  /** Profile claims (groups included) only from userinfo, not in the id_token (oidc-provider's conform mode). */
  groupsOnlyInUserinfo?: boolean;
  /** A port chosen beforehand (an IdP configured while it is still down); ephemeral by default. */
  port?: number;
}): Promise<OidcPeer> {
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${String((server.address() as AddressInfo).port)}`;
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const clientId = 'rolegate-test';
  const clientSecret = 'peer-client-secret-for-tests-only';
  const configuration: Configuration = {
    clients: [
      {
        client_id: clientId,
        client_secret: clientSecret,
        redirect_uris: options.redirectUris,
        post_logout_redirect_uris: options.postLogoutRedirectUris ?? [],
        response_types: ['code'],
        grant_types: ['authorization_code'],
        token_endpoint_auth_method: 'client_secret_basic',
      },
    ],
    jwks: { keys: [{ ...(await exportJWK(privateKey)), kid: 'peer-key-1', alg: 'RS256', use: 'sig' }] },
    cookies: { keys: ['peer-cookie-key-for-tests-only'] },
    acrValues: ['urn:corp:loa:1', 'urn:corp:loa:2'],
    claims: {
      acr: null,
      amr: null,
      auth_time: null,
      sid: null,
      iss: null,
      openid: ['sub', 'acr', 'amr', 'auth_time'],
      profile: ['name', 'preferred_username', 'groups'],
      email: ['email', 'email_verified'],
    },
    conformIdTokenClaims: options.groupsOnlyInUserinfo ?? false,
    features: { devInteractions: { enabled: false }, rpInitiatedLogout: { enabled: true } },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    findAccount: (_ctx, sub) => {
      const user = Object.values(PEER_USERS).find((u) => u.sub === sub);
      if (!user) return undefined;
      return {
        accountId: sub,
        claims: () => ({
          sub,
          name: user.name,
          preferred_username: user.username,
          email: user.email,
          email_verified: true,
          ...(user.groups ? { groups: user.groups } : {}),
        }),
      };
    },
    ttl: { IdToken: 3600, AccessToken: 3600, Session: 3600, Interaction: 600, Grant: 3600 },
  };
  const provider = new Provider(issuer, configuration);
  const callback = provider.callback();
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const match = /^\/interaction\/([\w-]+)\/(login|consent)$/.exec(req.url ?? '');
    if (req.method === 'POST' && match) {
      void interact(provider, req, res, match[2] as 'login' | 'consent').catch((error: unknown) => {
        res.statusCode = 500;
        res.end(String(error));
      });
      return;
    }
    if (req.method === 'GET' && /^\/interaction\/[\w-]+$/.test(req.url ?? '')) {
      void provider.interactionDetails(req, res).then(
        (details) => {
          res.setHeader('content-type', 'text/html');
          res.end(`<form method="post" action="/interaction/${details.uid}/${details.prompt.name}"><input name="login"></form>`);
        },
        (error: unknown) => {
          res.statusCode = 400;
          res.end(String(error));
        },
      );
      return;
    }
    void callback(req, res);
  });
  return {
    issuer,
    clientId,
    clientSecret,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function interact(provider: Provider, req: IncomingMessage, res: ServerResponse, step: 'login' | 'consent'): Promise<void> {
  const body = new URLSearchParams(await readBody(req));
  const details = await provider.interactionDetails(req, res);
  if (step === 'login') {
    const user = PEER_USERS[body.get('login') ?? ''];
    if (!user) {
      res.statusCode = 401;
      res.end('unknown user');
      return;
    }
    await provider.interactionFinished(
      req,
      res,
      { login: { accountId: user.sub, ...(user.amr ? { amr: user.amr } : {}), ...(user.acr ? { acr: user.acr } : {}) } },
      { mergeWithLastSubmission: false },
    );
    return;
  }
  const accountId = details.session?.accountId;
  if (!accountId) throw new Error('consent without a login');
  const grant = new provider.Grant({ accountId, clientId: String(details.params.client_id) });
  const missing = details.prompt.details as { missingOIDCScope?: string[]; missingOIDCClaims?: string[] };
  if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
  if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
  await provider.interactionFinished(req, res, { consent: { grantId: await grant.save() } }, { mergeWithLastSubmission: true });
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
