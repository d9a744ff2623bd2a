import { randomUUID } from 'node:crypto';
import type { NotificationEvent, NotificationKind } from '../../domain/notifications.js';
import type { ClaimedNotification, NotificationOutbox, NotificationSink } from '../../ports/notification-outbox.js';
import { reportingFailuresAs } from '../dependency-failures.js';
import type { Prisma, PrismaClient } from './generated/client.js';

type Db = PrismaClient | Prisma.TransactionClient;

/** The configured targets that take an event kind (by name). */
export type NotificationRoutes = (kind: NotificationKind) => readonly string[];

/** What a stored error may hold at most (a receiver's answer is cut to this). */
const ERROR_MAX = 500;

/**
 * Writes events into notification_outbox, one row per (event, target that
 * takes its kind), on the connection it is given: a state change passes its
 * own transaction, so its rows commit or roll back with it.
 */
export class OutboxWriter {
  constructor(private readonly routes: NotificationRoutes) {}

  /** Whether any target takes this kind (nothing to build or write otherwise). */
  wants(kind: NotificationKind): boolean {
    return this.routes(kind).length > 0;
  }

  async write(db: Db, events: readonly NotificationEvent[]): Promise<void> {
    const rows = events.flatMap((event) => this.routes(event.kind).map((target) => ({ id: randomUUID(), event, target })));
    if (rows.length === 0) return;
    await db.$executeRawUnsafe(
      `INSERT INTO notification_outbox (id, event_id, kind, payload, target)
       SELECT r.id, r.event_id, r.kind, r.payload, r.target
       FROM jsonb_to_recordset($1::jsonb) AS r(id uuid, event_id uuid, kind text, payload jsonb, target text)`,
      JSON.stringify(rows.map((r) => ({ id: r.id, event_id: r.event.id, kind: r.event.kind, payload: r.event, target: r.target }))),
    );
  }
}

/**
 * NotificationOutbox (and a sink for events outside a transaction) on
 * notification_outbox. A claim is one statement: the due rows are locked
 * with FOR UPDATE SKIP LOCKED (a second claimer passes over them rather than
 * wait) and moved past their lease in the same UPDATE, so each row goes to
 * exactly one dispatcher, on any number of instances. Times are the
 * database's now().
 */
export class PgNotificationOutbox implements NotificationOutbox, NotificationSink {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly writer: OutboxWriter,
  ) {
    return reportingFailuresAs(this, 'The database');
  }

  enqueue(events: readonly NotificationEvent[]): Promise<void> {
    return this.writer.write(this.prisma, events);
  }

  async claim(limit: number, leaseMs: number): Promise<ClaimedNotification[]> {
    const rows = await this.prisma.$queryRawUnsafe<{ id: string; target: string; payload: NotificationEvent; attempts: number }[]>(
      `UPDATE notification_outbox o SET attempts = o.attempts + 1, next_attempt_at = now() + $2::int * interval '1 millisecond'
       WHERE o.id IN (
         SELECT id FROM notification_outbox WHERE state = 'pending' AND next_attempt_at <= now()
         ORDER BY next_attempt_at, created_at LIMIT $1::int FOR UPDATE SKIP LOCKED)
       RETURNING o.id::text AS id, o.target, o.payload, o.attempts`,
      limit,
      Math.round(leaseMs),
    );
    return rows.map((row) => ({ id: row.id, target: row.target, event: row.payload, attempts: row.attempts }));
  }

  async delivered(id: string): Promise<void> {
    await this.prisma.$executeRawUnsafe(
      `UPDATE notification_outbox SET state = 'delivered', delivered_at = now(), last_error = NULL WHERE id = $1::uuid AND state = 'pending'`,
      id,
    );
  }

  async failed(id: string, error: string, retry: { inMs: number } | 'dead'): Promise<void> {
    const dead = retry === 'dead';
    await this.prisma.$executeRawUnsafe(
      `UPDATE notification_outbox SET state = $2, last_error = $3, next_attempt_at = now() + $4::int * interval '1 millisecond'
       WHERE id = $1::uuid AND state = 'pending'`,
      id,
      dead ? 'dead' : 'pending',
      error.slice(0, ERROR_MAX),
      dead ? 0 : Math.round(retry.inMs),
    );
  }

  async purgeDelivered(olderThanMs: number): Promise<number> {
    return this.prisma.$executeRawUnsafe(
      `DELETE FROM notification_outbox WHERE state = 'delivered' AND delivered_at < now() - $1::bigint * interval '1 millisecond'`,
      Math.round(olderThanMs),
    );
  }

  async counts(): Promise<{ pending: number; dead: number }> {
    const [row] = await this.prisma.$queryRawUnsafe<{ pending: number; dead: number }[]>(
      `SELECT count(*) FILTER (WHERE state = 'pending')::int AS pending, count(*) FILTER (WHERE state = 'dead')::int AS dead
       FROM notification_outbox WHERE state <> 'delivered'`,
    );
    return { pending: row?.pending ?? 0, dead: row?.dead ?? 0 };
  }
}
