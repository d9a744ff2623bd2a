import { createHash } from 'node:crypto';
import type { BrowserContext } from 'playwright-core';
import { createClient } from 'redis';
import { testRedisUrl } from './redis.js';
import { waitFor } from './wait.js';

/**
 * Ends a browser's rolegate session the way time would: its Redis key is
 * given a 1 ms time to live (the session store keeps `session:<sha256 of the
 * cookie>` for the session's lifetime), then we wait until rolegate no longer
 * accepts the cookie. No sleep: the condition is polled with a deadline.
 */
export async function expireSession(context: BrowserContext, rolegateUrl: string, redisPrefix: string): Promise<void> {
  const cookie = (await context.cookies(rolegateUrl)).find((c) => c.name === 'rolegate_session');
  if (!cookie) throw new Error('the browser holds no rolegate session cookie');
  const key = `${redisPrefix}session:${createHash('sha256').update(cookie.value).digest('hex')}`;
  const client = createClient({ url: testRedisUrl });
  await client.connect();
  try {
    const ttl = await client.pTTL(key);
    if (ttl <= 0) throw new Error(`the session key has no time to live (${String(ttl)}): not a live session`);
    await client.pExpire(key, 1);
  } finally {
    await client.close();
  }
  await waitFor(
    async () =>
      (await fetch(`${rolegateUrl}/api/v1/me`, { headers: { cookie: `rolegate_session=${cookie.value}` } })).status === 401
        ? true
        : undefined,
    'rolegate to refuse the expired session',
  );
}

/** Signs the browser out of the demo IdP only (its cookies), as when the IdP session has ended too. */
export async function forgetIdpSession(context: BrowserContext): Promise<void> {
  for (const cookie of await context.cookies()) {
    if (cookie.name !== 'rolegate_session') await context.clearCookies({ name: cookie.name });
  }
}

/** Collects the CSP violations Chromium reports on any page of a context (a blocked form hop shows up here). */
export function cspViolations(context: BrowserContext): string[] {
  const seen: string[] = [];
  context.on('console', (message) => {
    if (/Content Security Policy/i.test(message.text())) seen.push(message.text());
  });
  return seen;
}
