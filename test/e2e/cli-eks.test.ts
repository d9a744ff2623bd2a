import { execFile, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { tmpdir } from 'node:os';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyEksToken } from '../../devstack/eks/verify-eks-token.js';
import { runCli, type CliHome } from '../support/cli-process.js';
import { brokerCredentialRequests, cliSignedIn, startCliWorld, type ProcessCredentials } from '../support/cli-world.js';
import { SANDBOX, type ExchangeWorld } from '../support/exchange-world.js';

let world: ExchangeWorld;
let home: CliHome;
beforeAll(async () => {
  world = await startCliWorld();
  home = await cliSignedIn(world, await world.signIn('alice'));
}, 90_000);
afterAll(async () => {
  await world.close();
});

interface ExecCredential {
  kind: string;
  apiVersion: string;
  spec: object;
  status: { expirationTimestamp: string; token: string };
}

async function eksToken(cluster: string, role = 'sandbox/Developer', h = home): Promise<ExecCredential> {
  const result = await runCli(['eks', 'token', '--cluster', cluster, role], h);
  expect(result.code, result.stderr).toBe(0);
  return JSON.parse(result.stdout) as ExecCredential;
}

/** What the cluster's authenticator webhook says (the devstack's stand-in for aws-iam-authenticator). */
async function tokenReview(
  cluster: string,
  token: string,
): Promise<{ authenticated: boolean; user?: Record<string, unknown>; error?: string }> {
  const res = await fetch(`${world.devstack.stsUrl}/eks/${cluster}/authenticate`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ apiVersion: 'authentication.k8s.io/v1beta1', kind: 'TokenReview', spec: { token } }),
  });
  expect(res.status).toBe(200);
  return ((await res.json()) as { status: { authenticated: boolean; user?: Record<string, unknown>; error?: string } }).status;
}

const urlOf = (token: string) => new URL(Buffer.from(token.slice('k8s-aws-v1.'.length), 'base64url').toString('utf8'));
const tokenOf = (url: string) => `k8s-aws-v1.${Buffer.from(url).toString('base64url')}`;

describe('rolegate eks token', () => {
  it('when kubectl runs it, then it prints an ExecCredential whose token the cluster’s authenticator accepts as the role', async () => {
    const credential = await eksToken('demo');
    expect(credential).toMatchObject({ kind: 'ExecCredential', apiVersion: 'client.authentication.k8s.io/v1beta1', spec: {} });
    const { token, expirationTimestamp } = credential.status;
    expect(token).toMatch(/^k8s-aws-v1\.[A-Za-z0-9_-]+$/);
    const url = urlOf(token);
    expect(url.host).toBe('sts.us-east-1.amazonaws.com');
    expect(url.searchParams.get('Action')).toBe('GetCallerIdentity');
    expect(url.searchParams.get('X-Amz-Expires')).toBe('60');
    expect(url.searchParams.get('X-Amz-SignedHeaders')).toBe('host;x-k8s-aws-id');
    expect(expirationTimestamp).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
    const ahead = Date.parse(expirationTimestamp) - Date.now();
    expect(ahead).toBeGreaterThan(13 * 60_000);
    expect(ahead).toBeLessThanOrEqual(14 * 60_000);
    const review = await tokenReview('demo', token);
    expect(review, review.error).toMatchObject({
      authenticated: true,
      user: { username: `arn:aws:iam::${SANDBOX}:role/Developer`, extra: { sessionName: ['alice'] } },
    });
  });

  it('when the token was signed for another cluster, then that cluster’s authenticator refuses it (STS: signature mismatch)', async () => {
    const { status } = await eksToken('demo');
    const review = await tokenReview('other-cluster', status.token);
    expect(review.authenticated).toBe(false);
    expect(review.error).toContain('sts getCallerIdentity failed');
    expect(review.error).toContain('SignatureDoesNotMatch');
  });

  it('when kubectl asks again before the token expires, then the same token is printed without asking the broker or signing again', async () => {
    const first = await eksToken('cached-cluster', 'prod/ReadOnly');
    const requests = await brokerCredentialRequests(world);
    const again = await eksToken('cached-cluster', 'prod/ReadOnly');
    expect(again).toEqual(first);
    expect(await brokerCredentialRequests(world)).toBe(requests);
  });

  it('when the token is older than 15 minutes, then the authenticator refuses it', async () => {
    const { status } = await eksToken('demo');
    const later = () => new Date(Date.now() + 16 * 60_000);
    await expect(verifyEksToken(status.token, { clusterId: 'demo', stsUrl: world.devstack.stsUrl, now: later })).rejects.toThrow(
      'X-Amz-Date parameter is expired (15 minute expiration)',
    );
  });

  it('when a token is tampered with, then the authenticator refuses it as aws-iam-authenticator would', async () => {
    const { status } = await eksToken('demo');
    const url = urlOf(status.token);
    const variant = (change: (u: URL) => void) => {
      const copy = new URL(url.href);
      change(copy);
      return tokenOf(copy.href);
    };
    const cases: [string, string][] = [
      [status.token.replace('k8s-aws-v1.', 'k8s-aws-v2.'), 'missing expected "k8s-aws-v1." prefix'],
      [`${status.token}!`, 'illegal base64 data'],
      [`k8s-aws-v1.${'A'.repeat(5000)}`, 'token is too large'],
      [variant((u) => (u.protocol = 'http:')), 'unexpected scheme "http"'],
      [variant((u) => (u.host = 'sts.evil.example')), 'unexpected hostname "sts.evil.example"'],
      [variant((u) => (u.pathname = '/other')), 'unexpected path'],
      [variant((u) => u.searchParams.set('Action', 'AssumeRole')), 'unexpected action parameter'],
      [variant((u) => u.searchParams.set('X-Amz-SignedHeaders', 'host')), 'did not sign the x-k8s-aws-id header'],
      [variant((u) => u.searchParams.set('X-Amz-Expires', '901')), 'invalid X-Amz-Expires'],
      [variant((u) => u.searchParams.append('Extra', '1')), 'non-whitelisted query parameter "Extra"'],
      [variant((u) => u.searchParams.append('Action', 'GetCallerIdentity')), 'multiple values not supported'],
      [variant((u) => u.searchParams.set('X-Amz-Signature', '0'.repeat(64))), 'SignatureDoesNotMatch'],
    ];
    for (const [token, error] of cases) {
      const review = await tokenReview('demo', token);
      expect(review.authenticated, error).toBe(false);
      expect(review.error).toContain(error);
    }
  });

  it('when the real AWS CLI makes the token (aws eks get-token), then the devstack authenticator accepts it too', async () => {
    const credentials = JSON.parse((await runCli(['env', 'sandbox/Developer', '--format', 'json'], home)).stdout) as ProcessCredentials;
    const run = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(
        '/usr/bin/aws',
        ['eks', 'get-token', '--cluster-name', 'demo', '--region', 'us-east-1', '--output', 'json'],
        {
          env: {
            PATH: process.env.PATH ?? '/usr/bin:/bin',
            HOME: home.home,
            AWS_CONFIG_FILE: path.join(home.home, 'no-config'),
            AWS_SHARED_CREDENTIALS_FILE: path.join(home.home, 'no-credentials'),
            AWS_ACCESS_KEY_ID: credentials.AccessKeyId,
            AWS_SECRET_ACCESS_KEY: credentials.SecretAccessKey,
            AWS_SESSION_TOKEN: credentials.SessionToken,
            AWS_EC2_METADATA_DISABLED: 'true',
          },
          timeout: 60_000,
        },
        (error, stdout, stderr) => resolve({ code: error ? 1 : 0, stdout, stderr }),
      );
    });
    expect(run.code, run.stderr).toBe(0);
    const token = (JSON.parse(run.stdout) as ExecCredential).status.token;
    expect((await tokenReview('demo', token)).authenticated).toBe(true);
    // The AWS CLI loads botocore's EKS model before it signs anything: seconds on a busy machine,
    // so this test is bounded by the CLI's own 60 s limit above, not vitest's default.
  }, 90_000);

  it('when the cluster or region is malformed, or no role is named, then exit 2', async () => {
    for (const args of [
      ['--cluster', 'a b', 'sandbox/Developer'],
      ['--cluster', 'demo', '--region', 'mars-1', 'sandbox/Developer'],
      ['--cluster', 'demo'],
    ]) {
      const result = await runCli(['eks', 'token', ...args], home);
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stderr).toMatch(/\nhint: /);
    }
  });
});

describe('rolegate configure --kubeconfig with kubectl', () => {
  /** A Kubernetes API server stand-in that authenticates each request with the cluster's token webhook, as EKS does. */
  // client-go sends exec-plugin credentials over TLS only: the stand-in has a throwaway self-signed certificate.
  let api: Server;
  let apiUrl: string;
  let caData: string;
  beforeAll(async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'rolegate-kube-'));
    const made = spawnSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-keyout',
        `${dir}/key.pem`,
        '-out',
        `${dir}/cert.pem`,
        '-days',
        '1',
        '-subj',
        '/CN=127.0.0.1',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
      ],
      { encoding: 'utf8' },
    );
    expect(made.status, made.stderr).toBe(0);
    const cert = readFileSync(`${dir}/cert.pem`);
    caData = cert.toString('base64');
    api = createHttpsServer({ cert, key: readFileSync(`${dir}/key.pem`) }, (req, res) => {
      const bearer = /^Bearer (\S+)$/.exec(req.headers.authorization ?? '')?.[1];
      void (async () => {
        const review = bearer === undefined ? { authenticated: false } : await tokenReview('kube-demo', bearer);
        if (!review.authenticated) {
          res.writeHead(401, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', message: 'Unauthorized', code: 401 }));
          return;
        }
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Success', message: `you are ${String(review.user?.username)}` }),
        );
      })();
    });
    await new Promise<void>((resolve) => api.listen(0, '127.0.0.1', resolve));
    apiUrl = `https://127.0.0.1:${String((api.address() as AddressInfo).port)}`;
  });
  afterAll(() => {
    api.close();
  });

  it('when configure writes the context, then kubectl authenticates to the cluster as the role through rolegate eks token', async () => {
    const dir = path.join(home.home, 'kube');
    mkdirSync(dir, { recursive: true });
    const file = path.join(dir, 'config');
    // Other entries must survive.
    const mine = `# my kubeconfig\napiVersion: v1\nkind: Config\nclusters:\n- name: other\n  cluster:\n    server: https://other.example\ncontexts:\n- name: other\n  context:\n    cluster: other\n    user: me\nusers:\n- name: me\n  user:\n    token: abc\ncurrent-context: other\n`;
    writeFileSync(file, mine, { mode: 0o600 });
    const cluster = ['--cluster', 'kube-demo', '--server', apiUrl, '--certificate-authority-data', caData];
    const dry = await runCli(['configure', '--kubeconfig', file, ...cluster, 'sandbox/Developer', '--dry-run'], home);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toContain('+   - name: rolegate-sandbox-Developer-kube-demo');
    expect(readFileSync(file, 'utf8')).toBe(mine);

    const configured = await runCli(['configure', '--kubeconfig', file, ...cluster, 'sandbox/Developer'], home);
    expect(configured.code, configured.stderr).toBe(0);
    const written = readFileSync(file, 'utf8');
    expect(written).toContain('# my kubeconfig');
    expect(written).toContain('token: abc');
    expect(written).toContain('current-context: other');
    expect(written).toContain('interactiveMode: Never');

    const kubectl = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(
        'kubectl',
        ['--kubeconfig', file, '--context', 'rolegate-sandbox-Developer-kube-demo', 'get', '--raw', '/api/v1/namespaces/default/pods'],
        { env: { ...home.env }, timeout: 60_000 },
        (error, stdout, stderr) => resolve({ code: error ? 1 : 0, stdout, stderr }),
      );
    });
    expect(kubectl.code, kubectl.stderr).toBe(0);
    expect(kubectl.stdout).toContain(`you are arn:aws:iam::${SANDBOX}:role/Developer`);

    // Again (the cluster now in the file): no change.
    const again = await runCli(['configure', '--kubeconfig', file, '--cluster', 'kube-demo', 'sandbox/Developer'], home);
    expect(again.stderr).toContain('No change to');
  });

  it('when the file has no such cluster and no --server is given, or the role is not the user’s, then it says so', async () => {
    const file = path.join(home.home, 'kube', 'empty');
    const missing = await runCli(['configure', '--kubeconfig', file, '--cluster', 'nowhere', 'sandbox/Developer'], home);
    expect(missing).toMatchObject({ code: 8, stderr: expect.stringContaining('has no cluster named nowhere') as string });
    const notMine = await runCli(
      ['configure', '--kubeconfig', file, '--cluster', 'x', '--server', 'https://x.example', 'prod/Admin'],
      home,
    );
    expect(notMine.code).toBe(5);
    const stray = await runCli(['configure', '--cluster', 'x'], home);
    expect(stray.code).toBe(2);
  });
});
