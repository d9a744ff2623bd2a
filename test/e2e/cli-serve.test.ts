import { execFile } from 'node:child_process';
import { request } from 'node:http';
import path from 'node:path';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { fromContainerMetadata, fromInstanceMetadata } from '@aws-sdk/credential-providers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, startCli, type CliHome, type CliRun } from '../support/cli-process.js';
import { cliSignedIn, startCliWorld } from '../support/cli-world.js';
import { SANDBOX, type ExchangeWorld } from '../support/exchange-world.js';
import { waitFor } from '../support/wait.js';

// The real AWS CLI v2 (Debian package awscli). Another `aws` may come first on PATH.
const AWS = '/usr/bin/aws';

let world: ExchangeWorld;
let home: CliHome;
beforeAll(async () => {
  world = await startCliWorld();
  home = await cliSignedIn(world, await world.signIn('alice'));
}, 90_000);
afterAll(async () => {
  await world.close();
});

function run(program: string, args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(program, args, { env, timeout: 60_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

/** The real AWS CLI against the local STS, with no credentials but what the environment points at. */
function aws(env: Record<string, string>) {
  return run(AWS, ['sts', 'get-caller-identity', '--endpoint-url', world.devstack.stsUrl, '--region', 'us-east-1', '--output', 'json'], {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: home.home,
    AWS_CONFIG_FILE: path.join(home.home, 'no-config'),
    AWS_SHARED_CREDENTIALS_FILE: path.join(home.home, 'no-credentials'),
    AWS_PAGER: '',
    AWS_MAX_ATTEMPTS: '1',
    ...env,
  });
}

/** Starts `rolegate serve …` and waits until it serves; stops it after `use`. */
async function serving<T>(args: string[], use: (server: CliRun) => Promise<T>): Promise<T> {
  const server = startCli(['serve', ...args], home);
  try {
    await server.waitForStderr(/^Serving /m, 'the endpoint', 30_000);
    return await use(server);
  } finally {
    server.child.kill('SIGTERM');
    expect((await server.exit()).code).toBe(0);
  }
}

/** Evaluates what serve printed in sh, then prints the named variables. */
const evalInSh = (stdout: string, names: string[]) =>
  run('sh', ['-ec', `${stdout}\n${names.map((n) => `printf '%s\\n' "$${n}"`).join('\n')}`], { PATH: process.env.PATH ?? '/usr/bin:/bin' });

/** A raw HTTP request (fetch cannot send a Host header of its choosing). */
function raw(url: string, options: { method?: string; headers?: Record<string, string> } = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: options.method ?? 'GET', headers: options.headers }, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

async function withEnv<T>(vars: Record<string, string>, work: () => Promise<T>): Promise<T> {
  const before = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]));
  Object.assign(process.env, vars);
  try {
    return await work();
  } finally {
    for (const [k, v] of Object.entries(before)) {
      if (v === undefined) Reflect.deleteProperty(process.env, k);
      else process.env[k] = v;
    }
  }
}

const sts = (credentials: ReturnType<typeof fromContainerMetadata>) =>
  new STSClient({ endpoint: world.devstack.stsUrl, region: 'us-east-1', maxAttempts: 1, credentials });

describe('rolegate serve --ecs', { timeout: 120_000 }, () => {
  it('when no role is given, then what it prints is valid sh, and a program that names its role in the path gets that role', async () => {
    await serving(['--ecs'], async (server) => {
      const printed = await evalInSh(server.stdout(), ['AWS_CONTAINER_AUTHORIZATION_TOKEN', 'ROLEGATE_CREDENTIALS_BASE_URI']);
      expect(printed.code, printed.stderr).toBe(0);
      const [token = '', base = ''] = printed.stdout.trim().split('\n');
      expect(base).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/role$/);
      expect(server.stdout()).not.toMatch(/^[^#].*[<>]/m);
      const identity = await aws({
        AWS_CONTAINER_CREDENTIALS_FULL_URI: `${base}/sandbox/Developer`,
        AWS_CONTAINER_AUTHORIZATION_TOKEN: token,
      });
      expect(identity.code, identity.stderr).toBe(0);
      expect(JSON.parse(identity.stdout)).toMatchObject({ Arn: `arn:aws:sts::${SANDBOX}:assumed-role/Developer/alice` });
    });
  });

  it('when the SDK’s container provider reads the printed variables, then it gets the role’s credentials', async () => {
    await serving(['--ecs', 'sandbox/ReadOnly'], async (server) => {
      const printed = await evalInSh(server.stdout(), ['AWS_CONTAINER_CREDENTIALS_FULL_URI', 'AWS_CONTAINER_AUTHORIZATION_TOKEN']);
      const [uri = '', token = ''] = printed.stdout.trim().split('\n');
      const arn = await withEnv(
        { AWS_CONTAINER_CREDENTIALS_FULL_URI: uri, AWS_CONTAINER_AUTHORIZATION_TOKEN: token },
        async () => (await sts(fromContainerMetadata({ timeout: 2000, maxRetries: 0 })).send(new GetCallerIdentityCommand({}))).Arn,
      );
      expect(arn).toBe(`arn:aws:sts::${SANDBOX}:assumed-role/ReadOnly/alice`);
      // A browser that somehow had the token is still refused.
      expect((await raw(uri, { headers: { authorization: token, origin: 'https://evil.example' } })).status).toBe(403);
    });
  });

  it('when --bind names another loopback address, then the endpoint is there and the URI says so', async () => {
    await serving(['--ecs', 'sandbox/ReadOnly', '--bind', '127.0.0.2'], (server) => {
      expect(server.stdout()).toMatch(/^export AWS_CONTAINER_CREDENTIALS_FULL_URI=http:\/\/127\.0\.0\.2:\d+\/$/m);
      return Promise.resolve();
    });
  });

  it.each([
    [['--ecs', '--bind', '0.0.0.0'], 'that is every interface'],
    [['--ecs', '--bind', '::'], 'that is every interface'],
    [['--ecs', '--bind', 'localhost'], '--bind needs an IP address'],
    [['--ecs', '--bind', '169.254.170.2'], 'cannot listen on 169.254.170.2'],
    [['--imds', 'sandbox/ReadOnly', '--bind', '127.0.0.1'], '--bind is for --ecs only'],
    [['--ecs', '--imds'], 'exactly one of --ecs or --imds'],
    [[], 'exactly one of --ecs or --imds'],
    [['--imds'], 'no role given'],
  ])('when serve %j, then exit 2 saying why', async (args, message) => {
    const result = await runCli(['serve', ...args], home);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(message);
    expect(result.stderr).toMatch(/\nhint: /);
  });
});

describe('rolegate serve --imds', { timeout: 120_000 }, () => {
  it('when the SDK’s instance metadata provider and the real AWS CLI use it, then both get the role’s credentials', async () => {
    await serving(['--imds', 'sandbox/Developer'], async (server) => {
      const printed = await evalInSh(server.stdout(), ['AWS_EC2_METADATA_SERVICE_ENDPOINT']);
      expect(printed.code, printed.stderr).toBe(0);
      const endpoint = printed.stdout.trim();
      expect(endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
      const arn = await withEnv(
        { AWS_EC2_METADATA_SERVICE_ENDPOINT: endpoint },
        async () => (await sts(fromInstanceMetadata({ timeout: 2000, maxRetries: 0 })).send(new GetCallerIdentityCommand({}))).Arn,
      );
      expect(arn).toBe(`arn:aws:sts::${SANDBOX}:assumed-role/Developer/alice`);
      const identity = await aws({ AWS_EC2_METADATA_SERVICE_ENDPOINT: endpoint });
      expect(identity.code, identity.stderr).toBe(0);
      expect(JSON.parse(identity.stdout)).toMatchObject({ Arn: `arn:aws:sts::${SANDBOX}:assumed-role/Developer/alice` });
    });
  });

  it('when requests skip the token, come through a proxy, from a browser or under another host name, then they are refused', async () => {
    await serving(['--imds', 'sandbox/Developer'], async (server) => {
      const base = /AWS_EC2_METADATA_SERVICE_ENDPOINT='(\S+)\/'/.exec(server.stdout())?.[1] ?? '';
      const tokenFor = (headers: Record<string, string>) => raw(`${base}/latest/api/token`, { method: 'PUT', headers });
      const good = await tokenFor({ 'x-aws-ec2-metadata-token-ttl-seconds': '60' });
      expect(good.status).toBe(200);
      const credentialsPath = `${base}/latest/meta-data/iam/security-credentials/`;
      // IMDSv1 (no token) and wrong tokens: 401.
      expect((await raw(credentialsPath)).status).toBe(401);
      expect((await raw(credentialsPath, { headers: { 'x-aws-ec2-metadata-token': 'forged' } })).status).toBe(401);
      const listed = await raw(credentialsPath, { headers: { 'x-aws-ec2-metadata-token': good.body } });
      expect(listed).toEqual({ status: 200, body: 'Developer' });
      const body = JSON.parse(
        (await raw(`${credentialsPath}Developer`, { headers: { 'x-aws-ec2-metadata-token': good.body } })).body,
      ) as object;
      expect(Object.keys(body)).toEqual(['Code', 'LastUpdated', 'Type', 'AccessKeyId', 'SecretAccessKey', 'Token', 'Expiration']);
      expect((await raw(`${credentialsPath}Other`, { headers: { 'x-aws-ec2-metadata-token': good.body } })).status).toBe(404);
      // Token TTLs outside 1-21600 s, and a PUT that went through a proxy.
      for (const ttl of ['0', '21601', 'abc', '1.5'])
        expect((await tokenFor({ 'x-aws-ec2-metadata-token-ttl-seconds': ttl })).status).toBe(400);
      expect((await tokenFor({})).status).toBe(400);
      expect((await tokenFor({ 'x-aws-ec2-metadata-token-ttl-seconds': '60', 'x-forwarded-for': '10.0.0.1' })).status).toBe(403);
      // Browser-like requests and DNS rebinding (another Host).
      const browserHeaders: Record<string, string>[] = [
        { origin: 'https://evil.example' },
        { referer: 'https://evil.example/' },
        { 'sec-fetch-site': 'cross-site' },
      ];
      for (const headers of browserHeaders) {
        expect((await tokenFor({ 'x-aws-ec2-metadata-token-ttl-seconds': '60', ...headers })).status).toBe(403);
      }
      expect((await tokenFor({ 'x-aws-ec2-metadata-token-ttl-seconds': '60', host: `evil.example:${new URL(base).port}` })).status).toBe(
        403,
      );
      // A token expires with its TTL.
      const short = await tokenFor({ 'x-aws-ec2-metadata-token-ttl-seconds': '1' });
      await waitFor(
        async () =>
          (await raw(credentialsPath, { headers: { 'x-aws-ec2-metadata-token': short.body } })).status === 401 ? true : undefined,
        'the 1 s token to expire',
        10_000,
        200,
      );
    });
  });
});
