// npm run docs:screenshots — regenerates the README's pictures (docs/img/*.png) from the demo.
//
// Starts the built demo (dist-devstack/demo/run-demo.js, what `npm start` runs) on free ports with a
// throwaway data directory, or uses a demo already running when ROLEGATE_URL names it (a fresh one
// gives the same pictures every time). Drives headless Chromium (/usr/bin/chromium, or
// CHROMIUM_PATH) through the portal as the demo people: alice's roles and CLI credentials, her CLI
// sessions page, bob's break-glass prompt, the sign-in chooser after signing out, and just-in-time
// access (docs/just-in-time.md): bob applies the demo access file with alice eligible for prod Admin,
// alice's request form, bob's approvals inbox, and the granted role on alice's /portal.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Page } from 'playwright-core';

const repoRoot = fileURLToPath(new URL('..', import.meta.url));
const imageDir = path.join(repoRoot, 'docs/img');

async function main(): Promise<void> {
  const demo = process.env.ROLEGATE_URL ? { url: process.env.ROLEGATE_URL.replace(/\/+$/, ''), stop: () => undefined } : await startDemo();
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
  });
  try {
    mkdirSync(imageDir, { recursive: true });
    const page = await (await browser.newContext({ viewport: { width: 1000, height: 800 } })).newPage();
    const shot = async (name: string) => {
      await page.screenshot({ path: path.join(imageDir, `${name}.png`), fullPage: true });
      process.stdout.write(`wrote docs/img/${name}.png\n`);
    };

    await signIn(page, demo.url, 'Alice Example');
    // A favourite, so the picture shows the pinned section too.
    const star = page.locator('section.account').getByRole('button', { name: 'Favourite Developer in sandbox' });
    if ((await star.getAttribute('aria-pressed')) !== 'true') {
      await star.click();
      await page.waitForURL(`${demo.url}/portal`);
    }
    await shot('portal-roles');

    const developer = page.locator('section.account li.role').filter({ has: page.locator('.role-name', { hasText: /^Developer$/ }) });
    await developer.getByRole('button', { name: 'CLI credentials for Developer in sandbox' }).click();
    await page.locator('[data-countdown]').waitFor();
    await shot('portal-cli-credentials');

    // One `rolegate login --no-browser` of alice's, so the CLI sessions page lists a machine.
    await deviceLogin(page, demo.url, 'alice-laptop');
    await page.goto(`${demo.url}/portal/cli-sessions`);
    await shot('portal-cli-sessions');

    await signOut(page, demo.url);
    await shot('login-chooser');

    await page.getByRole('link', { name: 'Sign in with Demo IdP' }).click();
    await page.getByRole('button', { name: 'Sign in as Bob Example' }).click();
    await page.waitForURL(`${demo.url}/portal`);
    await page.locator('.break-glass').getByRole('button', { name: 'CLI credentials for BreakGlass in prod' }).click();
    await page.getByLabel(/^Justification/).waitFor();
    await shot('portal-break-glass');

    // Just-in-time access: bob (rolegate-admins) makes alice's group eligible for prod Admin.
    await applyAccess(page, demo.url, eligibleAdmin);
    await signOut(page, demo.url);
    await signInAgain(page, demo.url, 'Alice Example');
    await page.goto(`${demo.url}/portal/requests/new?role=222222222222/Admin`);
    await page.getByLabel(/^Duration/).fill('2h');
    await page.getByLabel(/^Reason/).fill('rotate the prod database password');
    await shot('portal-request-form');
    await page.getByRole('button', { name: 'Request access' }).click();
    await page.waitForURL(`${demo.url}/portal/requests`);
    await signOut(page, demo.url);

    await signInAgain(page, demo.url, 'Bob Example');
    await page.goto(`${demo.url}/portal/approvals`);
    const item = page.locator('article.inbox-item').filter({ hasText: 'alice: Admin in prod' });
    await item.waitFor();
    await shot('portal-approvals');
    await item.getByRole('button', { name: 'Approve' }).click();
    await page.waitForURL(/\/portal\/requests\/[0-9a-f-]{36}$/);
    await signOut(page, demo.url);

    await signInAgain(page, demo.url, 'Alice Example');
    await page.locator('.badge-grant').first().waitFor();
    await shot('portal-granted');
    await signOut(page, demo.url);
  } finally {
    await browser.close();
    demo.stop();
  }
}

/** The demo access file with alice's group (aws-dev) eligible for prod Admin, approved by aws-admin (bob). */
const eligibleAdmin = `${readFileSync(path.join(repoRoot, 'config/demo-access.yaml'), 'utf8').trimEnd()}
  - group: aws-dev
    role: arn:aws:iam::222222222222:role/Admin
    access: eligible
    approval:
      approverGroups: [aws-admin]
      maxGrant: 4h
`;

/** Applies an access file as the signed-in administrator (POST /api/v1/admin/access/apply). */
async function applyAccess(page: Page, url: string, yaml: string): Promise<void> {
  const me = (await (await page.request.get(`${url}/api/v1/me`)).json()) as { csrfToken: string };
  const applied = await page.request.post(`${url}/api/v1/admin/access/apply`, {
    headers: { 'x-csrf-token': me.csrfToken },
    data: { yaml, source: 'screenshots' },
  });
  if (applied.status() !== 200) throw new Error(`applying the access file failed: ${String(applied.status())} ${await applied.text()}`);
}

/** After signOut: from the sign-in chooser through the demo IdP as `person`. */
async function signInAgain(page: Page, url: string, person: string): Promise<void> {
  await page.getByRole('link', { name: 'Sign in with Demo IdP' }).click();
  await page.getByRole('button', { name: `Sign in as ${person}` }).click();
  await page.waitForURL(`${url}/portal`);
}

/** Runs the built CLI's device-code login with a throwaway config directory and approves the code in `page` (signed in). */
async function deviceLogin(page: Page, url: string, deviceName: string): Promise<void> {
  const configDir = mkdtempSync(path.join(tmpdir(), 'rolegate-screenshots-cli-'));
  try {
    const cli = spawn(
      process.execPath,
      [path.join(repoRoot, 'dist/cli/main.js'), 'login', '--broker', url, '--no-browser', '--device-name', deviceName],
      {
        env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: configDir, ROLEGATE_CONFIG_DIR: configDir },
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    const exited = new Promise<number | null>((resolve) => cli.once('close', resolve));
    let stderr = '';
    const code = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no user code from rolegate login:\n${stderr}`)), 30_000);
      cli.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString('utf8');
        const found = /enter the code:\s+([A-Z]{4}-[A-Z]{4})/.exec(stderr);
        if (found?.[1]) {
          clearTimeout(timer);
          resolve(found[1]);
        }
      });
    });
    await page.goto(`${url}/device?user_code=${code}`);
    await page.getByRole('button', { name: 'Allow' }).click();
    if ((await exited) !== 0) throw new Error(`rolegate login failed:\n${stderr}`);
  } finally {
    rmSync(configDir, { recursive: true, force: true });
  }
}

async function signIn(page: Page, url: string, person: string): Promise<void> {
  await page.goto(`${url}/portal`);
  await page.getByRole('button', { name: `Sign in as ${person}` }).click();
  await page.waitForURL(`${url}/portal`);
}

/** Signs out of rolegate and of the demo IdP, so the next person can sign in. */
async function signOut(page: Page, url: string): Promise<void> {
  await page.getByRole('button', { name: 'Sign out', exact: true }).click();
  await page.getByRole('button', { name: 'Sign out of the demo IdP' }).click();
  await page.waitForURL(`${url}/login?loggedOut=1`);
}

async function startDemo(): Promise<{ url: string; stop: () => void }> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'rolegate-screenshots-'));
  const child: ChildProcess = spawn(process.execPath, [path.join(repoRoot, 'dist-devstack/demo/run-demo.js')], {
    cwd: repoRoot,
    env: {
      ...process.env,
      ROLEGATE_PORT: String(await freePort()),
      DEVSTACK_STS_PORT: '0',
      DEVSTACK_IDP_PORT: '0',
      ROLEGATE_DATA_DIR: dataDir,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const stop = () => {
    child.kill('SIGTERM');
    rmSync(dataDir, { recursive: true, force: true });
  };
  let output = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the demo did not start within 90 s:\n${output}`)), 90_000);
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
      const portal = /Portal\s+(http:\S+?)\/portal\s/.exec(output);
      if (portal?.[1] && output.includes('Stop with Ctrl-C')) {
        clearTimeout(timer);
        resolve(portal[1]);
      }
    });
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the demo exited (${String(code)}) before it was ready:\n${output}`));
    });
  }).catch((error: unknown) => {
    stop();
    throw error;
  });
  return { url, stop };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

main().catch((error: unknown) => {
  process.stderr.write(`screenshots failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
