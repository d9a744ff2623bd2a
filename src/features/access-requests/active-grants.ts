import type { ActiveGrant } from '../../domain/access-requests.js';
import type { AccessRequestStore } from '../../ports/access-request-store.js';
import type { Clock } from '../../ports/clock.js';
import type { KvStore } from '../../ports/kv-store.js';
import type { Logger } from '../../ports/logger.js';
import { coalescedReload } from '../../support/coalesced-reload.js';
import type { GrantLookup } from '../credentials/issue-credentials.js';

/** The pub/sub channel on which a grant's start or end is announced to every instance. */
export const GRANTS_CHANGED_CHANNEL = 'access-grants-changed';

/** What an announcement carries: the grant as it now is, or that it ended. */
export type GrantChange = { grant: ActiveGrant } | { ended: { id: string; principalId: string; roleId: string } };

/**
 * Every active (or approved, starting later) just-in-time grant, in memory,
 * so the credentials path checks a grant with a Map lookup and no database
 * round trip. Kept current the way the access model is: a full reload every
 * `refreshMs`, and at once on GRANTS_CHANGED_CHANNEL — whose message carries
 * the change itself, applied before any reload, so a grant that ended
 * elsewhere stops here without waiting for a read. Ended grant ids are
 * remembered (a grant never comes back), so a reload that read before the
 * end cannot bring it back. Expiry needs no message at all: lookups compare
 * the grant's end with the clock.
 */
export class ActiveGrants implements GrantLookup {
  #byUser = new Map<string, Map<string, ActiveGrant>>();
  readonly #ended = new Map<string, number>();
  readonly #reload = coalescedReload(() => this.#load());
  #timer: NodeJS.Timeout | undefined;
  #unsubscribe: (() => Promise<void>) | undefined;
  #loaded = false;

  constructor(
    private readonly store: AccessRequestStore,
    private readonly kv: KvStore,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly refreshMs: number,
  ) {}

  async start(): Promise<void> {
    await this.reload().catch((error: unknown) =>
      this.logger.warn({ reason: (error as Error).message }, 'cannot load the active access grants yet; retrying on the timer'),
    );
    this.#timer = setInterval(() => void this.reload().catch(() => undefined), this.refreshMs);
    this.#timer.unref();
    this.#unsubscribe = await this.kv
      .subscribe(GRANTS_CHANGED_CHANNEL, (message) => this.#onMessage(message))
      .catch((error: unknown) => {
        this.logger.warn({ reason: (error as Error).message }, 'cannot subscribe to access-grant changes; relying on periodic reloads');
        return undefined;
      });
  }

  /** The user's grant for the role, while it has not ended (its start is checked by the entitlement decision). */
  grantFor(principalId: string, roleId: string): ActiveGrant | undefined {
    const grant = this.#byUser.get(principalId)?.get(roleId);
    return grant !== undefined && grant.endsAt > this.clock.now() ? grant : undefined;
  }

  /** The user's held grants as text (GrantLookup.fingerprintOf): empty when there are none. */
  fingerprintOf(principalId: string): string {
    const roles = this.#byUser.get(principalId);
    if (roles === undefined || roles.size === 0) return '';
    return [...roles.values()]
      .map((g) => `${g.roleId}\t${g.id}\t${String(g.startsAt)}\t${String(g.endsAt)}`)
      .sort()
      .join('\n');
  }

  /** How many grants are held (metrics). */
  get size(): number {
    let count = 0;
    for (const roles of this.#byUser.values()) count += roles.size;
    return count;
  }

  get loaded(): boolean {
    return this.#loaded;
  }

  /** Applies a change here at once, then tells every other instance. */
  async publish(change: GrantChange): Promise<void> {
    this.apply(change);
    // Another grant of the same user and role, shadowed by the one that ended, comes back with the reload.
    if ('ended' in change) void this.reload().catch(() => undefined);
    await this.kv
      .publish(GRANTS_CHANGED_CHANNEL, JSON.stringify(change))
      .catch((error: unknown) =>
        this.logger.warn(
          { reason: (error as Error).message },
          'could not announce an access-grant change; other instances see it at their next reload',
        ),
      );
  }

  apply(change: GrantChange): void {
    if ('ended' in change) {
      const { id, principalId, roleId } = change.ended;
      this.#ended.set(id, this.clock.now());
      const roles = this.#byUser.get(principalId);
      if (roles?.get(roleId)?.id === id) roles.delete(roleId);
      return;
    }
    if (this.#ended.has(change.grant.id)) return;
    this.#put(this.#byUser, change.grant);
  }

  /** Reloads now; calls during a load share it, and one more follows (a change announced mid-read is not missed). */
  reload(): Promise<void> {
    return this.#reload();
  }

  async #load(): Promise<void> {
    const now = this.clock.now();
    try {
      const grants = await this.store.listGrants(now);
      const next = new Map<string, Map<string, ActiveGrant>>();
      for (const grant of grants) if (!this.#ended.has(grant.id)) this.#put(next, grant);
      this.#byUser = next;
      this.#loaded = true;
      // Ended ids need remembering only while a reload that read before the end may still arrive.
      for (const [id, at] of this.#ended) if (now - at > this.refreshMs * 2 + 60_000) this.#ended.delete(id);
    } catch (error) {
      this.logger.warn({ reason: (error as Error).message }, 'cannot reload the active access grants; keeping the last ones');
      throw error;
    }
  }

  #put(index: Map<string, Map<string, ActiveGrant>>, grant: ActiveGrant): void {
    let roles = index.get(grant.principalId);
    if (roles === undefined) index.set(grant.principalId, (roles = new Map<string, ActiveGrant>()));
    const held = roles.get(grant.roleId);
    // One grant per (user, role) decides: the one that lasts longest.
    if (held === undefined || held.endsAt < grant.endsAt) roles.set(grant.roleId, grant);
  }

  #onMessage(message: string): void {
    try {
      const change = JSON.parse(message) as GrantChange;
      if ('ended' in change || 'grant' in change) this.apply(change);
    } catch {
      // Not ours or garbled: a reload settles it.
    }
    void this.reload().catch(() => undefined);
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    await this.#unsubscribe?.().catch(() => undefined);
  }
}
