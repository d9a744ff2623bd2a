// The raw baselines of the sign-in bench (sign-in.bench.mjs): a bare node:http
// server, one thread, doing the protocol work with the libraries alone, as
// their READMEs show, and nothing else (no framework, no sessions, no audit,
// no replay cache, no logging).
//  - POST /saml/acs: @node-saml/node-saml validatePostResponseAsync on one SAML
//    instance built at start-up, with the options rolegate gives node-saml
//    (pinned certificate, issuer, audience, InResponseTo always checked against
//    the requests this server was told of, sha256, clock skew, maximum age).
//  - POST /saml/requests: the request ids to expect (JSON array), saved in
//    node-saml's own in-memory cache as getAuthorizeUrlAsync would.
//  - GET /oidc/login: openid-client's buildAuthorizationUrl (state, nonce, PKCE S256),
//    kept in a Map under a random cookie; answers 302 to the IdP.
//  - GET /oidc/callback: openid-client's authorizationCodeGrant on the
//    Configuration discovered at start-up (the code exchange at the token
//    endpoint, id_token signature against the cached JWKS, iss, aud, exp,
//    nonce, state, PKCE); answers 303 with a cookie.
//  - GET /floor/oidc/login and /floor/oidc/callback (with BASELINE_SETTINGS.floor): the
//    same, plus the least of what rolegate promises around it, each the cheapest way:
//    the login transaction kept in Redis and taken once (GETDEL), one rate-limit count
//    (one Lua INCR script), the sign-in's audit row committed in PostgreSQL before the
//    answer (one INSERT, no group commit) and the session written to Redis (one SET).
//    No framework, logging, metrics, pending-sign-in caps or session indexes: the floor
//    any server keeping those promises starts from.
//  - POST /floor/saml/requests and /floor/saml/acs (with BASELINE_SETTINGS.floor): node-saml's
//    validation as on /saml/acs, plus the same promises: the request ids kept in Redis and each
//    taken once (GETDEL, as node-saml's cache lookup), one rate-limit count, the assertion id
//    refused if seen before (SET NX until it expires), the audit row committed, the session written.
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import { SAML } from '@node-saml/node-saml';
import * as client from 'openid-client';
import pg from 'pg';
import { createClient } from 'redis';
import { nodeSamlOptions } from './node-saml-options.mjs';

const settings = JSON.parse(process.env.BASELINE_SETTINGS ?? '{}');
const saml = samlWith(undefined);
const oidcConfig = await client.discovery(
  new URL(settings.oidc.issuer),
  settings.oidc.clientId,
  { id_token_signed_response_alg: 'RS256' },
  client.ClientSecretBasic(settings.oidc.clientSecret),
  { execute: [client.allowInsecureRequests] },
);
client.enableNonRepudiationChecks(oidcConfig);
const pending = new Map();
// The floor's SAML instance: the same options, its InResponseTo ids in Redis, each taken once.
const floorSaml = settings.floor ? samlWith(redisRequestIds()) : undefined;
let base = '';
const floor = settings.floor ? await openFloor(settings.floor) : undefined;
const COUNT = `local n = redis.call('INCR', KEYS[1]) if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end return n`;

const readBody = (req) =>
  new Promise((resolve, reject) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => resolve(body));
    req.on('error', reject);
  });
const cookieOf = (req, name) => new RegExp(`(?:^|;\\s*)${name}=([^;]+)`).exec(req.headers.cookie ?? '')?.[1];
const fail = (res, status, error) => {
  res.writeHead(status, { 'content-type': 'text/plain' });
  res.end(String(error instanceof Error ? error.message : error).slice(0, 300));
};

const server = createServer(async (req, res) => {
  try {
    const url = new URL(req.url ?? '/', base);
    if (url.pathname === '/saml/acs' && req.method === 'POST') {
      const form = new URLSearchParams(await readBody(req));
      const { profile } = await saml.validatePostResponseAsync({ SAMLResponse: form.get('SAMLResponse') ?? '' });
      if (!profile?.nameID) return fail(res, 401, 'no assertion');
      res.writeHead(200, { 'content-type': 'text/html', 'set-cookie': `session=${randomBytes(32).toString('base64url')}; HttpOnly` });
      return res.end(`<p>signed in as ${profile.nameID}</p>`);
    }
    if (url.pathname === '/saml/requests' && req.method === 'POST') {
      const instant = new Date().toISOString();
      for (const id of JSON.parse(await readBody(req))) await saml.cacheProvider.saveAsync(id, instant);
      return res.end('ok');
    }
    if (url.pathname === '/oidc/login') {
      const { href, expected } = await authorizationRedirect(url, '/oidc/callback');
      const tx = randomBytes(32).toString('base64url');
      pending.set(tx, expected);
      res.writeHead(302, { location: href, 'set-cookie': `tx=${tx}; HttpOnly` });
      return res.end();
    }
    if (url.pathname === '/oidc/callback') {
      const tx = cookieOf(req, 'tx');
      const expected = tx === undefined ? undefined : pending.get(tx);
      if (!expected) return fail(res, 401, 'no sign-in pending');
      pending.delete(tx);
      const claims = await codeGrantClaims(url, expected);
      if (!claims?.sub) return fail(res, 401, 'no id_token');
      res.writeHead(303, { location: '/', 'set-cookie': `session=${randomBytes(32).toString('base64url')}; HttpOnly` });
      return res.end();
    }
    if (floor && url.pathname === '/floor/saml/requests' && req.method === 'POST') {
      const instant = new Date().toISOString();
      for (const id of JSON.parse(await readBody(req))) await floorSaml.cacheProvider.saveAsync(id, instant);
      return res.end('ok');
    }
    if (floor && url.pathname === '/floor/saml/acs' && req.method === 'POST') {
      const count = await floor.redis.eval(COUNT, { keys: [`${floor.prefix}acs:${req.socket.remoteAddress}`], arguments: ['60000'] });
      if (count > 1_000_000) return fail(res, 429, 'too many');
      const form = new URLSearchParams(await readBody(req));
      const { profile } = await floorSaml.validatePostResponseAsync({ SAMLResponse: form.get('SAMLResponse') ?? '' });
      if (!profile?.nameID) return fail(res, 401, 'no assertion');
      // node-saml keeps no assertion id in the profile: the signed assertion's own, read off its start tag.
      const assertionId = /^<[^>]*\sID="([^"]+)"/.exec(profile.getAssertionXml())?.[1];
      if (!assertionId) return fail(res, 401, 'no assertion id');
      const fresh = await floor.redis.set(`${floor.prefix}assertion:${assertionId}`, '1', {
        condition: 'NX',
        expiration: { type: 'PX', value: 300_000 },
      });
      if (fresh !== 'OK') return fail(res, 401, 'assertion replayed');
      const groups = [profile.groups ?? []].flat();
      await floor.db.query({
        name: 'floor_audit_insert',
        text: 'INSERT INTO floor_audit (subject, groups, details) VALUES ($1, $2, $3)',
        values: [profile.nameID, groups, JSON.stringify({ assertionId, sessionIndex: profile.sessionIndex })],
      });
      const cookie = randomBytes(32).toString('base64url');
      const session = JSON.stringify({ sub: profile.nameID, groups, createdAt: Date.now() });
      await floor.redis.set(`${floor.prefix}session:${cookie}`, session, { expiration: { type: 'PX', value: 300_000 } });
      res.writeHead(200, { 'content-type': 'text/html', 'set-cookie': `session=${cookie}; HttpOnly` });
      return res.end(`<p>signed in as ${profile.nameID}</p>`);
    }
    if (floor && url.pathname === '/floor/oidc/login') {
      const { href, expected } = await authorizationRedirect(url, '/floor/oidc/callback');
      const tx = randomBytes(32).toString('base64url');
      await floor.redis.set(`${floor.prefix}tx:${tx}`, JSON.stringify(expected), { expiration: { type: 'PX', value: 300_000 } });
      res.writeHead(302, { location: href, 'set-cookie': `tx=${tx}; HttpOnly` });
      return res.end();
    }
    if (floor && url.pathname === '/floor/oidc/callback') {
      const count = await floor.redis.eval(COUNT, { keys: [`${floor.prefix}callbacks:${req.socket.remoteAddress}`], arguments: ['60000'] });
      if (count > 1_000_000) return fail(res, 429, 'too many');
      const tx = cookieOf(req, 'tx');
      const stored = tx === undefined ? null : await floor.redis.getDel(`${floor.prefix}tx:${tx}`);
      if (!stored) return fail(res, 401, 'no sign-in pending');
      const claims = await codeGrantClaims(url, JSON.parse(stored));
      if (!claims?.sub) return fail(res, 401, 'no id_token');
      await floor.db.query({
        name: 'floor_audit_insert',
        text: 'INSERT INTO floor_audit (subject, groups, details) VALUES ($1, $2, $3)',
        values: [claims.sub, claims.groups ?? [], JSON.stringify({ username: claims.preferred_username, methods: claims.amr })],
      });
      const cookie = randomBytes(32).toString('base64url');
      const session = JSON.stringify({ sub: claims.sub, groups: claims.groups, createdAt: Date.now() });
      await floor.redis.set(`${floor.prefix}session:${cookie}`, session, { expiration: { type: 'PX', value: 300_000 } });
      res.writeHead(303, { location: '/', 'set-cookie': `session=${cookie}; HttpOnly` });
      return res.end();
    }
    fail(res, 404, 'not found');
  } catch (error) {
    fail(res, 401, error);
  }
});
server.keepAliveTimeout = 30_000;
server.listen(0, '127.0.0.1', () => {
  base = `http://127.0.0.1:${server.address().port}`;
  console.log(`listening ${base}`);
});
process.on('SIGTERM', () => {
  server.close();
  process.exit(0);
});

/** node-saml as rolegate configures it (see the header); `cacheProvider` holds the ids of the requests sent. */
function samlWith(cacheProvider) {
  return new SAML(nodeSamlOptions({ ...settings.saml, cacheProvider }));
}

/**
 * node-saml's CacheProvider on the floor's Redis. node-saml looks an id up twice in one validation
 * (the Response's InResponseTo, then the subject confirmation's) and removes it after: the first
 * lookup takes it from Redis (GETDEL, so each is answered once across servers), the second is
 * answered from what that lookup took, dropped again on remove.
 */
function redisRequestIds() {
  const key = (id) => `${floor.prefix}saml-request:${id}`;
  const taken = new Map();
  return {
    saveAsync: async (id, value) => {
      await floor.redis.set(key(id), value, { expiration: { type: 'PX', value: 300_000 } });
      return { value, createdAt: Date.now() };
    },
    getAsync: async (id) => {
      if (taken.has(id)) return taken.get(id);
      const value = await floor.redis.getDel(key(id));
      if (value !== null) taken.set(id, value);
      return value;
    },
    removeAsync: async (id) => {
      taken.delete(id);
      return id;
    },
  };
}

/** Where a sign-in starts: the IdP's authorization URL (PKCE, state, nonce) and what its callback must match. */
async function authorizationRedirect(url, callbackPath) {
  const expected = { state: client.randomState(), nonce: client.randomNonce(), codeVerifier: client.randomPKCECodeVerifier() };
  const redirect = client.buildAuthorizationUrl(oidcConfig, {
    redirect_uri: `${base}${callbackPath}`,
    scope: 'openid profile email groups',
    state: expected.state,
    nonce: expected.nonce,
    code_challenge: await client.calculatePKCECodeChallenge(expected.codeVerifier),
    code_challenge_method: 'S256',
    ...(url.searchParams.get('login_hint') ? { login_hint: url.searchParams.get('login_hint') } : {}),
  });
  return { href: redirect.href, expected };
}

/** The callback's code exchanged and its ID token checked against what the start expected. */
async function codeGrantClaims(url, expected) {
  const tokens = await client.authorizationCodeGrant(oidcConfig, url, {
    pkceCodeVerifier: expected.codeVerifier,
    expectedState: expected.state,
    expectedNonce: expected.nonce,
    idTokenExpected: true,
  });
  return tokens.claims();
}

/** The floor's PostgreSQL (a table of its own in the given database) and Redis (keys under its own prefix). */
async function openFloor({ databaseUrl, redisUrl, prefix }) {
  const db = new pg.Pool({ connectionString: databaseUrl, max: 4 });
  await db.query(
    'CREATE TABLE IF NOT EXISTS floor_audit (id bigserial PRIMARY KEY, at timestamptz NOT NULL DEFAULT now(), subject text NOT NULL, groups text[] NOT NULL, details jsonb)',
  );
  const redis = createClient({ url: redisUrl });
  await redis.connect();
  return { db, redis, prefix };
}
