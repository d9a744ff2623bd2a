// A minimal OpenID Provider on loopback for the sign-in bench (sign-in.bench.mjs),
// shared by rolegate and the raw openid-client baseline: discovery, JWKS, an
// authorization endpoint that answers at once (no login page) with a code,
// and a token endpoint that checks the client secret (client_secret_basic),
// the redirect URI, the PKCE verifier (S256) and that the code is used once.
// The RS256 id_token (nonce, audience, groups, amr) is signed when the code
// is issued, before the measured window, so the token endpoint costs little
// and the figures are the relying parties'. Bench only.
import { createHash, randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';

const CLIENT_ID = process.env.CLIENT_ID ?? 'bench-client';
const CLIENT_SECRET = process.env.CLIENT_SECRET ?? 'bench-client-secret';
const GROUPS = (process.env.GROUPS ?? 'aws-dev').split(',');
const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
const jwk = { ...(await exportJWK(publicKey)), kid: 'bench-idp-1', alg: 'RS256', use: 'sig' };
const codes = new Map();
let issuer = '';

const json = (res, status, body) => {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
};
const readBody = (req) =>
  new Promise((resolve, reject) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => resolve(body));
    req.on('error', reject);
  });

const server = createServer(async (req, res) => {
  const url = new URL(req.url ?? '/', issuer);
  if (url.pathname === '/.well-known/openid-configuration') {
    return json(res, 200, {
      issuer,
      authorization_endpoint: `${issuer}/authorize`,
      token_endpoint: `${issuer}/token`,
      jwks_uri: `${issuer}/jwks`,
      response_types_supported: ['code'],
      subject_types_supported: ['public'],
      id_token_signing_alg_values_supported: ['RS256'],
      code_challenge_methods_supported: ['S256'],
      token_endpoint_auth_methods_supported: ['client_secret_basic'],
      scopes_supported: ['openid', 'profile', 'email', 'groups'],
    });
  }
  if (url.pathname === '/jwks') return json(res, 200, { keys: [jwk] });
  if (url.pathname === '/authorize') {
    const q = url.searchParams;
    const redirectUri = q.get('redirect_uri') ?? '';
    if (
      q.get('client_id') !== CLIENT_ID ||
      !/^http:\/\/127\.0\.0\.1:\d+\//.test(redirectUri) ||
      q.get('code_challenge_method') !== 'S256'
    ) {
      return json(res, 400, { error: 'invalid_request' });
    }
    const user = q.get('login_hint') ?? `user-${randomBytes(4).toString('hex')}`;
    const idToken = await new SignJWT({
      nonce: q.get('nonce') ?? undefined,
      email: `${user}@corp.example`,
      name: user,
      preferred_username: user,
      groups: GROUPS,
      amr: ['pwd', 'mfa'],
      auth_time: Math.floor(Date.now() / 1000),
    })
      .setProtectedHeader({ alg: 'RS256', kid: jwk.kid })
      .setIssuer(issuer)
      .setAudience(CLIENT_ID)
      .setSubject(`sub-${user}`)
      .setIssuedAt()
      .setExpirationTime('10m')
      .sign(privateKey);
    const code = randomBytes(24).toString('base64url');
    codes.set(code, { redirectUri, challenge: q.get('code_challenge'), idToken });
    const back = new URL(redirectUri);
    back.searchParams.set('code', code);
    if (q.get('state') !== null) back.searchParams.set('state', q.get('state'));
    res.writeHead(302, { location: back.href });
    return res.end();
  }
  if (url.pathname === '/token' && req.method === 'POST') {
    const form = new URLSearchParams(await readBody(req));
    const basic = Buffer.from((req.headers.authorization ?? '').replace(/^Basic /, ''), 'base64').toString('utf8');
    const [id, secret] = basic.split(':').map((part) => decodeURIComponent(part));
    if (id !== CLIENT_ID || secret !== CLIENT_SECRET) return json(res, 401, { error: 'invalid_client' });
    const code = form.get('code') ?? '';
    const grant = codes.get(code);
    codes.delete(code);
    const verifier = form.get('code_verifier') ?? '';
    if (
      form.get('grant_type') !== 'authorization_code' ||
      !grant ||
      grant.redirectUri !== form.get('redirect_uri') ||
      createHash('sha256').update(verifier).digest('base64url') !== grant.challenge
    ) {
      return json(res, 400, { error: 'invalid_grant' });
    }
    return json(res, 200, {
      access_token: randomBytes(24).toString('base64url'),
      token_type: 'Bearer',
      expires_in: 300,
      id_token: grant.idToken,
      scope: 'openid profile email groups',
    });
  }
  json(res, 404, { error: 'not_found' });
});
server.keepAliveTimeout = 30_000;
server.listen(0, '127.0.0.1', () => {
  issuer = `http://127.0.0.1:${server.address().port}`;
  console.log(`listening ${issuer}`);
});
process.on('SIGTERM', () => {
  server.close();
  process.exit(0);
});
