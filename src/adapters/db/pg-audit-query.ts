import type { RecordedAuditEvent } from '../../ports/audit-log.js';
import type { AuditFilter, AuditQuery } from '../../ports/audit-query.js';
import type { Database } from './database.js';
import { reportingFailuresAs } from '../dependency-failures.js';

interface Row extends Record<string, unknown> {
  id: string;
  at: Date;
  type: string;
  outcome: 'success' | 'denied' | 'error';
  reason: string | null;
  subject: string | null;
  idp: string | null;
  groups: string[];
  account_id: string | null;
  role_arn: string | null;
  mode: string | null;
  duration_seconds: number | null;
  source_ip: string | null;
  user_agent: string | null;
  request_id: string | null;
  details: Record<string, unknown> | null;
}

/**
 * Longer than a request's database limits (database.statementTimeoutMs): a search by role name
 * cannot use an index, and the retention sweep may delete a day of rows at once.
 */
const SEARCH_TIMEOUT_MS = 15_000;
const RETENTION_TIMEOUT_MS = 600_000;

/** AuditQuery in plain SQL on audit_events: keyset pages on the id (newest first), using the (subject, at), (role_arn, at) and at indexes. */
export class PgAuditQuery implements AuditQuery {
  constructor(private readonly database: Pick<Database, 'slowQuery'>) {
    return reportingFailuresAs(this, 'The audit log (PostgreSQL)');
  }

  async find(filter: AuditFilter): Promise<RecordedAuditEvent[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    const param = (value: unknown) => {
      params.push(value);
      return `$${String(params.length)}`;
    };
    if (filter.user !== undefined) where.push(`subject = ${param(filter.user)}`);
    if (filter.role !== undefined) {
      where.push(
        filter.role.startsWith('arn:') ? `role_arn = ${param(filter.role)}` : `role_arn LIKE ${param(`%/${escapeLike(filter.role)}`)}`,
      );
    }
    if (filter.account !== undefined) where.push(`account_id = ${param(filter.account)}`);
    if (filter.from !== undefined) where.push(`at >= ${param(filter.from)}`);
    if (filter.to !== undefined) where.push(`at < ${param(filter.to)}`);
    if (filter.outcome !== undefined) where.push(`outcome = ${param(filter.outcome)}::"AuditOutcome"`);
    if (filter.type !== undefined) {
      where.push(filter.type.endsWith('.') ? `type LIKE ${param(`${escapeLike(filter.type)}%`)}` : `type = ${param(filter.type)}`);
    }
    if (filter.beforeId !== undefined) where.push(`id < ${param(filter.beforeId)}::bigint`);
    const rows = await this.database.slowQuery<Row>(
      `SELECT id::text AS id, at, type, outcome::text AS outcome, reason, subject, idp, groups, account_id, role_arn, mode,
              duration_seconds, source_ip, user_agent, request_id, details
         FROM audit_events ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
        ORDER BY audit_events.id DESC LIMIT ${param(filter.limit)}`,
      params,
      SEARCH_TIMEOUT_MS,
    );
    return rows.map(toEvent);
  }

  async deleteBefore(cutoff: Date): Promise<number> {
    const rows = await this.database.slowQuery<{ deleted: string }>(
      'WITH gone AS (DELETE FROM audit_events WHERE at < $1 RETURNING 1) SELECT count(*)::text AS deleted FROM gone',
      [cutoff],
      RETENTION_TIMEOUT_MS,
    );
    return Number(rows[0]?.deleted ?? 0);
  }
}

function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

function toEvent(row: Row): RecordedAuditEvent {
  return {
    id: row.id,
    at: row.at,
    type: row.type,
    outcome: row.outcome,
    ...(row.reason === null ? {} : { reason: row.reason }),
    ...(row.subject === null ? {} : { subject: row.subject }),
    ...(row.idp === null ? {} : { idp: row.idp }),
    groups: row.groups,
    ...(row.account_id === null ? {} : { accountId: row.account_id }),
    ...(row.role_arn === null ? {} : { roleArn: row.role_arn }),
    ...(row.mode === null ? {} : { mode: row.mode }),
    ...(row.duration_seconds === null ? {} : { durationSeconds: row.duration_seconds }),
    ...(row.source_ip === null ? {} : { sourceIp: row.source_ip }),
    ...(row.user_agent === null ? {} : { userAgent: row.user_agent }),
    ...(row.request_id === null ? {} : { requestId: row.request_id }),
    ...(row.details === null ? {} : { details: row.details }),
  };
}
