import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allShellBlocks, type DocBlock } from '../support/doc-commands.js';
import { formField } from '../support/browser.js';
import { builtCli, startCli, type CliHome } from '../support/cli-process.js';
import { signInThroughDemoIdp, type SignedIn } from '../support/exchange-world.js';
import { freePort } from '../support/ports.js';
import { repoRoot, startService, type ServiceProcess } from '../support/service-process.js';
import { waitFor } from '../support/wait.js';

// "Every command the README and docs show must work as written" (issue 16). This walks every
// fenced sh/bash block of README.md and docs/*.md and runs its commands, in order, in one bash per
// block, against a started demo (`dist-devstack/demo/run-demo.js`, what `npm start` runs), signed
// in to the CLI as alice. What differs from a reader's machine, and why:
// - The demo listens on free ports, not 8080/4566 (test files run in parallel on one machine):
//   `localhost:8080` and `127.0.0.1:4566` in a command are replaced by the ports it got.
// - `rolegate` is the built CLI (dist/cli/main.js), as `npm link` would put it on PATH.
// - `aws` is /usr/bin/aws; a command that addresses real AWS (no --endpoint-url, as in production)
//   gets the devstack STS's --endpoint-url added, since the demo's AWS is the devstack.
// - The "browser" the CLI opens (`$BROWSER`) is curl, following the URL to its end.
// Commands that cannot run here are listed below, each with why; the test fails when the docs no
// longer show one of them (so the list cannot rot) and runs every command not on it.
const CANNOT_RUN: Record<string, string> = {
  'npm ci && npm start': 'installs and starts a second demo; this test runs what `npm start` runs (the demo launcher), already built',
  'npm test': 'this test is part of `npm test`',
  'rolegate request --account prod --role Admin --duration 1h --reason "rotate the database password" [--ticket OPS-17]':
    'the demo access file has no eligible mapping and [--ticket …] is optional syntax; test/e2e/cli-just-in-time.test.ts requests, approves and cancels with the built CLI',
  'rolegate request --role prod/Admin --role prod/DBA --duration 1h --reason "rotate the database password"':
    'the demo access file has no eligible mapping (and no DBA role); test/e2e/cli-just-in-time.test.ts asks for several roles with the built CLI',
  'rolegate request --role prod/Admin --duration 1h --reason "rotate the database password" --wait':
    'waits for an approver; test/e2e/cli-just-in-time.test.ts runs it while bob approves and denies with the built CLI',
  'rolegate approve <id> [--comment "go ahead"]': '<id> is a placeholder; test/e2e/cli-just-in-time.test.ts',
  'rolegate deny <id> [--comment "not during the freeze"]': '<id> is a placeholder; test/e2e/cli-just-in-time.test.ts',
  'rolegate cancel <id>': '<id> is a placeholder; test/e2e/cli-just-in-time.test.ts',
  'npm start': 'as above: the demo this test starts',
  'npm run devstack': 'starts a long-running devstack on the default ports; test/e2e/demo-launcher.test.ts starts the same code',
  'npm run build && npm link': 'installs the CLI globally for the user; here `rolegate` is the built CLI on PATH',
  'rolegate login --broker https://rolegate.corp.example': 'the example company broker; the test signs in to the demo beforehand',
  'node dist/cli/main.js login --broker http://localhost:8080':
    'a person signs in at the demo IdP in the browser it opens; the test signs in the same CLI with a device code (`--no-browser`), confirmed as alice, beforehand',
  'rolegate exec sandbox/Developer -- terraform plan':
    'Terraform is not installed here; `rolegate exec` is tested with other programs in test/e2e/cli-role-commands.test.ts',
  'rolegate configure --kubeconfig --cluster prod-eks prod/ReadOnly --server https://…': 'the server URL is a placeholder (…)',
  'rolegate configure --kubeconfig --cluster prod-eks prod/ReadOnly --server https://ABCDEF.gr7.us-east-1.eks.amazonaws.com --certificate-authority-data LS0t…':
    'an example cluster (placeholder certificate); test/e2e/cli-eks.test.ts writes and uses a kubeconfig entry against the devstack',
  'kubectl --context rolegate-prod-ReadOnly-prod-eks get pods': 'kubectl is not installed here and the cluster is an example',
  'rolegate serve --ecs sandbox/Developer':
    'keeps running until stopped; test/e2e/cli-serve.test.ts runs it with the SDK’s container provider',
  'rolegate serve --ecs': 'keeps running until stopped; test/e2e/cli-serve.test.ts',
  'rolegate serve --imds sandbox/Developer': 'keeps running until stopped; test/e2e/cli-serve.test.ts runs it with the SDK’s IMDS provider',
  'rolegate apply -f access.yaml --dry-run':
    'needs an access file of your own and an admin’s session (alice is not an admin); test/e2e/admin-access.test.ts',
  'eval "$(rolegate shell-init zsh)"': 'zsh is not installed here; test/e2e/cli-shell.test.ts checks the zsh code',
  'rolegate shell-init fish | source': 'fish is not installed here',
  'rolegate shell-init pwsh | Out-String | Invoke-Expression': 'PowerShell is not installed here',
  'source <(rolegate completion zsh)': 'zsh is not installed here',
  'rolegate completion fish | source': 'fish is not installed here',
  'rolegate completion powershell | Out-String | Invoke-Expression': 'PowerShell is not installed here',
  'rolegate iam-template --account prod --format cloudformation > rolegate-prod.cfn.json':
    'needs an admin’s session (alice is not an admin); test/e2e/iam-template.test.ts runs it as bob',
  'rolegate iam-template --account prod --format terraform --hub-principal arn:aws:iam::999999999999:role/rolegate > rolegate.tf':
    'as above',
  'rolegate iam-template --all --format aws-cli --out-dir iam/': 'as above',
  'ROLEGATE_HUB_PRINCIPAL_ARN=arn:aws:iam::999999999999:role/rolegate AWS_PROFILE=prod-admin sh iam/rolegate-iam-prod.sh':
    'changes IAM in a real AWS account (the prod-admin profile)',
  'rolegate doctor':
    'needs an admin’s or auditor’s session and exits 16 on the demo (its IAM was never set up from the template); test/e2e/doctor-aws-cli.test.ts runs it as bob',
  'rolegate doctor --account prod --hub-principal arn:aws:iam::999999999999:role/rolegate': 'as above',
  'rolegate doctor --reader-role-name rolegate-doctor --json': 'as above',
  'npm run keys -- status': 'signing-key rotation runs against the production database; test/e2e/signing-keys-command.test.ts',
  'npm run keys -- prepare': 'as above',
  'npm run keys -- promote': 'as above',
  'npm run keys -- purge': 'as above',
  'curl -o rolegate-metadata.xml https://rolegate.corp.example/saml/metadata': 'the example company broker',
  'aws iam update-saml-provider --saml-provider-arn arn:aws:iam::111122223333:saml-provider/rolegate --saml-metadata-document file://rolegate-metadata.xml':
    'updates an IAM SAML provider in a real AWS account',
};

/** What a command's output must show, beyond exiting 0. */
const EXPECTED_OUTPUT: Record<string, RegExp> = {
  'rolegate roles': /sandbox\s+111111111111\s+Developer/,
  'aws sts get-caller-identity --profile sandbox-Developer': /arn:aws:sts::111111111111:assumed-role\/Developer\//,
  'aws sts get-caller-identity --profile sandbox-Developer --endpoint-url http://127.0.0.1:4566': /assumed-role\/Developer\//,
  'aws sts get-caller-identity': /arn:aws:sts::111111111111:assumed-role\/Developer\//,
  'AWS_ACCESS_KEY_ID=AKIADEVSTACKBROKER01 AWS_SECRET_ACCESS_KEY=devstack-demo-secret-not-for-production-use aws sts get-caller-identity --endpoint-url http://127.0.0.1:4566 --region us-east-1':
    /arn:aws:iam::111111111111:user\/rolegate-broker"/,
};

const blocks = allShellBlocks(repoRoot);
let demo: ServiceProcess;
let dataDir: string;
let url: string;
let stsUrl: string;
let home: CliHome;
let homeRoot: string | undefined;
let bin: string;
let alice: SignedIn;

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(tmpdir(), 'rolegate-docs-demo-'));
  demo = startService({
    script: path.join(repoRoot, 'dist-devstack/demo/run-demo.js'),
    env: { ROLEGATE_PORT: String(await freePort()), DEVSTACK_STS_PORT: '0', DEVSTACK_IDP_PORT: '0', ROLEGATE_DATA_DIR: dataDir },
  });
  const banner = await waitFor(
    () => {
      if (demo.child.exitCode !== null) throw new Error(`the demo exited: ${demo.stderr()}`);
      return demo.stdout().includes('Stop with Ctrl-C') ? demo.stdout() : undefined;
    },
    'the demo banner',
    // PGlite's first start on a busy machine.
    90_000,
  );
  url = /Portal\s+(http:\S+?)\/portal\s/.exec(banner)?.[1] ?? '';
  stsUrl = /Local STS\s+(http:\S+)/.exec(banner)?.[1] ?? '';

  const root = mkdtempSync(path.join(tmpdir(), 'rolegate-docs-home-'));
  homeRoot = root;
  bin = path.join(root, 'bin');
  mkdirSync(bin);
  const configDir = path.join(root, 'config');
  mkdirSync(configDir, { mode: 0o700 });
  script('rolegate', `#!/bin/sh\nexec ${JSON.stringify(process.execPath)} ${JSON.stringify(builtCli)} "$@"\n`);
  script(
    'aws',
    [
      '#!/bin/sh',
      '# The demo’s AWS is the devstack: a command written for real AWS gets its STS endpoint.',
      'case " $* " in *" --endpoint-url "*) exec /usr/bin/aws "$@" ;; esac',
      `exec /usr/bin/aws "$@" --endpoint-url ${stsUrl}`,
      '',
    ].join('\n'),
  );
  script('stand-in-browser', `#!/bin/sh\nexec curl -fsSL -c "$HOME/browser-cookies" -o "$HOME/browser-page.html" "$1"\n`);
  home = {
    home: root,
    configDir,
    env: {
      PATH: `${bin}:${process.env.PATH ?? '/usr/bin:/bin'}`,
      HOME: root,
      ROLEGATE_CONFIG_DIR: configDir,
      LANG: 'C.UTF-8',
      BROWSER: path.join(bin, 'stand-in-browser'),
    },
  };
  alice = await signInThroughDemoIdp(url, 'alice');
}, 150_000);

afterAll(() => {
  demo.kill();
  rmSync(dataDir, { recursive: true, force: true });
  if (homeRoot) rmSync(homeRoot, { recursive: true, force: true });
});

function script(name: string, text: string): void {
  writeFileSync(path.join(bin, name), text);
  chmodSync(path.join(bin, name), 0o755);
}

/** `rolegate login --no-browser` as alice, the code confirmed on the demo's device page, unless the CLI is signed in already. */
async function ensureSignedIn(): Promise<void> {
  const whoami = await startCli(['whoami'], home).exit();
  if (whoami.code === 0) return;
  const cli = startCli(['login', '--broker', url, '--no-browser', '--device-name', 'docs-walker'], home);
  const [, userCode = ''] = await cli.waitForStderr(/enter the code:\s+([A-Z]{4}-[A-Z]{4})/, 'the user code');
  const page = await (await alice.browser.request(`${url}/device?user_code=${userCode}`, { headers: { accept: 'text/html' } })).text();
  const confirmed = await alice.browser.request(`${url}/device`, {
    method: 'POST',
    form: { _csrf: formField(page, '_csrf') ?? '', user_code: formField(page, 'user_code') ?? '', decision: 'approve' },
  });
  expect(confirmed.status).toBe(200);
  const result = await cli.exit();
  expect(result.code, result.stderr).toBe(0);
}

/** The command with the demo's real ports in place of the documented defaults. */
function onThisDemo(command: string): string {
  return command.replaceAll('http://localhost:8080', url).replaceAll('http://127.0.0.1:4566', stsUrl);
}

interface Ran {
  command: string;
  where: string;
  code: number | null;
  output: string;
}

/** Runs a block's runnable commands in one bash (in the repository, as a reader would), each one's output apart. */
function runBlock(block: DocBlock): Promise<{ ran: Ran[]; stderr: string }> {
  const runnable = block.commands.filter((c) => !(c.command in CANNOT_RUN));
  const lines = runnable.flatMap((c, i) => [`echo "::begin ${String(i)}"`, onThisDemo(c.command), `echo "::end ${String(i)} $?"`]);
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['--noprofile', '--norc', '-c', lines.join('\n')], { cwd: repoRoot, env: home.env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.once('error', reject);
    child.once('close', () => {
      clearTimeout(timer);
      const ran = runnable.map((c, i) => {
        const segment = new RegExp(`::begin ${String(i)}\\n([\\s\\S]*?)::end ${String(i)} (\\d+)\\n`).exec(stdout);
        return { command: c.command, where: c.where, code: segment ? Number(segment[2]) : null, output: segment?.[1] ?? '' };
      });
      resolve({ ran, stderr });
    });
  });
}

describe('every shell command in README.md and docs/*.md', () => {
  it('lists only commands the docs still show as the ones that cannot run here', () => {
    const shown = new Set(blocks.flatMap((b) => b.commands.map((c) => c.command)));
    expect(Object.keys(CANNOT_RUN).filter((command) => !shown.has(command))).toEqual([]);
    expect(Object.keys(EXPECTED_OUTPUT).filter((command) => !shown.has(command))).toEqual([]);
    // The walk covers something: the README's own demo commands run.
    expect([...shown].filter((c) => !(c in CANNOT_RUN)).length).toBeGreaterThanOrEqual(10);
  });

  for (const block of blocks.filter((b) => b.commands.some((c) => !(c.command in CANNOT_RUN)))) {
    it(`runs the block at ${block.where} as written`, async () => {
      await ensureSignedIn();
      const { ran, stderr } = await runBlock(block);
      for (const r of ran) {
        expect(r.code, `${r.where}: \`${r.command}\` exited ${String(r.code)}\n${r.output}\nstderr:\n${stderr}`).toBe(0);
        const wanted = EXPECTED_OUTPUT[r.command];
        if (wanted) expect(r.output, `${r.where}: \`${r.command}\``).toMatch(wanted);
      }
      if (block.commands.some((c) => c.command.startsWith('rolegate console'))) {
        // The stand-in browser followed the one-time sign-in URL to the (devstack) console.
        expect(existsSync(path.join(home.home, 'browser-page.html'))).toBe(true);
        expect(readFileSync(path.join(home.home, 'browser-page.html'), 'utf8')).toContain('Signed in to the devstack console');
      }
    }, 120_000);
  }
});
