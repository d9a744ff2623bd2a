import { backoffMs, type NotificationKind } from '../../domain/notifications.js';
import type { Secret } from '../../domain/secret.js';
import type { Clock } from '../../ports/clock.js';
import type { Logger } from '../../ports/logger.js';
import type { ClaimedNotification, NotificationOutbox } from '../../ports/notification-outbox.js';
import type { WebhookSender } from '../../ports/webhook-sender.js';
import { PollingLoop } from '../../support/polling-loop.js';
import { webhookBody, type WebhookFormat } from './formats.js';
import { EVENT_ID_HEADER, EVENT_KIND_HEADER, SIGNATURE_HEADER, signatureHeader } from './signature.js';

/** One configured webhook (notifications.webhooks). Its URL and secret stay wrapped: neither is ever logged. */
export interface WebhookTarget {
  name: string;
  url: Secret;
  format: WebhookFormat;
  secret?: Secret;
  events: readonly NotificationKind[];
}

export interface DispatcherSettings {
  maxAttempts: number;
  backoffBaseMs: number;
  backoffMaxMs: number;
  timeoutMs: number;
  pollIntervalMs: number;
  /** Rows claimed (and delivered side by side) at once. */
  batchSize: number;
  /** Delivered rows are kept this long, then deleted. */
  retainDeliveredMs: number;
}

/** What the metrics hear of each attempt. */
export interface DeliveryObserver {
  attempted(target: string, outcome: 'delivered' | 'failed' | 'dead', seconds: number): void;
}

export interface DispatcherDeps {
  outbox: NotificationOutbox;
  sender: WebhookSender;
  targets: ReadonlyMap<string, WebhookTarget>;
  publicUrl: URL;
  /** The Rolegate-Signature timestamp. Due times are the database's clock, never this one. */
  clock: Clock;
  logger: Logger;
  observer: DeliveryObserver;
  settings: DispatcherSettings;
  /** [0, 1): the back-off's jitter. */
  random?: () => number;
}

const PURGE_EVERY_MS = 3_600_000;

/**
 * Delivers the outbox: claims due rows, POSTs each to its target with a
 * bounded timeout, and marks it delivered, due again after an exponential
 * back-off with full jitter, or dead after maxAttempts. Runs on its own loop
 * on every instance (the claim gives each row to one of them); nothing on the
 * request path waits for it, so a dead or hanging receiver slows no request.
 */
export class NotificationDispatcher {
  readonly #loop: PollingLoop;
  #lastPurge = 0;

  constructor(private readonly deps: DispatcherDeps) {
    this.#loop = new PollingLoop(
      async () => {
        const claimed = await this.runOnce();
        await this.#purgeIfDue();
        // A full batch: more may be due at once.
        return { moreDue: claimed >= this.deps.settings.batchSize };
      },
      deps.settings.pollIntervalMs,
      (error) => this.deps.logger.warn({ reason: (error as Error).message }, 'cannot deliver notifications now; retrying'),
    );
  }

  /** The lease of a claimed row: longer than its attempt can take, so no other instance claims it meanwhile. */
  get leaseMs(): number {
    return this.deps.settings.timeoutMs * 2 + 5000;
  }

  start(): void {
    this.#loop.start();
  }

  stop(): Promise<void> {
    return this.#loop.stop();
  }

  /** One batch: claims what is due and delivers it. Returns how many rows were claimed. */
  async runOnce(): Promise<number> {
    const { outbox, settings } = this.deps;
    const claimed = await outbox.claim(settings.batchSize, this.leaseMs);
    await Promise.all(claimed.map((row) => this.#deliver(row)));
    return claimed.length;
  }

  async #purgeIfDue(): Promise<void> {
    const now = this.deps.clock.now();
    if (now - this.#lastPurge < PURGE_EVERY_MS) return;
    this.#lastPurge = now;
    await this.deps.outbox.purgeDelivered(this.deps.settings.retainDeliveredMs);
  }

  async #deliver(row: ClaimedNotification): Promise<void> {
    const { outbox, sender, settings, logger, observer } = this.deps;
    const target = this.deps.targets.get(row.target);
    const about = { target: row.target, eventId: row.event.id, kind: row.event.kind, attempt: row.attempts };
    if (target === undefined) {
      // The target was removed from the configuration: nobody to deliver to, ever.
      await outbox.failed(row.id, `no webhook named ${row.target} is configured`, 'dead');
      observer.attempted(row.target, 'dead', 0);
      logger.warn(about, 'notification dead-lettered: its webhook is no longer configured');
      return;
    }
    const body = webhookBody(target.format, row.event, this.deps.publicUrl);
    const headers: Record<string, string> = { [EVENT_ID_HEADER]: row.event.id, [EVENT_KIND_HEADER]: row.event.kind };
    const secret = target.secret?.reveal();
    if (secret !== undefined) headers[SIGNATURE_HEADER] = signatureHeader(secret, body, this.deps.clock.now() / 1000);
    const started = performance.now();
    const answer = await sender.post(target.url.reveal(), headers, body, settings.timeoutMs);
    const seconds = (performance.now() - started) / 1000;
    if (answer.ok) {
      await outbox.delivered(row.id);
      observer.attempted(target.name, 'delivered', seconds);
      logger.debug({ ...about, status: answer.status }, 'notification delivered');
      return;
    }
    if (row.attempts >= settings.maxAttempts) {
      await outbox.failed(row.id, answer.error, 'dead');
      observer.attempted(target.name, 'dead', seconds);
      logger.error({ ...about, error: answer.error }, 'notification dead-lettered after its last attempt');
      return;
    }
    const inMs = backoffMs(row.attempts, settings.backoffBaseMs, settings.backoffMaxMs, (this.deps.random ?? Math.random)());
    await outbox.failed(row.id, answer.error, { inMs });
    observer.attempted(target.name, 'failed', seconds);
    logger.warn({ ...about, error: answer.error, retryInMs: inMs }, 'notification not delivered; retrying');
  }
}
