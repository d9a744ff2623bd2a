import type { RecordedAuditEvent } from '../../ports/audit-log.js';
import type { AuditFilter, AuditQuery, SignedInIdentity } from '../../ports/audit-query.js';
import { dropAuditPartitionsBefore } from './audit-partitions.js';
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

interface SignInRow extends Record<string, unknown> {
  subject: string;
  idp: string | null;
  groups: string[];
  at: Date;
  username: string | null;
}

/**
 * Longer than a request's database limits (database.statementTimeoutMs): an export reads many
 * pages, and a search by account, outcome or type alone has no index of its own. Retention
 * (partitions dropped, and the default partition's expired rows) gets longer still.
 */
const SEARCH_TIMEOUT_MS = 15_000;
const RETENTION_TIMEOUT_MS = 600_000;

/** The role name of an ARN (`arn:aws:iam::111122223333:role/path/Name` → `Name`), as the role-name index computes it. */
export const ROLE_NAME_OF_ARN = `split_part(role_arn, '/', -1)`;

/**
 * AuditQuery in plain SQL on audit_events: keyset pages newest first on (at, id), the order of
 * every index, each matching its filter: (subject, at, id) by user, (role_arn, at, id) by role
 * ARN, (split_part(role_arn, '/', -1), at, id) by role name, (at, id) by time or nothing. So a
 * page costs one short index range scan per (weekly) partition however old its events are
 * (test/component/db/audit-query-plans.test.ts checks each plan with EXPLAIN).
 */
export class PgAuditQuery implements AuditQuery {
  constructor(private readonly database: Pick<Database, 'slowQuery' | 'withConnection'>) {
    return reportingFailuresAs(this, 'The audit log (PostgreSQL)');
  }

  async find(filter: AuditFilter): Promise<RecordedAuditEvent[]> {
    const { text, params } = auditSearchOf(filter);
    const rows = await this.database.slowQuery<Row>(text, params, SEARCH_TIMEOUT_MS);
    return rows.map(toEvent);
  }

  /**
   * The latest successful sign-in of each identity: DISTINCT ON over the (subject, at, id) index,
   * newest first per subject, then the most recent `limit` of those.
   */
  async lastSignIns(limit: number): Promise<SignedInIdentity[]> {
    const rows = await this.database.slowQuery<SignInRow>(
      `SELECT * FROM (
         SELECT DISTINCT ON (subject) subject, idp, groups, at, details->>'username' AS username
         FROM audit_events WHERE type = 'login' AND outcome = 'success' AND subject IS NOT NULL
         ORDER BY subject, at DESC, id DESC) AS latest
       ORDER BY at DESC, subject LIMIT $1`,
      [limit],
      SEARCH_TIMEOUT_MS,
    );
    return rows.map((row) => ({
      user: row.subject,
      idp: row.idp ?? row.subject.split(':')[0] ?? '',
      ...(row.username !== null ? { username: row.username } : {}),
      groups: [...row.groups],
      at: row.at,
    }));
  }

  async deleteBefore(cutoff: Date): Promise<number> {
    const result = await this.database.withConnection(RETENTION_TIMEOUT_MS, (sql) => dropAuditPartitionsBefore(sql, cutoff));
    return result.rows;
  }
}

/**
 * The surface of a request, from its user agent, as the usage report tells it (pg-usage-query.ts):
 * the rolegate CLI sends `rolegate-cli…`, browsers `Mozilla/…`, anything else is the API. No index
 * of its own: it narrows what another filter's index finds (docs/admin.md#audit-log).
 */
const SURFACE_CONDITION = {
  cli: `user_agent LIKE 'rolegate-cli%'`,
  portal: `user_agent LIKE 'Mozilla/%'`,
  api: `(user_agent IS NULL OR NOT (user_agent LIKE 'rolegate-cli%' OR user_agent LIKE 'Mozilla/%'))`,
} as const;

/** The SELECT of one page (exported for the plan tests: they EXPLAIN exactly what runs). */
export function auditSearchOf(filter: AuditFilter): { text: string; params: unknown[] } {
  const where: string[] = [];
  const params: unknown[] = [];
  const param = (value: unknown) => {
    params.push(value);
    return `$${String(params.length)}`;
  };
  if (filter.user !== undefined) where.push(`subject = ${param(filter.user)}`);
  if (filter.role !== undefined) {
    where.push(filter.role.startsWith('arn:') ? `role_arn = ${param(filter.role)}` : `${ROLE_NAME_OF_ARN} = ${param(filter.role)}`);
  }
  if (filter.account !== undefined) where.push(`account_id = ${param(filter.account)}`);
  if (filter.from !== undefined) where.push(`at >= ${param(filter.from)}`);
  if (filter.to !== undefined) where.push(`at < ${param(filter.to)}`);
  if (filter.outcome !== undefined) where.push(`outcome = ${param(filter.outcome)}::"AuditOutcome"`);
  if (filter.surface !== undefined) where.push(SURFACE_CONDITION[filter.surface]);
  if (filter.type !== undefined) {
    where.push(filter.type.endsWith('.') ? `type LIKE ${param(`${escapeLike(filter.type)}%`)}` : `type = ${param(filter.type)}`);
  }
  if (filter.after !== undefined) {
    const at = param(filter.after.at);
    // The row comparison is the keyset; `at <=` repeats it in a form partition pruning understands,
    // so the months newer than the cursor are not even opened.
    where.push(`(at, id) < (${at}::timestamptz, ${param(filter.after.id)}::bigint)`, `at <= ${at}::timestamptz`);
  }
  return {
    text: `SELECT id::text AS id, at, type, outcome::text AS outcome, reason, subject, idp, groups, account_id, role_arn, mode,
              duration_seconds, source_ip, user_agent, request_id, details
         FROM audit_events ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
        ORDER BY at DESC, id DESC LIMIT ${param(filter.limit)}`,
    params,
  };
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
