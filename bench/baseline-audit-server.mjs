// The floor for any design that keeps rolegate's promise "no audit row, no
// credentials": the bare baseline (one Redis GET of a same-sized value) plus
// committing one audit row per request with rolegate's own audit writer
// (group commit, one prepared INSERT in flight) into rolegate's own
// audit_events table. No framework, session, entitlement or logging.
import { createServer } from 'node:http';
import path from 'node:path';
import pg from 'pg';
import { createClient } from 'redis';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const { PgAuditLog } = await import(path.join(root, 'dist/adapters/db/pg-audit-log.js'));

const redis = createClient({ url: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379' });
await redis.connect();
const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 4 });
const audit = new PgAuditLog(
  { query: async (text, values, name) => (await pool.query(name ? { name, text, values } : { text, values })).rows },
  JSON.parse(process.env.AUDIT_OPTIONS ?? '{}'),
);
const key = `rolegate-bench:baseline-audit:${process.pid}`;
await redis.set(key, 'x'.repeat(Number(process.env.VALUE_BYTES ?? 1800)), { expiration: { type: 'EX', value: 600 } });
let requests = 0;
const server = createServer(async (req, res) => {
  req.resume();
  const value = await redis.get(key);
  // The row rolegate writes for a cached answer (same columns and sizes).
  await audit.record({
    type: 'credentials.issue',
    outcome: 'success',
    subject: 'demo:alice',
    idp: 'demo',
    groups: ['aws-dev', 'everyone'],
    accountId: '111111111111',
    roleArn: 'arn:aws:iam::111111111111:role/Developer',
    mode: 'saml',
    durationSeconds: 3600,
    sourceIp: req.socket.remoteAddress,
    userAgent: req.headers['user-agent'],
    requestId: `baseline-audit-${++requests}`,
    details: {
      source: 'cache',
      sessionName: 'alice',
      accessKeyIdPrefix: 'ASIAEXAMPLE0',
      expiresAt: new Date().toISOString(),
      viaGroups: ['aws-dev'],
    },
  });
  res.setHeader('Content-Type', 'application/json');
  res.end(value);
});
server.listen(0, '127.0.0.1', () => console.log(`listening http://127.0.0.1:${server.address().port}`));
process.on('SIGTERM', () => {
  server.close();
  void Promise.all([redis.close(), pool.end()]).then(() => process.exit(0));
});
