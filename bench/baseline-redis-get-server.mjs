// The baseline: a bare node:http server that answers every request with one
// Redis GET of a value the size of a credentials answer. Nothing else: no
// framework, no session, no logging, no audit.
import { createServer } from 'node:http';
import { createClient } from 'redis';

const redis = createClient({ url: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379' });
await redis.connect();
const key = `rolegate-bench:baseline:${process.pid}`;
await redis.set(key, 'x'.repeat(Number(process.env.VALUE_BYTES ?? 1800)), { expiration: { type: 'EX', value: 600 } });
const server = createServer(async (req, res) => {
  req.resume();
  const value = await redis.get(key);
  res.setHeader('Content-Type', 'application/json');
  res.end(value);
});
server.listen(0, '127.0.0.1', () => console.log(`listening http://127.0.0.1:${server.address().port}`));
process.on('SIGTERM', () => {
  server.close();
  void redis.close().then(() => process.exit(0));
});
