import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  cacheFileFor,
  cacheKeyOf,
  isWarm,
  readCachedCredentials,
  refreshMarginFor,
  writeCachedCredentials,
  type CachedCredentials,
} from '../../../src/cli/credential-cache.js';

const MIN = 60_000;
const request = { broker: 'https://rolegate.corp.example', account: 'sandbox', role: 'Developer' };
const entryWith = (expiresInMs: number, fetchedAgoMs: number, now = Date.now()): CachedCredentials => ({
  key: cacheKeyOf(request),
  credentials: {
    Version: 1,
    AccessKeyId: 'ASIAEXAMPLE',
    SecretAccessKey: 'secret',
    SessionToken: 'token',
    Expiration: new Date(now + expiresInMs).toISOString(),
  },
  obtainedAt: now - fetchedAgoMs,
});

describe('the local credential cache', () => {
  it('when an entry is written, then it is read back only for the same broker, account, role and duration', () => {
    const dir = path.join(mkdtempSync(path.join(tmpdir(), 'rolegate-cache-')), 'cache');
    const file = cacheFileFor(dir, request);
    writeCachedCredentials(file, entryWith(60 * MIN, 0));
    expect(readCachedCredentials(file, request)?.credentials.AccessKeyId).toBe('ASIAEXAMPLE');
    // The same file asked for another request (a renamed file, a digest collision) is a miss.
    expect(readCachedCredentials(file, { ...request, role: 'ReadOnly' })).toBeUndefined();
    expect(readCachedCredentials(file, { ...request, durationSeconds: 900 })).toBeUndefined();
  });

  it('when a write was lost in a crash (the entry is not flushed to disk: an empty or torn file), then it is a miss, not an error', () => {
    const dir = path.join(mkdtempSync(path.join(tmpdir(), 'rolegate-cache-')), 'cache');
    const file = cacheFileFor(dir, request);
    writeCachedCredentials(file, entryWith(60 * MIN, 0));
    const whole = JSON.stringify(entryWith(60 * MIN, 0));
    for (const content of ['', whole.slice(0, whole.length / 2), '\0'.repeat(64)]) {
      writeFileSync(file, content, { mode: 0o600 });
      expect(readCachedCredentials(file, request)).toBeUndefined();
    }
  });

  it('when requests differ in any part, then their files differ', () => {
    const files = new Set(
      [
        request,
        { ...request, role: 'ReadOnly' },
        { ...request, account: '111111111111' },
        { ...request, durationSeconds: 900 },
        { ...request, broker: 'https://b.example' },
      ].map((r) => cacheFileFor('/c', r)),
    );
    expect(files.size).toBe(5);
    expect([...files][0]).toMatch(/^\/c\/[0-9a-f]{16}\.json$/);
  });

  it('when more than the margin is left, then the entry is warm; inside it, not', () => {
    expect(isWarm(entryWith(21 * MIN, 39 * MIN), Date.now(), 20 * MIN)).toBe(true);
    expect(isWarm(entryWith(19 * MIN, 41 * MIN), Date.now(), 20 * MIN)).toBe(false);
  });

  it('when the credentials lived less than the margin when fetched, then the margin is half that life', () => {
    expect(refreshMarginFor(entryWith(15 * MIN, 0), 20 * MIN)).toBe(7.5 * MIN);
    expect(isWarm(entryWith(10 * MIN, 5 * MIN), Date.now(), 20 * MIN)).toBe(true);
    expect(isWarm(entryWith(7 * MIN, 8 * MIN), Date.now(), 20 * MIN)).toBe(false);
    expect(refreshMarginFor(entryWith(60 * MIN, 0), 20 * MIN)).toBe(20 * MIN);
  });
});
