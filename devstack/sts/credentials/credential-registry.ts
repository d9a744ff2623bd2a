import type { IssuedSession } from './issued-credentials.js';

/**
 * The temporary credentials this endpoint has issued, in memory, so later signed
 * calls can be verified. Bounded: expired entries are swept on insert and the
 * oldest are dropped beyond `maxEntries`.
 */
export class CredentialRegistry {
  private readonly sessions = new Map<string, IssuedSession>();

  constructor(
    private readonly now: () => Date,
    private readonly maxEntries = 50_000,
  ) {}

  add(session: IssuedSession): void {
    const now = this.now().getTime();
    if (this.sessions.size >= this.maxEntries) {
      for (const [id, entry] of this.sessions) if (entry.expiration.getTime() <= now) this.sessions.delete(id);
      while (this.sessions.size >= this.maxEntries) {
        const oldest = this.sessions.keys().next().value;
        if (oldest === undefined) break;
        this.sessions.delete(oldest);
      }
    }
    this.sessions.set(session.accessKeyId, session);
  }

  /** The session for an access key id, expired or not (callers decide what expiry means). */
  get(accessKeyId: string): IssuedSession | undefined {
    return this.sessions.get(accessKeyId);
  }

  get size(): number {
    return this.sessions.size;
  }
}
