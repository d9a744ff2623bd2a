import type { AuditEvent, AuditLog, RecordedAuditEvent } from '../../ports/audit-log.js';
import type { Prisma, PrismaClient } from './generated/client.js';

/** AuditLog on the append-only audit_events table. */
export class PrismaAuditLog implements AuditLog {
  constructor(private readonly prisma: PrismaClient) {}

  async record(event: AuditEvent): Promise<RecordedAuditEvent> {
    const row = await this.prisma.auditEvent.create({
      data: {
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
      },
      select: { id: true, at: true },
    });
    return { ...event, id: row.id.toString(), at: row.at };
  }
}
