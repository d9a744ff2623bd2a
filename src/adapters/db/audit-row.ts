import type { AuditEvent } from '../../ports/audit-log.js';

/**
 * An audit event as an audit_events row, in Prisma's field names: the one
 * place that decides what is stored, and as what, when a field is absent.
 * Both writers use it — PgAuditLog (raw SQL, every credentials request) and
 * the admin store (Prisma, inside the access-change transaction).
 */
export function auditRowOf(event: AuditEvent) {
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
    details: event.details ?? null,
  };
}

export type AuditRow = ReturnType<typeof auditRowOf>;
