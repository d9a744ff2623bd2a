import type { AuditEvent, AuditLog, RecordedAuditEvent } from '../../ports/audit-log.js';
import type { Prisma, PrismaClient } from './generated/client.js';

interface Pending {
  event: AuditEvent;
  resolve: (recorded: RecordedAuditEvent) => void;
  reject: (error: unknown) => void;
}

const MAX_BATCH = 500;

/**
 * AuditLog on the append-only audit_events table, with group commit: events
 * recorded while a write is in flight are written together in the next single
 * INSERT. Each `record` still resolves only once its own row is committed, so
 * "no audit row, no credentials" holds; under load, one round trip serves many
 * requests, and with no load nothing waits.
 */
export class PrismaAuditLog implements AuditLog {
  readonly #queue: Pending[] = [];
  #writing = false;

  constructor(private readonly prisma: PrismaClient) {}

  record(event: AuditEvent): Promise<RecordedAuditEvent> {
    return new Promise((resolve, reject) => {
      this.#queue.push({ event, resolve, reject });
      if (!this.#writing) void this.#drain();
    });
  }

  async #drain(): Promise<void> {
    this.#writing = true;
    while (this.#queue.length > 0) {
      const batch = this.#queue.splice(0, MAX_BATCH);
      try {
        const rows = await this.prisma.auditEvent.createManyAndReturn({
          data: batch.map((p) => toRow(p.event)),
          select: { id: true, at: true },
        });
        // Postgres returns INSERT … RETURNING rows in VALUES order.
        batch.forEach((pending, i) => {
          const row = rows[i];
          if (row) pending.resolve({ ...pending.event, id: row.id.toString(), at: row.at });
          else pending.reject(new Error('audit row missing from the database answer'));
        });
      } catch (error) {
        for (const pending of batch) pending.reject(error);
      }
    }
    this.#writing = false;
  }
}

function toRow(event: AuditEvent): Prisma.AuditEventCreateManyInput {
  return {
    type: event.type,
    outcome: event.outcome,
    reason: event.reason ?? null,
    subject: event.subject ?? null,
    idp: event.idp ?? null,
    groups: event.groups ? [...event.groups] : [],
    accountId: event.accountId ?? null,
    roleArn: event.roleArn ?? null,
    mode: event.mode ?? null,
    durationSeconds: event.durationSeconds ?? null,
    sourceIp: event.sourceIp ?? null,
    userAgent: event.userAgent ?? null,
    requestId: event.requestId ?? null,
    details: (event.details ?? undefined) as Prisma.InputJsonValue | undefined,
  };
}
