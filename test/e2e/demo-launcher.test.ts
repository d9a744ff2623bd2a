import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CredentialsResponse } from '../../src/contracts/credentials.js';
import { signInThroughDemoIdp } from '../support/exchange-world.js';
import { freePort } from '../support/ports.js';
import { repoRoot, startService, type ServiceProcess } from '../support/service-process.js';
import { waitFor } from '../support/wait.js';

// The script `npm start` runs once it has built rolegate and the devstack, read from package.json so
// this test starts the demo exactly as users do (the devstack is built apart, into dist-devstack/).
const startScript = (JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { scripts: { start: string } }).scripts.start;
const demoScript = /&& node (\S+)$/.exec(startScript)?.[1];

// `npm start` on a fresh clone: no configuration, no DATABASE_URL, no REDIS_URL.
describe('the demo launcher (npm start)', () => {
  let demo: ServiceProcess;
  let dataDir: string;
  let url: string;
  let stsUrl: string;

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'rolegate-demo-'));
    const port = await freePort();
    expect(demoScript, `npm start is "${startScript}"`).toBe('dist-devstack/demo/run-demo.js');
    demo = startService({
      script: path.join(repoRoot, demoScript ?? ''),
      env: { ROLEGATE_PORT: String(port), DEVSTACK_STS_PORT: '0', DEVSTACK_IDP_PORT: '0', ROLEGATE_DATA_DIR: dataDir },
    });
    const banner = await waitFor(
      () => {
        const text = demo.stdout();
        if (demo.child.exitCode !== null) throw new Error(`the demo exited: ${demo.stderr()}`);
        return text.includes('Stop with Ctrl-C') ? text : undefined;
      },
      'the demo banner',
      // Embedded PGlite's first start dominates; on a loaded 2-core CI machine it has taken ~60 s.
      120_000,
    );
    url = /Portal\s+(http:\S+?)\/portal\s/.exec(banner)?.[1] ?? '';
    stsUrl = /Local STS\s+(http:\S+)/.exec(banner)?.[1] ?? '';
  }, 150_000);

  afterAll(() => {
    demo.kill();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('when it starts, then the banner names the portal, the local STS and the demo users', () => {
    expect(url).toMatch(/^http:\/\/localhost:\d+$/);
    expect(stsUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(demo.stdout()).toMatch(/alice\s+alice@example\.com\s+groups: aws-dev, aws-readonly/);
  });

  it('when alice signs in through the demo IdP, then she sees her roles and her credentials work against the local STS', async () => {
    const alice = await signInThroughDemoIdp(url, 'alice');
    const roles = (await (await alice.api('/api/v1/roles')).json()) as { accounts: { alias: string; roles: { name: string }[] }[] };
    const sandbox = roles.accounts.find((a) => a.alias === 'sandbox');
    expect(sandbox?.roles.map((r) => r.name)).toEqual(expect.arrayContaining(['Developer', 'ReadOnly']));

    // All three exchange modes work on the demo's wiring: SAML, web identity, and rolegate's own keys.
    for (const [role, mode] of [
      ['Developer', 'saml'],
      ['WebIdentityDeveloper', 'web-identity'],
      ['BrokerDeveloper', 'assume-role'],
    ] as const) {
      const answer = await alice.api('/api/v1/credentials', { method: 'POST', body: { alias: 'sandbox', role } });
      expect(answer.status, `${mode}: ${await answer.clone().text()}`).toBe(200);
      const { credentials } = (await answer.json()) as CredentialsResponse;
      const sts = new STSClient({
        region: 'us-east-1',
        endpoint: stsUrl,
        credentials: {
          accessKeyId: credentials.accessKeyId,
          secretAccessKey: credentials.secretAccessKey,
          sessionToken: credentials.sessionToken,
        },
      });
      const identity = await sts.send(new GetCallerIdentityCommand({}));
      expect(identity.Arn).toMatch(new RegExp(`^arn:aws:sts::111111111111:assumed-role/${role}/.*alice`));
    }
  });

  it('when bob signs in, then he is a rolegate admin and sees who can take which role', async () => {
    const bob = await signInThroughDemoIdp(url, 'bob');
    const page = await bob.browser.request(`${url}/admin/mappings?by=role`, { headers: { accept: 'text/html' } });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('arn:aws:iam::222222222222:role/breakglass/BreakGlass');
    const alice = await signInThroughDemoIdp(url, 'alice');
    expect((await alice.api('/api/v1/admin/audit')).status).toBe(403);
  });

  it('when it gets SIGTERM, then it stops cleanly with exit code 0', async () => {
    demo.child.kill('SIGTERM');
    expect(await demo.exit()).toEqual({ code: 0, signal: null });
  });
});
