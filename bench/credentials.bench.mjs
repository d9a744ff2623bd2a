// Issue 5 benchmarks, each beside a baseline measured in the same run:
//  (a) cached POST /api/v1/credentials at 64 connections (autocannon), against
//      a bare node:http server doing one Redis GET of a same-sized value;
//  (b) 1,000 concurrent cold requests for one (user, role): STS calls made and
//      time to the last answer.
// rolegate runs built (dist/main.js) on the real PostgreSQL and Redis, with the
// devstack's demo IdP and local STS (behind a counting proxy).
import { createServer, request as httpRequest } from 'node:http';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import pg from 'pg';
import { createClient } from 'redis';
import { load, startChild, table } from './support.mjs';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const { startDevstack } = await import(path.join(root, 'dist/devstack/start-devstack.js'));
const postgresUrl = process.env.TEST_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
const redisUrl = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const DURATION = Number(process.env.BENCH_SECONDS ?? 10);

const cleanups = [];
try {
  // A database and a Redis prefix of this run's own.
  const dbName = `rolegate_bench_${randomBytes(4).toString('hex')}`;
  await admin(`CREATE DATABASE ${dbName}`);
  cleanups.push(() => admin(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`));
  const databaseUrl = Object.assign(new URL(postgresUrl), { pathname: `/${dbName}` }).href;
  const prefix = `rolegate-bench:${randomBytes(4).toString('hex')}:`;

  const port = await freePort();
  const publicUrl = `http://127.0.0.1:${port}`;
  const devstack = await startDevstack({ rolegateUrl: publicUrl });
  cleanups.push(() => devstack.close());
  const sts = await countingProxy(devstack.stsUrl);
  cleanups.push(() => sts.close());

  const rolegate = startChild(path.join(root, 'dist/main.js'), {
    cwd: root,
    // BENCH_PROFILE=<dir> writes a CPU profile of rolegate there.
    nodeArgs: process.env.BENCH_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE}`] : [],
    ready: /"msg":"rolegate is listening"/,
    env: {
      DATABASE_URL: databaseUrl,
      REDIS_URL: redisUrl,
      ROLEGATE_REDIS_PREFIX: prefix,
      ROLEGATE_PORT: String(port),
      ROLEGATE_PUBLIC_URL: publicUrl,
      ROLEGATE_AUTO_MIGRATE: 'true',
      ROLEGATE_ENCRYPTION_KEYS: randomBytes(32).toString('base64'),
      ROLEGATE_STS_ENDPOINT: sts.url,
      ROLEGATE_SESSION_NAME_IDP: 'demo',
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
      LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'info', // as in production: one line per request
    },
  });
  cleanups.push(() => rolegate.stop());
  rolegate.child.stdout.resume();
  await rolegate.started;

  await seedAccessModel(databaseUrl, prefix);
  const alice = await signIn(publicUrl, 'alice');
  const ask = (body) => ({
    method: 'POST',
    headers: { cookie: alice.cookie, 'x-csrf-token': alice.csrfToken, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const warm = await fetch(`${publicUrl}/api/v1/credentials`, ask({ alias: 'sandbox', role: 'Developer' }));
  const warmBody = await warm.text();
  if (warm.status !== 200) throw new Error(`warm-up failed: ${warm.status} ${warmBody}`);

  // (a) cached answers vs the bare baseline.
  const baseline = startChild(path.join(root, 'bench/baseline-redis-get-server.mjs'), {
    ready: /listening (http:\/\/\S+)/,
    env: { REDIS_URL: redisUrl, VALUE_BYTES: String(Buffer.byteLength(warmBody)) },
  });
  cleanups.push(() => baseline.stop());
  const baselineUrl = await baseline.started;
  const rows = [];
  rows.push({
    name: 'baseline: node:http + 1 Redis GET',
    ...(await load(baselineUrl, { connections: 64, duration: DURATION, pid: baseline.child.pid })),
  });
  rows.push({
    name: 'rolegate POST /api/v1/credentials (cached)',
    ...(await load(`${publicUrl}/api/v1/credentials`, {
      connections: 64,
      duration: DURATION,
      pid: rolegate.child.pid,
      ...ask({ alias: 'sandbox', role: 'Developer' }),
    })),
  });
  console.log(`(a) cached credentials at 64 connections, ${DURATION} s each, answer ${Buffer.byteLength(warmBody)} bytes`);
  console.log(table(rows));
  const [base, ours] = rows;
  console.log(
    `rolegate/baseline: throughput ${(ours.requestsPerSecond / base.requestsPerSecond).toFixed(2)} (target ≥ 0.50), p99 ${(ours.p99 / base.p99).toFixed(2)}× (target ≤ 2), CPU per request ${(ours.cpuUsPerRequest / base.cpuUsPerRequest).toFixed(1)}×`,
  );

  // (b) 1,000 concurrent cold requests for one (user, role, duration).
  const before = sts.count;
  const started = performance.now();
  const answers = await Promise.all(
    Array.from({ length: 1000 }, () =>
      fetch(`${publicUrl}/api/v1/credentials`, ask({ alias: 'sandbox', role: 'Developer', durationSeconds: 5400 })).then(async (r) => ({
        status: r.status,
        key: r.status === 200 ? (await r.json()).credentials.accessKeyId : await r.text(),
      })),
    ),
  );
  const elapsed = performance.now() - started;
  const ok = answers.filter((a) => a.status === 200);
  console.log(`\n(b) 1,000 concurrent cold requests for one (user, role)`);
  console.log(
    `STS calls: ${sts.count - before} (target 1); answers 200: ${ok.length}/1000; distinct credentials: ${new Set(ok.map((a) => a.key)).size}; time to the last answer: ${elapsed.toFixed(0)} ms`,
  );
} finally {
  for (const cleanup of cleanups.reverse()) await Promise.resolve(cleanup()).catch(() => undefined);
}
process.exit(0);

async function admin(sql) {
  const client = new pg.Client({ connectionString: postgresUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
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
  const redis = createClient({ url: redisUrl });
  await redis.connect();
  await redis.publish(`${prefix}access-model-changed`, 'bench');
  await redis.close();
  await new Promise((resolve) => setTimeout(resolve, 300)); // the instance reloads on the message
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

/** A loopback proxy in front of the local STS that counts the calls it forwards. */
async function countingProxy(target) {
  const upstream = new URL(target);
  const proxy = { count: 0 };
  const server = createServer((req, res) => {
    proxy.count++;
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
