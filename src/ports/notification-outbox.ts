import type { NotificationEvent } from '../domain/notifications.js';

/** One outbox row a dispatcher claimed: one event for one target. */
export interface ClaimedNotification {
  id: string;
  target: string;
  event: NotificationEvent;
  /** Attempts started, this one included. */
  attempts: number;
}

/**
 * The transactional outbox of webhook deliveries (PostgreSQL). State changes
 * write their rows in their own transaction (the adapters do that); this is
 * what the dispatcher and the metrics use. Due times are the database's
 * clock, so every instance agrees on them.
 */
export interface NotificationOutbox {
  /**
   * Up to `limit` due pending rows, claimed for `leaseMs`: no other claimer
   * (any instance) gets them until the lease ends, and each counts one more
   * attempt. A dispatcher that dies mid-delivery leaves its rows to be
   * claimed again when the lease ends.
   */
  claim(limit: number, leaseMs: number): Promise<ClaimedNotification[]>;
  delivered(id: string): Promise<void>;
  /** A failed attempt: due again in `retryInMs`, or dead (no more attempts). */
  failed(id: string, error: string, retry: { inMs: number } | 'dead'): Promise<void>;
  /** Deletes delivered rows delivered more than `olderThanMs` ago; returns how many. */
  purgeDelivered(olderThanMs: number): Promise<number>;
  /** Rows not yet delivered, and rows given up on. */
  counts(): Promise<{ pending: number; dead: number }>;
}

/** Writes events outside a state change's transaction (break-glass use, revocations: their audit rows are group-committed apart). */
export interface NotificationSink {
  enqueue(events: readonly NotificationEvent[]): Promise<void>;
}
