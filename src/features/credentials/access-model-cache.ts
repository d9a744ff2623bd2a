import { randomUUID } from 'node:crypto';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { indexAccessModelInSteps, type AccessIndex } from '../../domain/access-index.js';
import type { AccessSnapshot, AccessStore } from '../../ports/access-store.js';
import { coalescedReload } from '../../support/coalesced-reload.js';
import type { KvStore } from '../../ports/kv-store.js';
import type { Logger } from '../../ports/logger.js';

/** The pub/sub channel on which admin changes announce that the access model changed. */
export const ACCESS_CHANGED_CHANNEL = 'access-model-changed';

/** Objects indexed between two yields to the event loop (~1–2 ms of work each on a 2-core VM). */
const INDEX_SLICE = 2000;

/** What the last load cost, for the log line and the metrics (docs/operations.md). */
export interface AccessModelStats {
  version: number;
  accounts: number;
  roles: number;
  mappings: number;
  /** Reading the model from the store. */
  readMs: number;
  /** Building the indexes (in slices, yielding to the event loop between them). */
  indexMs: number;
  /** Heap used after the swap minus before the load: roughly what the new model holds while the old one is not yet collected. */
  heapDeltaBytes: number;
  heapUsedBytes: number;
  /** What the version (lists and indexes) holds, counted from its objects (AccessIndex.approximateBytes): steady, unlike the heap delta. */
  approximateBytes: number;
}

/**
 * Accounts, roles and mappings held in memory, with their indexes
 * (domain/access-index.ts) built once per loaded version, so deciding
 * entitlements costs no database round trip and no walk over the whole model
 * per request. Reloaded every `refreshMs`, and at once when another instance
 * announces a change on ACCESS_CHANGED_CHANNEL (admin changes do, after
 * reloading the instance that made them). A reload
 * builds the new version's indexes a slice at a time, yielding to the event
 * loop between slices, while requests keep deciding with the previous
 * version; then the two are swapped in one assignment. A failed reload keeps
 * the last good model and is retried at the next tick; before the first
 * load succeeds, callers get the error.
 */
export class AccessModelCache {
  #model: AccessIndex | undefined;
  #timer: NodeJS.Timeout | undefined;
  #unsubscribe: (() => Promise<void>) | undefined;
  #version = 0;
  /** Names this instance's announcements on ACCESS_CHANGED_CHANNEL. */
  readonly #origin = randomUUID();
  readonly #reload = coalescedReload(() => this.#load());
  #stats: AccessModelStats | undefined;

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
      .subscribe(ACCESS_CHANGED_CHANNEL, (message) => {
        // This instance's own announcement: it reloaded before announcing (accessChanged), so a second full load is only cost.
        if (message.startsWith(`${this.#origin} `)) return;
        void this.reload().catch(() => undefined);
      })
      .catch((error: unknown) => {
        this.logger.warn({ reason: (error as Error).message }, 'cannot subscribe to access-model changes; relying on periodic reloads');
        return undefined;
      });
  }

  /** The current model's lists (accounts, roles, mappings). */
  async current(): Promise<AccessSnapshot> {
    const model = await this.index();
    return { accounts: [...model.accounts], roles: [...model.roles], mappings: [...model.mappings] };
  }

  /** The current model with its indexes: what entitlementsIn / checkRoleRequestIn decide with. */
  async index(): Promise<AccessIndex> {
    return this.#model ?? (await this.reload());
  }

  /** What the last successful load cost (undefined before the first). */
  get stats(): AccessModelStats | undefined {
    return this.#stats;
  }

  /**
   * Reloads now. Calls during a load share it, and one more load follows, so a
   * change announced while a load was reading is never missed.
   */
  reload(): Promise<AccessIndex> {
    return this.#reload();
  }

  async #load(): Promise<AccessIndex> {
    try {
      const heapBefore = process.memoryUsage().heapUsed;
      const started = performance.now();
      const [accounts, roles, mappings] = await Promise.all([this.store.listAccounts(), this.store.listRoles(), this.store.listMappings()]);
      const read = performance.now();
      const model = await indexAccessModelInSteps({ accounts, roles, mappings }, yieldToEventLoop, INDEX_SLICE);
      const indexed = performance.now();
      this.#model = model;
      const heapUsedBytes = process.memoryUsage().heapUsed;
      this.#stats = {
        version: ++this.#version,
        accounts: accounts.length,
        roles: roles.length,
        mappings: mappings.length,
        readMs: Math.round(read - started),
        indexMs: Math.round(indexed - read),
        heapDeltaBytes: heapUsedBytes - heapBefore,
        heapUsedBytes,
        approximateBytes: model.approximateBytes,
      };
      this.logger.info({ event: 'access_model.loaded', ...this.#stats }, 'access model loaded');
      return model;
    } catch (error) {
      this.logger.warn({ reason: (error as Error).message }, 'cannot reload the access model; keeping the last one');
      if (this.#model) return this.#model;
      throw error;
    }
  }

  /** Tells every other instance to reload now (call it after this one's reload: its own announcement is not loaded again). */
  async announceChange(): Promise<void> {
    await this.kv.publish(ACCESS_CHANGED_CHANNEL, `${this.#origin} ${String(Date.now())}`);
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    await this.#unsubscribe?.().catch(() => undefined);
  }
}
