import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext } from 'playwright-core';

/** Debian's chromium (package chromium, /usr/bin/chromium); CI installs it with apt in .ci/run. */
export const CHROMIUM = '/usr/bin/chromium';

export interface RealBrowser {
  browser: Browser;
  /** A fresh context (cookies, storage) per test. */
  newContext(): Promise<BrowserContext>;
  close(): Promise<void>;
}

/**
 * Headless Chromium driven by playwright-core, one per test file: launched
 * with a fresh profile directory, no background networking, loopback only.
 */
export async function launchRealBrowser(): Promise<RealBrowser> {
  // playwright-core gives launch() a fresh temporary profile (--user-data-dir) of its own and removes it on close;
  // a directory of ours is only where Chromium keeps its other scratch files.
  const profile = mkdtempSync(join(tmpdir(), 'rolegate-chromium-'));
  const browser = await chromium.launch({
    env: { ...process.env, TMPDIR: profile },
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  return {
    browser,
    newContext: () => browser.newContext({ viewport: { width: 1000, height: 800 } }),
    close: async () => {
      await browser.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
