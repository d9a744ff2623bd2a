// rolegate built (dist/main.js) on the real PostgreSQL and Redis, with the
// devstack's demo IdP and local STS and one mapping (aws-dev → sandbox
// Developer), in a database and Redis prefix of its own. Shared by benches
// that need a running broker.
import { createServer, request as httpRequest } from 'node:http';
import { createHash, randomBytes } from 'node:crypto';
import path from 'node:path';
import pg from 'pg';
import { createClient } from 'redis';
import { cpuMs, startChild, adminSql as admin } from './support.mjs';

const postgresUrl = process.env.TEST_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
const redisUrl = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/**
 * Options: `countStsCalls` puts a counting proxy in front of the local STS
 * (`broker.stsCalls()`, and the time spent on them: `broker.stsMs()`); `nodeArgs` go to rolegate's node (e.g. --cpu-prof);
 * `logLevel` is rolegate's LOG_LEVEL (info, as in production: one line per request);
 * `accessFile` is applied at start-up (ROLEGATE_ACCESS_FILE) instead of the one seeded mapping;
 * `extraUsers` are demo IdP people beside alice, bob and carol (`{ id, groups, amr }`); `env` more settings;
 * `dist` the build to run (default `dist`, or BENCH_DIST: another build, e.g. of main, for a same-run comparison);
 * `via` where rolegate reaches PostgreSQL and Redis instead (`{ postgres, redis }` URLs, e.g. counting proxies).
 * Returns the URL, its database URL, rolegate's pid (for CPU per request), how long it took to
 * start (`startMs`, spawn to listening), signIn(user), cliTokens(session) (a tokens.json for the CLI, through
 * the loopback OAuth flow approved in that session), announceAccessChange(), metrics() and close().
 */
export async function startBenchBroker(
  root,
  {
    countStsCalls = false,
    nodeArgs = [],
    logLevel = 'info',
    accessFile,
    extraUsers = [],
    env = {},
    dist = process.env.BENCH_DIST ?? 'dist',
    via = {},
  } = {},
) {
  const cleanups = [];
  const close = async () => {
    for (const cleanup of cleanups.reverse()) await Promise.resolve(cleanup()).catch(() => undefined);
  };
  // The fixture knows rolegate is up by its info line "rolegate is listening": a quieter level would wait forever.
  if (!['trace', 'debug', 'info'].includes(logLevel))
    throw new Error(`log level ${logLevel} hides the "rolegate is listening" line the bench waits for: use info, debug or trace`);
  try {
    // The devstack is not in dist: `npm run bench` builds it into dist-devstack/ (npm run build:devstack).
    const { startDevstack } = await import(path.join(root, 'dist-devstack/start-devstack.js'));
    const dbName = `rolegate_bench_${randomBytes(4).toString('hex')}`;
    await admin(`CREATE DATABASE ${dbName}`);
    cleanups.push(() => admin(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`));
    const databaseUrl = Object.assign(new URL(postgresUrl), { pathname: `/${dbName}` }).href;
    const prefix = `rolegate-bench:${randomBytes(4).toString('hex')}:`;
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const devstack = await startDevstack({
      rolegateUrl: url,
      extraUsers: extraUsers.map((u) => ({ name: u.id, email: `${u.id}@example.com`, amr: ['pwd', 'mfa'], description: 'bench', ...u })),
    });
    cleanups.push(() => devstack.close());
    const sts = countStsCalls ? await countingProxy(devstack.stsUrl) : undefined;
    if (sts) cleanups.push(() => sts.close());
    const rolegate = startChild(path.join(root, dist, 'main.js'), {
      cwd: root,
      nodeArgs,
      ready: /"msg":"rolegate is listening"/,
      env: {
        DATABASE_URL: via.postgres ? Object.assign(new URL(via.postgres), { pathname: `/${dbName}` }).href : databaseUrl,
        REDIS_URL: via.redis ?? redisUrl,
        ROLEGATE_REDIS_PREFIX: prefix,
        ROLEGATE_PORT: String(port),
        ROLEGATE_PUBLIC_URL: url,
        ROLEGATE_AUTO_MIGRATE: 'true',
        ROLEGATE_ENCRYPTION_KEYS: randomBytes(32).toString('base64'),
        ROLEGATE_STS_ENDPOINT: sts?.url ?? devstack.stsUrl,
        ROLEGATE_SESSION_NAME_IDP: 'demo',
        ROLEGATE_CLI_DEVICE_POLL_INTERVAL_S: '1',
        ROLEGATE_IDENTITY_PROVIDERS: JSON.stringify([
          {
            slug: 'demo',
            displayName: 'Demo',
            kind: 'oidc',
            groupsFrom: 'groups',
            settings: {
              issuer: devstack.idp.issuer,
              clientId: devstack.idp.clientId,
              allowInsecureLoopbackIssuer: true,
              scopes: devstack.idp.scopes,
            },
            clientSecret: devstack.idp.clientSecret,
          },
        ]),
        LOG_LEVEL: logLevel,
        ...(accessFile ? { ROLEGATE_ACCESS_FILE: accessFile } : {}),
        ...env,
      },
    });
    const spawned = performance.now();
    cleanups.push(() => rolegate.stop());
    rolegate.child.stdout.resume();
    await rolegate.started;
    const startMs = Math.round(performance.now() - spawned);
    const startCpuMs = Math.round(cpuMs(rolegate.child.pid));
    if (!accessFile) await seedAccessModel(databaseUrl, prefix);
    return {
      url,
      databaseUrl,
      pid: rolegate.child.pid,
      startMs,
      startCpuMs,
      stsCalls: () => sts?.count ?? 0,
      stsMs: () => sts?.stsMs ?? 0,
      stsUrl: sts?.url ?? devstack.stsUrl,
      signIn: (user) => signIn(url, user),
      cliTokens: (session) => cliTokens(url, session),
      announceAccessChange: () => publish(prefix),
      announceGrantsChange: () => publish(prefix, 'access-grants-changed'),
      metrics: () => scrape(url),
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

async function seedAccessModel(databaseUrl, prefix) {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query(`INSERT INTO aws_accounts (id, alias, region, updated_at) VALUES ('111111111111', 'sandbox', 'us-east-1', now())`);
    const role = await client.query(
      `INSERT INTO roles (id, account_id, name, arn, exchange_mode, provider_arn, max_session_seconds, updated_at)
       VALUES (gen_random_uuid(), '111111111111', 'Developer', 'arn:aws:iam::111111111111:role/Developer', 'saml',
               'arn:aws:iam::111111111111:saml-provider/rolegate', 43200, now()) RETURNING id`,
    );
    await client.query(`INSERT INTO group_mappings (id, "group", role_id, updated_at) VALUES (gen_random_uuid(), 'aws-dev', $1, now())`, [
      role.rows[0].id,
    ]);
  } finally {
    await client.end();
  }
  await publish(prefix);
  await new Promise((resolve) => setTimeout(resolve, 300)); // the instance reloads on the message
}

/** Tells the broker to reload its access model, as an admin change on another instance does. */
async function publish(prefix, channel = 'access-model-changed') {
  const redis = createClient({ url: redisUrl });
  await redis.connect();
  await redis.publish(`${prefix}${channel}`, 'bench');
  await redis.close();
}

/** The broker's Prometheus metrics as { name{labels}: value } (scraping also resets the event-loop delay histogram). */
async function scrape(url) {
  const text = await (await fetch(`${url}/metrics`)).text();
  const values = {};
  for (const line of text.split('\n')) {
    if (line.startsWith('#') || line.trim() === '') continue;
    const at = line.lastIndexOf(' ');
    values[line.slice(0, at)] = Number(line.slice(at + 1));
  }
  return values;
}

/** Signs a demo user in through rolegate and the demo IdP; returns the session cookie and CSRF token. */
async function signIn(base, user) {
  const jar = new Map();
  const go = async (url, init = {}) => {
    const res = await fetch(url, {
      ...init,
      redirect: 'manual',
      headers: { ...init.headers, cookie: [...jar].map(([k, v]) => `${k}=${v}`).join('; ') },
    });
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const at = pair.indexOf('=');
      jar.set(pair.slice(0, at).trim(), pair.slice(at + 1).trim());
    }
    return res;
  };
  let url = `${base}/auth/oidc/demo/login`;
  let res = await go(url);
  while (res.status >= 300 && res.status < 400) res = await go((url = new URL(res.headers.get('location'), url).href));
  const action = /<form[^>]*action="([^"]*)"/i.exec(await res.text())?.[1]?.replace(/&amp;/g, '&');
  url = new URL(action, url).href;
  res = await go(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ user }),
  });
  while (res.status >= 300 && res.status < 400) {
    url = new URL(res.headers.get('location'), url).href;
    if (url.startsWith(base) && !url.includes('/auth/oidc/')) break;
    res = await go(url);
  }
  const session = [...jar].filter(([name]) => name.includes('rolegate_session'));
  const cookie = session.map(([k, v]) => `${k}=${v}`).join('; ');
  const me = await (await fetch(`${base}/api/v1/me`, { headers: { cookie } })).json();
  if (!me.csrfToken) throw new Error(`sign-in as ${user} failed`);
  return { cookie, csrfToken: me.csrfToken };
}

/**
 * The CLI's tokens for a signed-in session, as `rolegate login` gets them: authorize with PKCE, the
 * consent approved in the session, the code exchanged. Returns the tokens.json the CLI reads.
 */
async function cliTokens(base, session) {
  const verifier = randomBytes(32).toString('base64url');
  const challenge = createHash('sha256').update(verifier).digest('base64url');
  const redirectUri = 'http://127.0.0.1:53682/callback';
  const authorize = new URL('/oauth/authorize', base);
  for (const [k, v] of Object.entries({
    response_type: 'code',
    client_id: 'rolegate-cli',
    redirect_uri: redirectUri,
    code_challenge: challenge,
    code_challenge_method: 'S256',
    state: 'bench',
  }))
    authorize.searchParams.set(k, v);
  const page = await (await fetch(authorize, { headers: { cookie: session.cookie, accept: 'text/html' } })).text();
  const field = (name) =>
    new RegExp(`<input[^>]*name="${name}"[^>]*value="([^"]*)"`, 'i')
      .exec(page)?.[1]
      ?.replace(/&quot;/g, '"')
      .replace(/&amp;/g, '&');
  const decided = await fetch(new URL('/oauth/authorize/decision', base), {
    method: 'POST',
    headers: { cookie: session.cookie, accept: 'text/html', origin: base, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ _csrf: field('_csrf') ?? '', consent: field('consent') ?? '', decision: 'approve' }),
  });
  const next = /<meta http-equiv="refresh" content="0;url=([^"]+)"/.exec(await decided.text())?.[1]?.replace(/&amp;/g, '&');
  const code = next === undefined ? null : new URL(next).searchParams.get('code');
  if (!code) throw new Error(`the CLI sign-in was not approved (${decided.status})`);
  const res = await fetch(new URL('/oauth/token', base), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      client_id: 'rolegate-cli',
      code,
      redirect_uri: redirectUri,
      code_verifier: verifier,
      device_name: 'bench',
    }),
  });
  const tokens = await res.json();
  if (res.status !== 200) throw new Error(`token exchange failed: ${res.status} ${JSON.stringify(tokens)}`);
  const now = Date.now();
  return {
    version: 1,
    broker: base,
    clientId: 'rolegate-cli',
    accessToken: tokens.access_token,
    accessTokenExpiresAt: now + tokens.expires_in * 1000,
    refreshToken: tokens.refresh_token,
    refreshTokenExpiresAt: now + 3_600_000,
    deviceName: 'bench',
    obtainedAt: now,
  };
}

/** A loopback proxy in front of the local STS that counts the calls it forwards. */
async function countingProxy(target) {
  const upstream = new URL(target);
  // stsMs: time spent on STS calls, from a request's arrival to its answer's last byte.
  const proxy = { count: 0, stsMs: 0 };
  const server = createServer((req, res) => {
    proxy.count++;
    const arrived = performance.now();
    res.once('finish', () => (proxy.stsMs += performance.now() - arrived));
    const forward = httpRequest(
      { host: upstream.hostname, port: upstream.port, path: req.url, method: req.method, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    forward.on('error', () => res.destroy());
    req.pipe(forward);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  proxy.url = `http://127.0.0.1:${server.address().port}`;
  proxy.close = () => new Promise((resolve) => server.close(resolve));
  return proxy;
}

async function freePort() {
  const server = createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}
