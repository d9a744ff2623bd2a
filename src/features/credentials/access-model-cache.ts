import type { GroupMapping } from '../../domain/access-model.js';
import type { AccessSnapshot, AccessStore } from '../../ports/access-store.js';
import type { KvStore } from '../../ports/kv-store.js';
import type { Logger } from '../../ports/logger.js';

/** The pub/sub channel on which admin changes announce that the access model changed. */
export const ACCESS_CHANGED_CHANNEL = 'access-model-changed';

/**
 * Accounts, roles and mappings held in memory, so deciding entitlements costs
 * no database round trip per request. Reloaded every `refreshMs`, and at once
 * when any instance announces a change on ACCESS_CHANGED_CHANNEL (admin
 * changes do). A failed reload keeps the last good model and is retried at
 * the next tick; before the first load succeeds, callers get the error.
 */
interface IndexedModel extends AccessSnapshot {
  exactByGroup: Map<string, GroupMapping[]>;
  globs: GroupMapping[];
}

export class AccessModelCache {
  #model: IndexedModel | undefined;
  #loading: Promise<IndexedModel> | undefined;
  #timer: NodeJS.Timeout | undefined;
  #unsubscribe: (() => Promise<void>) | undefined;
  #again = false;

  constructor(
    private readonly store: AccessStore,
    private readonly kv: KvStore,
    private readonly logger: Logger,
    private readonly refreshMs: number,
  ) {}

  /** Loads the model and starts listening for changes. */
  async start(): Promise<void> {
    await this.reload();
    this.#timer = setInterval(() => void this.reload().catch(() => undefined), this.refreshMs);
    this.#timer.unref();
    this.#unsubscribe = await this.kv
      .subscribe(ACCESS_CHANGED_CHANNEL, () => void this.reload().catch(() => undefined))
      .catch((error: unknown) => {
        this.logger.warn({ reason: (error as Error).message }, 'cannot subscribe to access-model changes; relying on periodic reloads');
        return undefined;
      });
  }

  async current(): Promise<AccessSnapshot> {
    return this.#model ?? (await this.reload());
  }

  /**
   * Every account and role, with only the mappings that may apply to someone
   * with these groups (exact ones by lookup, plus every glob): what
   * `entitlementsFor` needs, without scanning thousands of mappings per request.
   */
  async forGroups(groups: readonly string[]): Promise<AccessSnapshot> {
    const model = this.#model ?? (await this.reload());
    const mappings = [...model.globs];
    for (const group of new Set(groups)) mappings.push(...(model.exactByGroup.get(group) ?? []));
    return { accounts: model.accounts, roles: model.roles, mappings };
  }

  /**
   * Reloads now. Calls during a load share it, and one more load follows, so a
   * change announced while a load was reading is never missed.
   */
  reload(): Promise<IndexedModel> {
    if (this.#loading) {
      this.#again = true;
      return this.#loading;
    }
    this.#loading = this.#load().finally(() => {
      this.#loading = undefined;
      if (this.#again) {
        this.#again = false;
        void this.reload().catch(() => undefined);
      }
    });
    return this.#loading;
  }

  async #load(): Promise<IndexedModel> {
    try {
      const [accounts, roles, mappings] = await Promise.all([this.store.listAccounts(), this.store.listRoles(), this.store.listMappings()]);
      const exactByGroup = new Map<string, GroupMapping[]>();
      for (const mapping of mappings) {
        if (mapping.match !== 'exact') continue;
        const list = exactByGroup.get(mapping.group) ?? [];
        list.push(mapping);
        exactByGroup.set(mapping.group, list);
      }
      this.#model = { accounts, roles, mappings, exactByGroup, globs: mappings.filter((m) => m.match === 'glob') };
      return this.#model;
    } catch (error) {
      this.logger.warn({ reason: (error as Error).message }, 'cannot reload the access model; keeping the last one');
      if (this.#model) return this.#model;
      throw error;
    }
  }

  /** Tells every instance (this one included) to reload now. */
  async announceChange(): Promise<void> {
    await this.kv.publish(ACCESS_CHANGED_CHANNEL, String(Date.now()));
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    await this.#unsubscribe?.().catch(() => undefined);
  }
}
