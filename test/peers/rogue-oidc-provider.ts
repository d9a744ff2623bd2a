import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, UnsecuredJWT, type CryptoKey, type JWK } from 'jose';

/** How the rogue provider misbehaves when it mints the next id_token. */
export type RogueBehaviour =
  | 'honest'
  | 'rotated-key'
  /** The provider stopped publishing its old key (good-key) but still signs with it. */
  | 'retired-key'
  | 'token-endpoint-down'
  | 'jwks-down'
  | 'alg-none'
  | 'foreign-key'
  | 'wrong-audience'
  | 'expired'
  | 'wrong-nonce'
  | 'wrong-issuer';

export interface RogueOidcProvider {
  issuer: string;
  clientId: string;
  clientSecret: string;
  behaviour: RogueBehaviour;
  /** Claims added to every id_token (e.g. an Entra-style `tid`). */
  extraClaims: Record<string, unknown>;
  /** Token requests received (to assert the PKCE verifier was sent). */
  tokenRequests: URLSearchParams[];
  /** JWKS requests received. */
  jwksRequests: number;
  close(): Promise<void>;
}

/**
 * A deliberately malicious OpenID Provider for negative tests: discovery,
 * JWKS, an authorization endpoint that answers at once, and a token endpoint
 * whose id_token is broken the way `behaviour` says. Test peer only.
 */
export async function startRogueOidcProvider(): Promise<RogueOidcProvider> {
  const good = await generateKeyPair('RS256', { extractable: true });
  const foreign = await generateKeyPair('RS256', { extractable: true });
  const next = await generateKeyPair('RS256', { extractable: true });
  const publicJwk: JWK = { ...(await exportJWK(good.publicKey)), kid: 'good-key', alg: 'RS256', use: 'sig' };
  const nextJwk: JWK = { ...(await exportJWK(next.publicKey)), kid: 'next-key', alg: 'RS256', use: 'sig' };
  const codes = new Map<string, { nonce: string; challenge: string; clientId: string }>();
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${String((server.address() as AddressInfo).port)}`;
  const peer: RogueOidcProvider = {
    issuer,
    clientId: 'rolegate-rogue-test',
    clientSecret: 'rogue-secret-for-tests-only',
    behaviour: 'honest',
    extraClaims: {},
    tokenRequests: [],
    jwksRequests: 0,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };

  const mint = async (nonce: string): Promise<string> => {
    const now = Math.floor(Date.now() / 1000);
    const claims = {
      iss: peer.behaviour === 'wrong-issuer' ? 'http://127.0.0.1:1/evil' : issuer,
      sub: 'rogue-user-1',
      aud: peer.behaviour === 'wrong-audience' ? 'someone-else' : peer.clientId,
      iat: peer.behaviour === 'expired' ? now - 7200 : now,
      exp: peer.behaviour === 'expired' ? now - 3600 : now + 600,
      nonce: peer.behaviour === 'wrong-nonce' ? 'not-the-nonce' : nonce,
      preferred_username: 'mallory',
      groups: ['aws-admins'],
      ...peer.extraClaims,
    };
    if (peer.behaviour === 'alg-none') return new UnsecuredJWT(claims).encode();
    if (peer.behaviour === 'rotated-key')
      return new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: 'next-key' }).sign(next.privateKey);
    const key: CryptoKey = peer.behaviour === 'foreign-key' ? foreign.privateKey : good.privateKey;
    return new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: 'good-key' }).sign(key);
  };

  server.on('request', (req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', issuer);
      const json = (status: number, body: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
        res.end(JSON.stringify(body));
      };
      if (url.pathname === '/.well-known/openid-configuration') {
        json(200, {
          issuer,
          authorization_endpoint: `${issuer}/authorize`,
          token_endpoint: `${issuer}/token`,
          jwks_uri: `${issuer}/jwks`,
          response_types_supported: ['code'],
          subject_types_supported: ['public'],
          id_token_signing_alg_values_supported: ['RS256', 'none'],
          code_challenge_methods_supported: ['S256'],
          token_endpoint_auth_methods_supported: ['client_secret_basic'],
        });
      } else if (url.pathname === '/jwks' && peer.behaviour === 'jwks-down') {
        res.writeHead(502, { 'content-type': 'text/html' });
        res.end('<h1>Bad gateway</h1>');
      } else if (url.pathname === '/jwks') {
        peer.jwksRequests++;
        // After a rotation the provider publishes the new key beside the old one; retired, the old one is gone.
        json(200, {
          keys: peer.behaviour === 'rotated-key' ? [publicJwk, nextJwk] : peer.behaviour === 'retired-key' ? [nextJwk] : [publicJwk],
        });
      } else if (url.pathname === '/authorize') {
        const code = randomBytes(16).toString('hex');
        codes.set(code, {
          nonce: url.searchParams.get('nonce') ?? '',
          challenge: url.searchParams.get('code_challenge') ?? '',
          clientId: url.searchParams.get('client_id') ?? '',
        });
        const target = new URL(url.searchParams.get('redirect_uri') ?? '');
        target.searchParams.set('code', code);
        target.searchParams.set('state', url.searchParams.get('state') ?? '');
        target.searchParams.set('iss', issuer);
        res.writeHead(302, { location: target.href });
        res.end();
      } else if (url.pathname === '/token' && peer.behaviour === 'token-endpoint-down') {
        res.writeHead(502, { 'content-type': 'text/html' });
        res.end('<h1>Bad gateway</h1>');
      } else if (url.pathname === '/token' && req.method === 'POST') {
        const body = new URLSearchParams(await readBody(req));
        peer.tokenRequests.push(body);
        const grant = codes.get(body.get('code') ?? '');
        codes.delete(body.get('code') ?? '');
        const verifier = body.get('code_verifier') ?? '';
        if (!grant || createHash('sha256').update(verifier).digest('base64url') !== grant.challenge) {
          json(400, { error: 'invalid_grant' });
          return;
        }
        json(200, {
          access_token: randomBytes(16).toString('hex'),
          token_type: 'Bearer',
          expires_in: 600,
          id_token: await mint(grant.nonce),
        });
      } else {
        json(404, { error: 'not_found' });
      }
    })();
  });
  return peer;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
