import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { fromHttp } from '@aws-sdk/credential-provider-http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builtCli, runCli, startCli, type CliHome } from '../support/cli-process.js';
import { brokerCredentialRequests, callerArnOf, cliSignedIn, startCliWorld } from '../support/cli-world.js';
import { waitFor } from '../support/wait.js';
import { PROD, SANDBOX, type ExchangeWorld, type SignedIn } from '../support/exchange-world.js';

// The real AWS CLI v2 (Debian package awscli). Another `aws` may come first on PATH.
const AWS = '/usr/bin/aws';

let world: ExchangeWorld;
let alice: SignedIn;
let home: CliHome;
beforeAll(async () => {
  world = await startCliWorld();
  alice = await world.signIn('alice');
  home = await cliSignedIn(world, alice);
}, 90_000);
afterAll(async () => {
  await world.close();
});

interface AwsRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the real AWS CLI against the local STS only: throwaway files, no IMDS, nothing inherited but PATH. */
function aws(args: string[], env: Record<string, string>): Promise<AwsRun> {
  const isolated = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: home.home,
    AWS_SHARED_CREDENTIALS_FILE: path.join(home.home, 'no-credentials'),
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_PAGER: '',
    AWS_MAX_ATTEMPTS: '1',
    ...env,
  };
  return new Promise((resolve) => {
    execFile(
      AWS,
      [...args, '--endpoint-url', world.devstack.stsUrl, '--output', 'json'],
      { env: isolated, timeout: 60_000 },
      (error, stdout, stderr) => {
        resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
      },
    );
  });
}

describe('rolegate roles', () => {
  it('when signed in, then a table lists account alias, id, role, longest session and description', async () => {
    const { code, stdout, stderr } = await runCli(['roles'], home);
    expect(code, stderr).toBe(0);
    const lines = stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^ACCOUNT\s+ID\s+ROLE\s+MAX\s+DESCRIPTION$/);
    expect(lines).toContainEqual(expect.stringMatching(new RegExp(`^sandbox\\s+${SANDBOX}\\s+Developer\\s+12h\\s+Developer in sandbox$`)));
    expect(lines).toContainEqual(expect.stringMatching(new RegExp(`^prod\\s+${PROD}\\s+BrokerReadOnly\\s+`)));
  });

  it('when --json, then the broker’s answer is printed as JSON', async () => {
    const { code, stdout } = await runCli(['roles', '--json'], home);
    expect(code).toBe(0);
    const body = JSON.parse(stdout) as { accounts: { alias: string; roles: { name: string }[] }[] };
    expect(body.accounts.map((a) => [a.alias, a.roles.map((r) => r.name)])).toEqual([
      ['prod', ['BrokerReadOnly', 'ReadOnly']],
      ['sandbox', ['BrokerDeveloper', 'Developer', 'ReadOnly', 'WebIdentityDeveloper']],
    ]);
  });

  it('when the user has a break-glass role, then it is marked as such', async () => {
    const bobHome = await cliSignedIn(world, await world.signIn('bob'));
    const { code, stdout } = await runCli(['roles'], bobHome);
    expect(code).toBe(0);
    expect(stdout).toMatch(/BreakGlass \(break-glass\)/);
    expect(stdout).toContain('every use needs --justification');
  });
});

describe('rolegate exec', () => {
  it('when a command runs, then it sees the role’s credentials (not AWS_PROFILE) and its exit code is rolegate’s', async () => {
    const script =
      'const e = process.env; console.log(JSON.stringify({ id: e.AWS_ACCESS_KEY_ID, secret: e.AWS_SECRET_ACCESS_KEY, token: e.AWS_SESSION_TOKEN, expiration: e.AWS_CREDENTIAL_EXPIRATION, profile: e.AWS_PROFILE ?? null, region: e.AWS_REGION ?? null, args: process.argv.slice(1) })); process.exit(7)';
    const { code, stdout, stderr } = await runCli(
      ['exec', '--account', 'sandbox', '--role', 'Developer', '--', process.execPath, '-e', script, 'one', '--two'],
      home,
      { AWS_PROFILE: 'someone-else' },
    );
    expect(code, stderr).toBe(7);
    const seen = JSON.parse(stdout) as {
      id: string;
      secret: string;
      token: string;
      expiration: string;
      profile: null;
      region: string | null;
      args: string[];
    };
    expect(seen.profile).toBeNull();
    // No region chosen: the account's home region, so `aws …` works without --region.
    expect(seen.region).toBe('us-east-1');
    expect(seen.args).toEqual(['one', '--two']);
    expect(seen.expiration).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
    const arn = await callerArnOf(world, {
      Version: 1,
      AccessKeyId: seen.id,
      SecretAccessKey: seen.secret,
      SessionToken: seen.token,
      Expiration: seen.expiration,
    });
    expect(arn).toBe(`arn:aws:sts::${SANDBOX}:assumed-role/Developer/alice`);
  });

  it('when the command is killed by a signal, then rolegate ends by the same signal', async () => {
    const run = startCli(
      ['exec', '--account', 'sandbox', '--role', 'Developer', '--', process.execPath, '-e', "process.kill(process.pid, 'SIGTERM')"],
      home,
    );
    const { code } = await run.exit();
    expect(code).toBeNull();
    expect(run.child.signalCode).toBe('SIGTERM');
  });

  it('when rolegate gets SIGTERM, then the command gets it, and rolegate exits with the command’s code', async () => {
    const script =
      "process.on('SIGTERM', () => { console.log('command got SIGTERM'); process.exit(5); }); console.error('ready'); setInterval(() => {}, 1000);";
    const run = startCli(['exec', '--account', 'sandbox', '--role', 'Developer', '--', process.execPath, '-e', script], home);
    await run.waitForStderr(/ready/, 'the command to start');
    run.child.kill('SIGTERM');
    const { code, stdout } = await run.exit();
    expect(stdout).toBe('command got SIGTERM\n');
    expect(code).toBe(5);
  });

  it('when the command does not exist, then exit 2 naming it', async () => {
    const { code, stderr } = await runCli(['exec', '--account', 'sandbox', '--role', 'Developer', '--', 'no-such-command-here'], home);
    expect(code).toBe(2);
    expect(stderr).toContain('command not found: no-such-command-here');
  });
});

describe('rolegate configure', { timeout: 120_000 }, () => {
  it('when run, then the real AWS CLI signs requests with a generated profile as the signed-in user, and other profiles are untouched', async () => {
    const dir = path.join(home.home, 'aws');
    mkdirSync(dir, { recursive: true });
    const configFile = path.join(dir, 'config');
    const mine =
      '# my settings\n[default]\nregion = eu-west-1\n\n[sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\nsso_region = eu-west-1\n';
    writeFileSync(configFile, mine, { mode: 0o644 });

    // --dry-run: the diff, nothing written.
    const dry = await runCli(['configure', '--prefix', 'rg-', '--dry-run'], home, { AWS_CONFIG_FILE: configFile });
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toContain('+ [profile rg-sandbox-Developer]');
    expect(readFileSync(configFile, 'utf8')).toBe(mine);

    const { code, stderr } = await runCli(['configure', '--prefix', 'rg-'], home, { AWS_CONFIG_FILE: configFile });
    expect(code, stderr).toBe(0);
    expect(stderr).toContain(`Updated ${configFile}:`);
    const written = readFileSync(configFile, 'utf8');
    expect(written.startsWith(mine)).toBe(true);
    expect(written).toContain(
      `[profile rg-sandbox-Developer]\ncredential_process = ${process.execPath} ${builtCli} credential-process --account ${SANDBOX} --role Developer\nregion = us-east-1\n`,
    );
    const backups = readdirSync(dir).filter((f) => f.startsWith('config.rolegate-backup-'));
    expect(backups).toHaveLength(1);
    expect(readFileSync(path.join(dir, backups[0] ?? ''), 'utf8')).toBe(mine);

    // Again: nothing changes, no new backup.
    const again = await runCli(['configure', '--prefix', 'rg-'], home, { AWS_CONFIG_FILE: configFile });
    expect(again.stderr).toContain(`No change to ${configFile}`);
    expect(readdirSync(dir).filter((f) => f.startsWith('config.rolegate-backup-'))).toHaveLength(1);

    const identity = await aws(['sts', 'get-caller-identity', '--profile', 'rg-sandbox-Developer'], {
      AWS_CONFIG_FILE: configFile,
      ROLEGATE_CONFIG_DIR: home.configDir,
    });
    expect(identity.code, identity.stderr).toBe(0);
    expect(JSON.parse(identity.stdout)).toMatchObject({ Account: SANDBOX, Arn: `arn:aws:sts::${SANDBOX}:assumed-role/Developer/alice` });
  });
});

describe('rolegate serve --ecs', { timeout: 120_000 }, () => {
  it('when running, then the SDK container provider and the real AWS CLI get the role’s credentials with the token, and others get 401/403', async () => {
    const server = startCli(['serve', '--ecs', '--account', 'sandbox', '--role', 'ReadOnly'], home);
    try {
      await server.waitForStderr(/Serving container credentials/, 'the endpoint');
      const uri = /^export AWS_CONTAINER_CREDENTIALS_FULL_URI=(\S+)$/m.exec(server.stdout())?.[1] ?? '';
      const token = /^export AWS_CONTAINER_AUTHORIZATION_TOKEN=(\S+)$/m.exec(server.stdout())?.[1] ?? '';
      expect(uri).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
      expect(token.length).toBeGreaterThanOrEqual(40);

      expect((await fetch(uri)).status).toBe(401);
      expect((await fetch(uri, { headers: { authorization: `${token}x` } })).status).toBe(403);
      const raw = await fetch(uri, { headers: { authorization: token } });
      expect(raw.status).toBe(200);
      const body = (await raw.json()) as Record<string, unknown>;
      expect(Object.keys(body).sort()).toEqual(['AccessKeyId', 'AccountId', 'Expiration', 'RoleArn', 'SecretAccessKey', 'Token']);

      const sdk = new STSClient({
        endpoint: world.devstack.stsUrl,
        region: 'us-east-1',
        maxAttempts: 1,
        credentials: fromHttp({ awsContainerCredentialsFullUri: uri, awsContainerAuthorizationToken: token }),
      });
      expect((await sdk.send(new GetCallerIdentityCommand({}))).Arn).toBe(`arn:aws:sts::${SANDBOX}:assumed-role/ReadOnly/alice`);

      const before = await brokerCredentialRequests(world);
      const identity = await aws(['sts', 'get-caller-identity', '--region', 'us-east-1'], {
        AWS_CONFIG_FILE: path.join(home.home, 'no-config'),
        AWS_CONTAINER_CREDENTIALS_FULL_URI: uri,
        AWS_CONTAINER_AUTHORIZATION_TOKEN: token,
      });
      expect(identity.code, identity.stderr).toBe(0);
      expect(JSON.parse(identity.stdout)).toMatchObject({ Arn: `arn:aws:sts::${SANDBOX}:assumed-role/ReadOnly/alice` });
      // Served from memory: the broker was not asked again.
      expect(await brokerCredentialRequests(world)).toBe(before);
    } finally {
      server.child.kill('SIGTERM');
    }
    const { code } = await server.exit();
    expect(code).toBe(0);
  });

  it('when the credentials come within the refresh margin, then they are fetched again in the background, before anyone asks', async () => {
    // A margin just under the credentials' hour: the first background refresh is due at once (after the 10 s floor).
    const server = startCli(['serve', '--ecs', '--account', 'prod', '--role', 'ReadOnly', '--refresh-margin', '3590'], home);
    try {
      await server.waitForStderr(/Serving container credentials/, 'the endpoint');
      const served = await brokerCredentialRequests(world);
      await waitFor(async () => ((await brokerCredentialRequests(world)) > served ? true : undefined), 'a background refresh', 30_000, 250);
    } finally {
      server.child.kill('SIGTERM');
    }
    expect((await server.exit()).code).toBe(0);
  });
});

describe('rolegate console', () => {
  it('when --print, then the one-time console sign-in URL of the federation endpoint is printed on stdout', async () => {
    const { code, stdout, stderr } = await runCli(['console', '--account', 'sandbox', '--role', 'Developer', '--print'], home);
    expect(code, stderr).toBe(0);
    expect(stdout.trim()).toMatch(/^https?:\/\/\S+Action=login\S*SigninToken=/);
    expect(stdout.trim().startsWith(world.devstack.federationUrl)).toBe(true);
    expect(stderr).toContain('use it once');
    expect(existsSync(path.join(home.configDir, 'tokens.json'))).toBe(true);
  });
});
