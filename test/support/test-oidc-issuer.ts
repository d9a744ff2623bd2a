import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWTPayload } from 'jose';

/** A minimal OIDC issuer on loopback: discovery + JWKS, and a signer for test tokens. */
export interface TestOidcIssuer {
  url: string;
  sign(
    payload: JWTPayload,
    options?: { expiresIn?: string | number; key?: 'published' | 'unpublished'; notBefore?: number },
  ): Promise<string>;
  /** How often the JWKS was fetched. */
  jwksFetches(): number;
  close(): Promise<void>;
}

/** `tls`: serve over https on `localhost` with these files (test/support/test-certificates.ts), for thumbprint checks. */
export async function startTestOidcIssuer(options: { tls?: { certFile: string; keyFile: string } } = {}): Promise<TestOidcIssuer> {
  const published = await generateKeyPair('RS256');
  const unpublished = await generateKeyPair('RS256');
  const jwk = { ...(await exportJWK(published.publicKey)), kid: 'test-key-1', alg: 'RS256', use: 'sig' };
  let fetches = 0;
  let url = '';
  const handler = (req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse) => {
    res.setHeader('content-type', 'application/json');
    if (req.url === '/.well-known/openid-configuration') return res.end(JSON.stringify({ issuer: url, jwks_uri: `${url}/jwks` }));
    if (req.url === '/jwks') {
      fetches++;
      return res.end(JSON.stringify({ keys: [jwk] }));
    }
    res.statusCode = 404;
    res.end('{}');
  };
  const server = options.tls
    ? createHttpsServer({ cert: readFileSync(options.tls.certFile), key: readFileSync(options.tls.keyFile) }, handler)
    : createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = String((server.address() as AddressInfo).port);
  url = options.tls ? `https://localhost:${port}` : `http://127.0.0.1:${port}`;
  return {
    url,
    async sign(payload, options = {}) {
      const key: CryptoKey = options.key === 'unpublished' ? unpublished.privateKey : published.privateKey;
      let jwt = new SignJWT(payload).setProtectedHeader({ alg: 'RS256', kid: 'test-key-1' }).setIssuedAt();
      if (payload.iss === undefined) jwt = jwt.setIssuer(url);
      jwt = jwt.setExpirationTime(options.expiresIn ?? '5m');
      if (options.notBefore !== undefined) jwt = jwt.setNotBefore(options.notBefore);
      return jwt.sign(key);
    },
    jwksFetches: () => fetches,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
