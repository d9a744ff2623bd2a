import { createHash } from 'node:crypto';
import path from 'node:path';
import { readPrivateFile, writePrivateFile } from './secure-files.js';

/** The AWS `credential_process` output, Version 1 (see AWS-FACTS.md §5.1). */
export interface ProcessCredentials {
  Version: 1;
  AccessKeyId: string;
  SecretAccessKey: string;
  SessionToken: string;
  /** ISO 8601 UTC. */
  Expiration: string;
}

export interface CachedCredentials {
  /** Which request this answers; checked on read so a renamed file cannot answer another role. */
  key: string;
  credentials: ProcessCredentials;
  accountId?: string;
  roleArn?: string;
  /** When it was fetched (ms since epoch): the lifetime caps the refresh margin, and waiters recognise a fresh fetch. */
  obtainedAt?: number;
}

export interface CacheRequest {
  broker: string;
  account: string;
  role: string;
  durationSeconds?: number;
}

export function cacheKeyOf(request: CacheRequest): string {
  return [request.broker, request.account, request.role, request.durationSeconds ?? ''].join('\n');
}

export function cacheFileFor(cacheDir: string, request: CacheRequest): string {
  const digest = createHash('sha256').update(cacheKeyOf(request)).digest('hex').slice(0, 32);
  return path.join(cacheDir, `${digest}.json`);
}

/** The cached answer for `request`, or undefined when absent, unreadable or for something else. */
export function readCachedCredentials(file: string, request: CacheRequest): CachedCredentials | undefined {
  const text = readPrivateFile(file);
  if (text === undefined) return undefined;
  try {
    const entry = JSON.parse(text) as { key?: unknown; credentials?: Record<string, unknown> };
    const c = entry.credentials;
    if (entry.key !== cacheKeyOf(request) || !c || c.Version !== 1) return undefined;
    if (typeof c.AccessKeyId !== 'string' || typeof c.SecretAccessKey !== 'string' || typeof c.SessionToken !== 'string') return undefined;
    if (typeof c.Expiration !== 'string' || Number.isNaN(Date.parse(c.Expiration))) return undefined;
    return entry as unknown as CachedCredentials;
  } catch {
    return undefined; // a torn or foreign file is a cache miss, never an error
  }
}

export function writeCachedCredentials(file: string, entry: CachedCredentials): void {
  writePrivateFile(file, `${JSON.stringify(entry)}\n`);
}

/** Milliseconds of life left. */
export function remainingMs(credentials: ProcessCredentials, now: number): number {
  return Date.parse(credentials.Expiration) - now;
}
