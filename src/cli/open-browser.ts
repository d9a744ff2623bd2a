import { spawn } from 'node:child_process';
import type { DebugLog } from './debug-log.js';

interface Opener {
  command: string;
  args: string[];
  verbatim?: boolean;
}

/**
 * The command that opens a URL here: `$BROWSER` (the usual convention: a
 * command, `%s` standing for the URL, the first of a `:`-separated list),
 * else the platform's opener — `open` (macOS), `start` (Windows),
 * `xdg-open` (elsewhere, when there is a display). Undefined on a headless machine.
 */
export function openerFor(url: string, env: Readonly<Record<string, string | undefined>>, platform = process.platform): Opener | undefined {
  const browser = env.BROWSER?.split(':')[0]?.trim();
  if (browser) {
    const [command = '', ...rest] = browser.split(/\s+/);
    const args = rest.map((part) => part.replace('%s', url));
    return { command, args: browser.includes('%s') ? args : [...args, url] };
  }
  if (platform === 'darwin') return { command: 'open', args: [url] };
  // `start`'s first quoted argument is a window title; the URL is quoted so `&` reaches it intact.
  if (platform === 'win32') return { command: 'cmd', args: ['/c', 'start', '""', `"${url}"`], verbatim: true };
  if (!env.DISPLAY && !env.WAYLAND_DISPLAY) return undefined;
  return { command: 'xdg-open', args: [url] };
}

/**
 * Tries to open `url` in a browser. True when the opener started and did
 * not fail within 3 s (a browser that stays in the foreground counts as
 * opened); false when there is none, it is missing, or it exits non-zero.
 */
export function openBrowser(url: string, env: Readonly<Record<string, string | undefined>>, debug: DebugLog): Promise<boolean> {
  const opener = openerFor(url, env);
  if (!opener) {
    debug('no browser opener here (no $BROWSER, no display)');
    return Promise.resolve(false);
  }
  debug(`opening the browser with ${opener.command}`);
  return new Promise((resolve) => {
    let settled = false;
    const done = (opened: boolean) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      child.unref();
      resolve(opened);
    };
    const child = spawn(opener.command, opener.args, {
      stdio: 'ignore',
      detached: true,
      windowsVerbatimArguments: opener.verbatim ?? false,
    });
    const timer = setTimeout(() => done(true), 3000);
    child.once('error', (error) => {
      debug(`the browser opener failed: ${error.message}`);
      done(false);
    });
    child.once('exit', (code) => {
      if (code !== 0) debug(`the browser opener exited with ${String(code)}`);
      done(code === 0);
    });
  });
}
