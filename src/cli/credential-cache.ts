import path from 'node:path';
import { readPrivateFile, writePrivateCacheFile } from './secure-files.js';

/** The AWS `credential_process` output, Version 1 (https://docs.aws.amazon.com/sdkref/latest/guide/feature-process-credentials.html). */
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
  /** The account's home region, for `exec`. */
  region?: string;
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

/**
 * The entry's file: a 64-bit FNV-1a digest of the key. Not a secret and not
 * collision-proof — it need not be: readCachedCredentials checks the key, so
 * a collision is a miss, never another role's credentials — and it keeps
 * node:crypto off the warm path.
 */
export function cacheFileFor(cacheDir: string, request: CacheRequest): string {
  return path.join(cacheDir, `${digestOf(cacheKeyOf(request))}.json`);
}

/** 16 hex digits naming a cache file for `key` (see cacheFileFor). */
export function digestOf(key: string): string {
  return `${fnv1a(key, 0x811c9dc5)}${fnv1a(key, 0x050c5d1f)}`;
}

function fnv1a(text: string, offset: number): string {
  let hash = offset;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0).toString(16).padStart(8, '0');
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

/** Atomic but not flushed to disk: a crash can only lose the entry (readCachedCredentials takes a torn file as a miss). */
export function writeCachedCredentials(file: string, entry: CachedCredentials): void {
  writePrivateCacheFile(file, `${JSON.stringify(entry)}\n`);
}

/**
 * The refresh margin for an entry: `marginMs`, but at most half the life the
 * credentials had when fetched — 15-minute credentials would otherwise never
 * be answered from the cache.
 */
export function refreshMarginFor(entry: CachedCredentials, marginMs: number): number {
  if (entry.obtainedAt === undefined) return marginMs;
  const lifetime = Date.parse(entry.credentials.Expiration) - entry.obtainedAt;
  return lifetime <= marginMs ? lifetime / 2 : marginMs;
}

/** Whether the entry can be answered without asking the broker. */
export function isWarm(entry: CachedCredentials, now: number, marginMs: number): boolean {
  return remainingMs(entry.credentials, now) > refreshMarginFor(entry, marginMs);
}

/** Milliseconds of life left. */
export function remainingMs(credentials: ProcessCredentials, now: number): number {
  return Date.parse(credentials.Expiration) - now;
}
