// The cost of rolegate's HTTP stack (logging, metrics, security headers,
// request ids) on its cheapest route, beside a bare node:http server answering
// the same JSON — both measured now, on this machine, with the same load.
import { createServer } from 'node:http';
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { load, table } from './support.mjs';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');

const bare = createServer((_req, res) => {
  res.setHeader('Content-Type', 'application/json');
  res.end('{"status":"ok"}');
});
await new Promise((resolve) => bare.listen(0, '127.0.0.1', resolve));
const bareUrl = `http://127.0.0.1:${bare.address().port}/healthz`;

const child = spawn(process.execPath, [path.join(root, 'dist/main.js')], {
  cwd: mkdtempSync(path.join(tmpdir(), 'rolegate-bench-')),
  env: { PATH: process.env.PATH, ROLEGATE_PORT: '0', LOG_LEVEL: 'info' },
  stdio: ['ignore', 'pipe', 'inherit'],
});
const rolegateUrl = await new Promise((resolve, reject) => {
  let out = '';
  child.stdout.on('data', (chunk) => {
    out += chunk;
    const match = out.match(/"url":"(http:\/\/[^"]+)"/);
    if (match) resolve(`${match[1]}/healthz`);
  });
  child.once('exit', () => reject(new Error('rolegate exited')));
});
const rows = [];
rows.push({ name: 'bare node:http', ...(await load(bareUrl)) });
rows.push({ name: 'rolegate /healthz', ...(await load(rolegateUrl)) });
console.log(table(rows));
console.log(`rolegate / bare throughput: ${(rows[1].requestsPerSecond / rows[0].requestsPerSecond).toFixed(2)}`);
child.kill('SIGTERM');
bare.close();
