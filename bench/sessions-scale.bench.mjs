// Issue 15 target 4, scale of sessions: 100,000 active login sessions and
// 50,000 CLI tokens (grants in PostgreSQL, access tokens in Redis), created
// through rolegate's real stores (dist/), then
//  (a) Redis memory per session, per CLI access token and per cached
//      credential set (INFO memory used_memory before and after, on a Redis of
//      the bench's own so nobody else's keys move it; MEMORY USAGE of one
//      record beside it), against the baseline of the record's own bytes
//      (the JSON or sealed text rolegate writes);
//  (b) PostgreSQL bytes per CLI grant (cli_grants and cli_tokens, with indexes);
//  (b') PostgreSQL bytes per audit row of a credentials answer (rolegate's writer, its table and indexes);
//  (c) the near cache's hit rate over session reads skewed like real traffic
//      (Zipf over users: a few people run most commands), with the bound
//      configured (redis.nearCacheMaxEntries / MaxBytes defaults), against the
//      same trace with no bound (the baseline), in the same run.
// SESSIONS, CLI_TOKENS, CREDENTIAL_SETS and READS scale it down for a quick run.
import { spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import path from 'node:path';
import pg from 'pg';
import { adminSql as admin } from './support.mjs';
import { createClient } from 'redis';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const dist = (p) => import(path.join(root, 'dist', p));
const { RedisKvStore } = await dist('adapters/redis/redis-kv-store.js');
const { entryBytes } = await dist('adapters/redis/near-cache.js');
const { SessionStore } = await dist('features/sessions/session-store.js');
const { AccessTokens } = await dist('features/cli-auth/access-tokens.js');
const { CredentialCache } = await dist('features/credentials/credential-cache.js');
const { AesGcmSealer } = await dist('adapters/crypto/aes-gcm-sealer.js');
const { connectDatabase } = await dist('adapters/db/database.js');
const { migrate } = await dist('adapters/db/migrate.js');
const { PrismaCliGrantStore } = await dist('adapters/db/prisma-cli-grant-store.js');
const { PgAuditLog } = await dist('adapters/db/pg-audit-log.js');

const SESSIONS = Number(process.env.SESSIONS ?? 100_000);
const CLI_TOKENS = Number(process.env.CLI_TOKENS ?? 50_000);
// Grants are written through the PostgreSQL store (a transaction each: tens a second on a busy
// machine); each of the CLI_TOKENS access tokens in Redis belongs to one of them. CLI_GRANTS=50000 for all.
const CLI_GRANTS = Math.min(CLI_TOKENS, Number(process.env.CLI_GRANTS ?? 2_000));
const CREDENTIAL_SETS = Number(process.env.CREDENTIAL_SETS ?? 20_000);
const READS = Number(process.env.READS ?? 300_000);
const AUDIT_ROWS = Number(process.env.AUDIT_ROWS ?? 20_000);
const NEAR_MAX_ENTRIES = 20_000; // redis.nearCacheMaxEntries default
const NEAR_MAX_BYTES = 64 * 1024 * 1024; // redis.nearCacheMaxBytes default
const NEAR_TTL_MS = 10_000; // redis.nearCacheMs default
const postgresUrl = process.env.TEST_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
const silent = { debug() {}, info() {}, warn() {}, error() {}, child: () => silent };
const clock = { now: () => Date.now() };

const cleanups = [];
const mib = (bytes) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
try {
  const redisUrl = await privateRedis();
  const redis = createClient({ url: redisUrl });
  await redis.connect();
  cleanups.push(() => redis.close());
  const usedMemory = async () => Number(/used_memory:(\d+)/.exec(await redis.info('memory'))[1]);

  const kv = await RedisKvStore.connect({
    url: redisUrl,
    keyPrefix: 'rolegate:',
    connectTimeoutMs: 2000,
    commandTimeoutMs: 30_000,
    logger: silent,
  });
  cleanups.push(() => kv.close());

  // --- (a) login sessions
  const sessions = new SessionStore(kv, clock);
  const people = Array.from({ length: SESSIONS }, (_, i) => principal(i));
  let before = await usedMemory();
  const cookies = new Array(SESSIONS);
  let started = performance.now();
  await inParallel(SESSIONS, 128, async (i) => {
    const { cookieValue } = await sessions.create({
      principal: people[i],
      ttlMs: 8 * 3600_000,
      idpSession: { kind: 'saml', nameId: people[i].subject, sessionIndex: `_${randomBytes(16).toString('hex')}` },
    });
    cookies[i] = cookieValue;
  });
  const sessionSeconds = (performance.now() - started) / 1000;
  const perSession = ((await usedMemory()) - before) / SESSIONS;
  const sampleSession = await sessions.get(cookies[0]);
  const sessionJsonBytes = Buffer.byteLength(JSON.stringify(sampleSession));
  const sessionKeyUsage = await redis.memoryUsage(`rolegate:session:${sampleSession.id}`);

  // --- CLI tokens: grants through the PostgreSQL store, access tokens through the Redis one
  const dbName = `rolegate_bench_${randomBytes(4).toString('hex')}`;
  await admin(`CREATE DATABASE ${dbName}`);
  cleanups.push(() => admin(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`));
  const databaseUrl = Object.assign(new URL(postgresUrl), { pathname: `/${dbName}` }).href;
  const migrator = new pg.Client({ connectionString: databaseUrl });
  await migrator.connect();
  await migrate(migrator, silent);
  await migrator.end();
  const database = await connectDatabase({ url: databaseUrl, poolSize: 16, connectTimeoutMs: 5000, logger: silent });
  cleanups.push(() => database.close());
  const grants = new PrismaCliGrantStore(database.prisma);
  const tokens = new AccessTokens(kv, clock, 3600_000);
  const pgBytes = async () =>
    Number(
      (await database.query("SELECT (pg_total_relation_size('cli_grants') + pg_total_relation_size('cli_tokens'))::text AS bytes"))[0]
        .bytes,
    );
  const pgBefore = await pgBytes();
  started = performance.now();
  const created = new Array(CLI_GRANTS);
  await inParallel(CLI_GRANTS, 64, async (i) => {
    const now = new Date();
    created[i] = await grants.createGrant(
      {
        id: randomUUID(),
        clientId: 'rolegate-cli',
        principal: people[i % SESSIONS],
        deviceName: `laptop-${String(i)}`,
        flow: 'device',
        loginSessionId: randomBytes(32).toString('hex'),
        sourceIp: '10.20.30.40',
        now,
        expiresAt: new Date(now.getTime() + 30 * 86400_000),
      },
      randomBytes(32).toString('hex'),
    );
  });
  const grantsPerSecond = CLI_GRANTS / ((performance.now() - started) / 1000);
  const perGrantPg = ((await pgBytes()) - pgBefore) / CLI_GRANTS;
  before = await usedMemory();
  started = performance.now();
  await inParallel(CLI_TOKENS, 128, (i) => tokens.issue(created[i % CLI_GRANTS]));
  const tokensPerSecond = CLI_TOKENS / ((performance.now() - started) / 1000);
  const perAccessToken = ((await usedMemory()) - before) / CLI_TOKENS;
  const g = created[0];
  const accessTokenJsonBytes = Buffer.byteLength(
    JSON.stringify({
      grantId: g.id,
      clientId: g.clientId,
      principal: g.principal,
      deviceName: g.deviceName,
      expiresAt: 0,
      grantExpiresAt: 0,
    }),
  );

  // --- cached credential sets (sealed, with the per-user and per-role index entries)
  const sealer = new AesGcmSealer([randomBytes(32)], 'credential-cache');
  const cache = new CredentialCache(kv, sealer, clock, 5 * 60_000);
  before = await usedMemory();
  let sealedBytes = 0;
  await inParallel(CREDENTIAL_SETS, 128, async (i) => {
    const slot = { principalId: people[i % SESSIONS].id, roleId: `role-${String(i % 500)}`, durationSeconds: 3600 };
    const entry = stsCredentials(people[i % SESSIONS]);
    const key = cache.keyOf(slot);
    await cache.set(key, slot, entry);
    if (i === 0) sealedBytes = (await redis.get(`rolegate:${key}`)).length;
  });
  const perCredentialSet = ((await usedMemory()) - before) / CREDENTIAL_SETS;

  // --- audit rows: what every credentials answer commits
  const audit = new PgAuditLog(database);
  // The table and, when it is partitioned (by time), its partitions, with their indexes.
  const auditBytes = async () =>
    Number(
      (
        await database.query(
          `SELECT (pg_total_relation_size('audit_events') + coalesce((SELECT sum(pg_total_relation_size(relid)) FROM pg_partition_tree('audit_events') WHERE relid <> 'audit_events'::regclass), 0))::text AS bytes`,
        )
      )[0].bytes,
    );
  const auditBefore = await auditBytes();
  await inParallel(AUDIT_ROWS, 256, (i) => audit.record(auditRow(people[i % SESSIONS])));
  const perAuditRow = ((await auditBytes()) - auditBefore) / AUDIT_ROWS;

  const rows = [
    [
      'login session (Redis)',
      perSession,
      sessionJsonBytes,
      `MEMORY USAGE of the session key: ${sessionKeyUsage} B; ${(SESSIONS / sessionSeconds).toFixed(0)} created/s`,
    ],
    ['CLI access token (Redis)', perAccessToken, accessTokenJsonBytes, `${tokensPerSecond.toFixed(0)} issued/s`],
    [
      'CLI grant + refresh token (PostgreSQL)',
      perGrantPg,
      undefined,
      `${CLI_GRANTS.toLocaleString('en')} through the store, ${grantsPerSecond.toFixed(0)}/s; cli_grants + cli_tokens with indexes`,
    ],
    ['cached credential set (Redis)', perCredentialSet, sealedBytes, 'sealed entry + per-user and per-role index members'],
    [
      'audit row of a credentials answer (PostgreSQL)',
      perAuditRow,
      undefined,
      `${AUDIT_ROWS.toLocaleString('en')} rows, table and indexes`,
    ],
  ];
  console.log(
    `(a, b) ${SESSIONS.toLocaleString('en')} sessions, ${CLI_TOKENS.toLocaleString('en')} CLI access tokens (of ${CLI_GRANTS.toLocaleString('en')} grants), ${CREDENTIAL_SETS.toLocaleString('en')} cached credential sets`,
  );
  console.log('record                                          bytes each  baseline: its own bytes  ratio  notes');
  for (const [name, bytes, own, note] of rows) {
    console.log(
      `${name.padEnd(48)}${String(Math.round(bytes)).padStart(10)}  ${String(own ?? '-').padStart(23)}  ${own ? (bytes / own).toFixed(2).padStart(5) : '    -'}  ${note}`,
    );
  }
  const per1000Users = 1000 * (perSession + perAccessToken * (CLI_TOKENS / SESSIONS) + perCredentialSet * 2);
  console.log(
    `Redis per 1,000 users (1 session, ${(CLI_TOKENS / SESSIONS).toFixed(1)} CLI token and 2 cached credential sets each): ${mib(per1000Users)}; target: measured and documented (docs/operations.md, capacity planning)`,
  );
  // --- (c) near-cache hit rate: session reads, Zipf-skewed over users, bounded vs unbounded
  const zipf = zipfSampler(SESSIONS, 1.0);
  const trace = Array.from({ length: READS }, () => cookies[zipf()]);
  const hitRate = async (bound) => {
    const near = await RedisKvStore.connect({
      url: redisUrl,
      keyPrefix: 'rolegate:',
      connectTimeoutMs: 2000,
      commandTimeoutMs: 30_000, // a busy machine must not end the run
      nearCache: { ttlMs: NEAR_TTL_MS, prefixes: ['session:'], ...bound },
      logger: silent,
    });
    try {
      const store = new SessionStore(near, clock);
      const deadline = Date.now() + 5000;
      while (!near.nearCacheLive && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      const t0 = performance.now();
      await inParallel(READS, 32, (i) => store.get(trace[i]));
      const seconds = (performance.now() - t0) / 1000;
      const s = near.nearCacheStats;
      return { rate: s.hits / (s.hits + s.misses + s.shared), readsPerSecond: READS / seconds, ...s };
    } finally {
      await near.close();
    }
  };
  const bounded = await hitRate({ maxEntries: NEAR_MAX_ENTRIES, maxBytes: NEAR_MAX_BYTES });
  const unbounded = await hitRate({ maxEntries: 10_000_000, maxBytes: 16 * 1024 ** 3 });
  const usersSeen = new Set(trace).size;

  console.log(
    `\n(c) near cache over ${READS.toLocaleString('en')} session reads, Zipf (s = 1) over ${SESSIONS.toLocaleString('en')} users (${usersSeen.toLocaleString('en')} distinct read), ttl ${NEAR_TTL_MS / 1000} s`,
  );
  console.log('near cache                                   hit rate  entries  bytes      evictions  reads/s');
  for (const [name, r] of [
    [`bounded: ${NEAR_MAX_ENTRIES.toLocaleString('en')} entries, ${mib(NEAR_MAX_BYTES)} (defaults)`, bounded],
    ['baseline: unbounded', unbounded],
  ]) {
    console.log(
      `${name.padEnd(45)}${(100 * r.rate).toFixed(1).padStart(7)} %  ${String(r.entries).padStart(7)}  ${mib(r.bytes).padStart(9)}  ${String(r.evictions).padStart(9)}  ${r.readsPerSecond.toFixed(0).padStart(7)}`,
    );
  }
  console.log(
    `bounded/unbounded hit rate: ${(bounded.rate / unbounded.rate).toFixed(3)}; target: the bound holds (${bounded.entries} ≤ ${NEAR_MAX_ENTRIES} entries, ${mib(bounded.bytes)} ≤ ${mib(NEAR_MAX_BYTES)}: ${bounded.entries <= NEAR_MAX_ENTRIES && bounded.bytes <= NEAR_MAX_BYTES ? 'yes' : 'NO'}); one session copy ≈ ${entryBytes(`rolegate:session:${sampleSession.id}`, JSON.stringify(sampleSession))} B of the bound`,
  );
} finally {
  for (const cleanup of cleanups.reverse()) await Promise.resolve(cleanup()).catch(() => undefined);
}
process.exit(0);

/** A user as a corporate IdP sends one: a few groups, an email-shaped subject. */
function principal(i) {
  const subject = `user${String(i).padStart(6, '0')}@corp.example.com`;
  return {
    id: `corp:${subject}`,
    idp: 'corp',
    subject,
    username: `user${String(i).padStart(6, '0')}`,
    email: subject,
    displayName: `User ${String(i)}`,
    groups: ['everyone', `team-${String(i % 200)}`, `dept-${String(i % 20)}`, i % 10 === 0 ? 'aws-admins' : 'aws-dev'],
    authn: { methods: ['pwd', 'mfa'], mfa: true, authenticatedAt: Date.now() },
  };
}

/** The row rolegate commits for a cached credentials answer (as bench/baseline-audit-server.mjs writes it). */
function auditRow(person) {
  return {
    type: 'credentials.issue',
    outcome: 'success',
    subject: person.id,
    idp: person.idp,
    groups: person.groups,
    accountId: '111111111111',
    roleArn: 'arn:aws:iam::111111111111:role/Developer',
    mode: 'saml',
    durationSeconds: 3600,
    sourceIp: '10.20.30.40',
    userAgent:
      'aws-cli/2.27.0 md/awscrt#0.26.1 ua/2.1 os/linux#6.1 md/arch#x86_64 lang/python#3.13.4 md/pyimpl#CPython cfg/retry-mode#standard',
    requestId: randomUUID(),
    details: {
      source: 'cache',
      sessionName: person.subject,
      accessKeyIdPrefix: 'ASIAEXAMPLE0',
      expiresAt: new Date().toISOString(),
      viaGroups: [person.groups[3]],
    },
  };
}

/** What STS returns for AssumeRoleWithSAML, in the sizes it has (a session token of ~1,000 characters). */
function stsCredentials(person) {
  const now = Date.now();
  return {
    accessKeyId: `ASIA${randomBytes(8).toString('hex').toUpperCase()}`,
    secretAccessKey: randomBytes(30).toString('base64'),
    sessionToken: randomBytes(750).toString('base64'),
    expiresAt: now + 3600_000,
    assumedRoleArn: `arn:aws:sts::111111111111:assumed-role/Developer/${person.subject}`,
    sessionName: person.subject,
    sourceIdentity: person.subject,
    issuedAt: now,
  };
}

/** Indexes 0..n-1, index k drawn with probability ∝ 1 / (k + 1)^s. */
function zipfSampler(n, s) {
  const cumulative = new Float64Array(n);
  let sum = 0;
  for (let k = 0; k < n; k++) cumulative[k] = sum += 1 / (k + 1) ** s;
  return () => {
    const u = Math.random() * sum;
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cumulative[mid] < u) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
}

async function inParallel(count, width, task) {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(width, count) }, async () => {
      while (next < count) await task(next++);
    }),
  );
}

/** A Redis server of the bench's own (no persistence), so used_memory moves only with what the bench writes. */
async function privateRedis() {
  const port = await new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port: p } = server.address();
      server.close(() => resolve(p));
    });
  });
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  cleanups.push(() => child.kill('SIGTERM'));
  process.once('exit', () => child.kill('SIGKILL'));
  await new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (chunk) => {
      out += chunk;
      if (/Ready to accept connections/.test(out)) resolve();
    });
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`redis-server exited with ${code}: ${out.slice(-500)}`)));
  });
  child.stdout.resume();
  return `redis://127.0.0.1:${String(port)}`;
}
