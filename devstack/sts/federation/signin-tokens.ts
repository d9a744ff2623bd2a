import { randomBytes } from 'node:crypto';
import type { IssuedSession } from '../credentials/issued-credentials.js';

/** A sign-in token is valid for 15 minutes (IAM User Guide, custom identity broker access to the console). */
export const SIGNIN_TOKEN_TTL_MS = 15 * 60_000;

export interface ConsoleGrant {
  session: IssuedSession;
  /** Console session length in seconds. */
  consoleSeconds: number;
  expiresAt: number;
}

/** One-time secrets with a lifetime, in memory, bounded in count. */
export class OneTimeTokens<T extends { expiresAt: number }> {
  private readonly entries = new Map<string, T>();

  constructor(
    private readonly now: () => number,
    private readonly maxEntries = 10_000,
  ) {}

  issue(value: T): string {
    if (this.entries.size >= this.maxEntries) {
      for (const [key, entry] of this.entries) if (entry.expiresAt <= this.now()) this.entries.delete(key);
      const oldest = this.entries.keys().next().value;
      if (this.entries.size >= this.maxEntries && oldest !== undefined) this.entries.delete(oldest);
    }
    const token = randomBytes(48).toString('base64url');
    this.entries.set(token, value);
    return token;
  }

  /** Returns the value once; a second call, or a call after expiry, returns undefined. */
  take(token: string): T | undefined {
    const entry = this.entries.get(token);
    this.entries.delete(token);
    return entry && entry.expiresAt > this.now() ? entry : undefined;
  }

  /** Reads without consuming (for the console cookie). */
  peek(token: string): T | undefined {
    const entry = this.entries.get(token);
    return entry && entry.expiresAt > this.now() ? entry : undefined;
  }
}
