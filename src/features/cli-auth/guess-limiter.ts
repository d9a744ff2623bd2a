import { randomBytes } from 'node:crypto';
import { RolegateError } from '../../domain/errors.js';
import type { KvStore } from '../../ports/kv-store.js';
import { sha256 } from './secrets.js';

/**
 * Wrong user codes allowed within the window (RFC 8628 §5.1): per user, and
 * (more, since an office may share one address) per source address.
 */
export const MAX_WRONG_USER_CODES = 5;
export const MAX_WRONG_USER_CODES_PER_ADDRESS = 20;
export const WRONG_USER_CODE_WINDOW_MS = 15 * 60_000;

const keysFor = (who: { principalId: string; sourceIp?: string }) => [
  { key: `cli-user-code-misses:p:${sha256(who.principalId)}`, max: MAX_WRONG_USER_CODES },
  ...(who.sourceIp ? [{ key: `cli-user-code-misses:ip:${sha256(who.sourceIp)}`, max: MAX_WRONG_USER_CODES_PER_ADDRESS }] : []),
];

/**
 * Rate limit on guessing device user codes: each wrong code is a member of a
 * set per user and per source address whose expiry slides with every miss;
 * once either is full, lookups are refused until it expires.
 */
export async function assertGuessBudget(kv: KvStore, who: { principalId: string; sourceIp?: string }): Promise<void> {
  const full = await Promise.all(keysFor(who).map(async ({ key, max }) => (await kv.setMembers(key)).length >= max));
  if (full.some(Boolean)) {
    throw new RolegateError('rate_limited', {
      detail: `Too many wrong codes. Wait ${String(WRONG_USER_CODE_WINDOW_MS / 60_000)} minutes, then type the code your terminal shows.`,
      headers: { 'Retry-After': String(WRONG_USER_CODE_WINDOW_MS / 1000) },
    });
  }
}

export async function recordWrongGuess(kv: KvStore, who: { principalId: string; sourceIp?: string }): Promise<void> {
  const member = randomBytes(8).toString('hex');
  await Promise.all(keysFor(who).map(({ key }) => kv.addToSet(key, member, WRONG_USER_CODE_WINDOW_MS)));
}
