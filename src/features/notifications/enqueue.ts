import { randomUUID } from 'node:crypto';
import type { NotificationEvent } from '../../domain/notifications.js';
import type { Logger } from '../../ports/logger.js';
import type { NotificationSink } from '../../ports/notification-outbox.js';

/**
 * Enqueues an event that has no transaction of its own to join (break-glass
 * use, revocations: their audit rows are group-committed apart), right after
 * its audit row. A failure is logged, never the caller's: the use or the
 * revocation has happened and is audited; refusing it now would help nobody.
 */
export async function enqueueAfterAudit(
  sink: NotificationSink | undefined,
  event: Omit<NotificationEvent, 'id'>,
  log: Logger,
): Promise<void> {
  if (sink === undefined) return;
  await sink
    .enqueue([{ id: randomUUID(), ...event }])
    .catch((error: unknown) => log.error({ err: error, kind: event.kind }, 'could not enqueue a notification'));
}
