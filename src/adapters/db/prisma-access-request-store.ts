import { randomUUID } from 'node:crypto';
import { reportingFailuresAs } from '../dependency-failures.js';
import type { ApprovalPolicy } from '../../domain/access-model.js';
import type { AccessApproval, AccessRequestRecord, AccessRequestState, ActiveGrant } from '../../domain/access-requests.js';
import type {
  AccessRequestFilter,
  AccessRequestStore,
  AuditOf,
  NewAccessRequest,
  StoredChange,
  TransitionRefusal,
  TransitionResult,
} from '../../ports/access-request-store.js';
import { insertAuditEvents, type Sql } from './access-bulk-writes.js';
import type { Prisma, PrismaClient } from './generated/client.js';
import { kindsOfTransition, notifiedRequest, type NotificationEvent } from '../../domain/notifications.js';
import type { OutboxWriter } from './pg-notification-outbox.js';

type Db = PrismaClient | Prisma.TransactionClient;

/** Writes the audit rows of the changes in the transaction that made them (access-bulk-writes.ts' one INSERT per slice). */
async function auditIn(tx: Prisma.TransactionClient, audit: AuditOf | undefined, changes: readonly StoredChange[]): Promise<void> {
  if (audit === undefined || changes.length === 0) return;
  const events = changes.flatMap((change) => audit(change));
  if (events.length === 0) return;
  const sql: Sql = (text, ...params) => tx.$queryRawUnsafe<Record<string, unknown>[]>(text, ...params);
  await insertAuditEvents(sql, events);
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const ms = (column: string) => `(extract(epoch from r.${column}) * 1000)::float8 AS ${column}`;

/** Every column of a request as numbers and text, with its approvals as one JSON array. */
const COLUMNS = `r.id::text AS id, r.state, r.principal_id, r.idp, r.username, r.groups, r.account_id, r.role_id::text AS role_id,
  r.role_arn, r.mapping_id::text AS mapping_id, r.policy, r.duration_seconds, r.reason, r.ticket, r.auto_approved,
  ${['created_at', 'expires_at', 'starts_at', 'decided_at', 'activated_at', 'ends_at', 'ended_at'].map(ms).join(', ')},
  r.decided_by, r.decision_comment, r.ended_by, r.end_reason, r.batch_id::text AS batch_id,
  (SELECT coalesce(json_agg(json_build_object('approverId', a.approver_id, 'at', (extract(epoch from a.at) * 1000)::float8, 'comment', a.comment)
     ORDER BY a.at, a.approver_id), '[]'::json) FROM access_request_approvals a WHERE a.request_id = r.id) AS approvals`;

const iso = (at: number) => new Date(at).toISOString();

/** rolegate itself, as the actor of what time does (the feature's SYSTEM principal). */
const SYSTEM_ACTOR = 'rolegate:system';

/**
 * AccessRequestStore on access_requests and access_request_approvals. Each
 * transition runs in one transaction holding the request's row lock
 * (SELECT … FOR UPDATE): concurrent deciders queue on it, and the second
 * finds the state the first left. Times are parameters (the caller's clock).
 * With an outbox, each transition writes its notifications in its own
 * transaction: a state change and the events telling of it commit together.
 */
export class PrismaAccessRequestStore implements AccessRequestStore {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly outbox?: OutboxWriter,
  ) {
    return reportingFailuresAs(this, 'The database');
  }

  async create(requests: readonly NewAccessRequest[], audit?: AuditOf): Promise<AccessRequestRecord[]> {
    if (requests.length === 0) return [];
    return this.prisma.$transaction(async (tx) => {
      for (const request of requests) await insertRequest(tx, request);
      const rows = await tx.$queryRawUnsafe<Row[]>(
        `SELECT ${COLUMNS} FROM access_requests r WHERE r.id = ANY($1::uuid[])`,
        requests.map((r) => r.id),
      );
      const byId = new Map(rows.map((row) => [row.id, toRecord(row)]));
      const records = requests.map((r) => byId.get(r.id) as AccessRequestRecord);
      await auditIn(
        tx,
        audit,
        records.map((record) => ({ record, from: undefined, moved: true })),
      );
      await this.#notify(
        tx,
        requests.flatMap((request, i) => {
          const record = records[i];
          return record ? eventsOf(undefined, record, request.principalId, request.now) : [];
        }),
      );
      return records;
    });
  }

  async get(id: string): Promise<AccessRequestRecord | undefined> {
    if (!UUID.test(id)) return undefined;
    return readOne(this.prisma, id);
  }

  async countByState(): Promise<Partial<Record<AccessRequestState, number>>> {
    const rows = await this.prisma.$queryRawUnsafe<{ state: AccessRequestState; n: number }[]>(
      `SELECT state, count(*)::int AS n FROM access_requests GROUP BY state`,
    );
    return Object.fromEntries(rows.map((row) => [row.state, row.n]));
  }

  async list(filter: AccessRequestFilter): Promise<AccessRequestRecord[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (filter.principalId !== undefined) {
      params.push(filter.principalId);
      where.push(`r.principal_id = $${String(params.length)}`);
    }
    if (filter.states !== undefined) {
      params.push([...filter.states]);
      where.push(`r.state = ANY($${String(params.length)}::text[])`);
    }
    if (filter.roleIds !== undefined) {
      params.push([...filter.roleIds]);
      where.push(`r.role_id = ANY($${String(params.length)}::uuid[])`);
    }
    params.push(Math.max(1, Math.min(filter.limit, 1000)));
    const rows = await this.prisma.$queryRawUnsafe<Row[]>(
      `SELECT ${COLUMNS} FROM access_requests r ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY r.created_at DESC, r.id DESC LIMIT $${String(params.length)}`,
      ...params,
    );
    return rows.map(toRecord);
  }

  approve(
    id: string,
    approval: { approverId: string; comment?: string; at: number; needed: number },
    audit?: AuditOf,
  ): Promise<TransitionResult> {
    return this.#transition(id, approval.at, approval.approverId, ['pending'], audit, async (tx, locked) => {
      const inserted = await tx.$queryRawUnsafe<{ approver_id: string }[]>(
        `INSERT INTO access_request_approvals (request_id, approver_id, comment, at) VALUES ($1::uuid, $2, $3, $4::timestamptz)
         ON CONFLICT DO NOTHING RETURNING approver_id`,
        id,
        approval.approverId,
        approval.comment ?? null,
        iso(approval.at),
      );
      if (inserted.length === 0) return 'already_approved';
      const [count] = await tx.$queryRawUnsafe<{ n: number }[]>(
        `SELECT count(*)::int AS n FROM access_request_approvals WHERE request_id = $1::uuid`,
        id,
      );
      if ((count?.n ?? 0) < approval.needed) return 'kept';
      const start = Math.max(locked.starts_at ?? approval.at, approval.at);
      await tx.$executeRawUnsafe(
        `UPDATE access_requests SET state = $2, decided_at = $3::timestamptz, decided_by = $4, decision_comment = $5,
           starts_at = $6::timestamptz, activated_at = $7::timestamptz, ends_at = $8::timestamptz WHERE id = $1::uuid`,
        id,
        start > approval.at ? 'approved' : 'active',
        iso(approval.at),
        approval.approverId,
        approval.comment ?? null,
        iso(start),
        start > approval.at ? null : iso(approval.at),
        iso(start + locked.duration_seconds * 1000),
      );
      return 'moved';
    });
  }

  deny(id: string, decision: { approverId: string; comment?: string; at: number }, audit?: AuditOf): Promise<TransitionResult> {
    return this.#transition(id, decision.at, decision.approverId, ['pending'], audit, async (tx) => {
      await tx.$executeRawUnsafe(
        `UPDATE access_requests SET state = 'denied', decided_at = $2::timestamptz, decided_by = $3, decision_comment = $4 WHERE id = $1::uuid`,
        id,
        iso(decision.at),
        decision.approverId,
        decision.comment ?? null,
      );
      return 'moved';
    });
  }

  cancel(id: string, by: { principalId: string; at: number }, audit?: AuditOf): Promise<TransitionResult> {
    return this.#transition(
      id,
      by.at,
      by.principalId,
      ['pending', 'approved', 'active'],
      audit,
      async (tx, locked) => {
        const ending = locked.state !== 'pending';
        await tx.$executeRawUnsafe(
          `UPDATE access_requests SET state = 'cancelled', ended_at = $2::timestamptz, ended_by = $3, end_reason = $4 WHERE id = $1::uuid`,
          id,
          iso(by.at),
          by.principalId,
          ending ? 'cancelled' : null,
        );
        return 'moved';
      },
      by.principalId,
    );
  }

  revoke(id: string, by: { actorId: string; reason: string; at: number }, audit?: AuditOf): Promise<TransitionResult> {
    return this.#transition(id, by.at, by.actorId, ['approved', 'active'], audit, async (tx) => {
      await tx.$executeRawUnsafe(
        `UPDATE access_requests SET state = 'revoked', ended_at = $2::timestamptz, ended_by = $3, end_reason = $4 WHERE id = $1::uuid`,
        id,
        iso(by.at),
        by.actorId,
        by.reason,
      );
      return 'moved';
    });
  }

  async advance(at: number, audit?: AuditOf): Promise<{ record: AccessRequestRecord; from: AccessRequestState }[]> {
    // Each UPDATE moves a row only from the state it names: whichever instance runs it first moves it, once.
    return this.#moveAll(audit, SYSTEM_ACTOR, at, [
      [
        'pending',
        `UPDATE access_requests SET state = 'expired_unanswered', ended_at = $1::timestamptz
         WHERE state = 'pending' AND expires_at <= $1::timestamptz RETURNING id::text AS id`,
        [iso(at)],
      ],
      [
        'approved',
        `UPDATE access_requests SET state = 'active', activated_at = greatest(starts_at, decided_at)
         WHERE state = 'approved' AND starts_at <= $1::timestamptz RETURNING id::text AS id`,
        [iso(at)],
      ],
      [
        'active',
        `UPDATE access_requests SET state = 'expired', ended_at = ends_at, end_reason = 'expired'
         WHERE state = 'active' AND ends_at <= $1::timestamptz RETURNING id::text AS id`,
        [iso(at)],
      ],
    ]);
  }

  async endOrphaned(at: number, by: string, audit?: AuditOf): Promise<StoredChange[]> {
    // The mapping is no foreign key (the request outlives it for audit): "orphaned" is its id gone from group_mappings.
    const moved = await this.#moveAll(audit, by, at, [
      ['approved', orphanedSql('approved'), [iso(at), by]],
      ['active', orphanedSql('active'), [iso(at), by]],
    ]);
    return moved.map((m) => ({ ...m, moved: true }));
  }

  /** Conditional UPDATEs (each RETURNING the ids it moved) and the moves' audit rows, in one transaction. */
  async #moveAll(
    audit: AuditOf | undefined,
    actor: string,
    at: number,
    steps: readonly (readonly [AccessRequestState, string, readonly unknown[]])[],
  ): Promise<{ record: AccessRequestRecord; from: AccessRequestState }[]> {
    return this.prisma.$transaction(async (tx) => {
      const moved: { id: string; from: AccessRequestState }[] = [];
      for (const [from, sql, params] of steps) {
        const rows = await tx.$queryRawUnsafe<{ id: string }[]>(sql, ...params);
        for (const row of rows) moved.push({ id: row.id, from });
      }
      if (moved.length === 0) return [];
      const rows = await tx.$queryRawUnsafe<Row[]>(
        `SELECT ${COLUMNS} FROM access_requests r WHERE r.id = ANY($1::uuid[])`,
        moved.map((m) => m.id),
      );
      const byId = new Map(rows.map((row) => [row.id, toRecord(row)]));
      const changes = moved.flatMap((m) => {
        const record = byId.get(m.id);
        return record ? [{ record, from: m.from }] : [];
      });
      await auditIn(
        tx,
        audit,
        changes.map((c) => ({ ...c, moved: true })),
      );
      await this.#notify(
        tx,
        changes.flatMap(({ record, from }) => eventsOf(from, record, actor, at)),
      );
      return changes;
    });
  }

  async listGrants(at: number): Promise<ActiveGrant[]> {
    const rows = await this.prisma.$queryRawUnsafe<
      { id: string; principal_id: string; role_id: string; starts_at: number; ends_at: number }[]
    >(
      `SELECT r.id::text AS id, r.principal_id, r.role_id::text AS role_id, ${ms('starts_at')}, ${ms('ends_at')}
       FROM access_requests r WHERE r.state IN ('active', 'approved') AND r.ends_at > $1::timestamptz`,
      iso(at),
    );
    return rows.map((row) => ({
      id: row.id,
      principalId: row.principal_id,
      roleId: row.role_id,
      startsAt: row.starts_at,
      endsAt: row.ends_at,
    }));
  }

  /**
   * One transition under the row lock: refused unless the request is in one
   * of `from`; a pending request past its expiry is marked expired_unanswered
   * here and refused as `expired`. `owner`, when given, must be the requester
   * (else not_found: no telling others' requests exist).
   */
  async #transition(
    id: string,
    at: number,
    actor: string,
    from: readonly AccessRequestState[],
    audit: AuditOf | undefined,
    work: (tx: Prisma.TransactionClient, locked: Locked) => Promise<'moved' | 'kept' | 'already_approved'>,
    owner?: string,
  ): Promise<TransitionResult> {
    if (!UUID.test(id)) return { ok: false, refusal: 'not_found' };
    type Outcome =
      | { refusal: TransitionRefusal; expiredNow?: true; record?: AccessRequestRecord }
      | { from: AccessRequestState; moved: boolean; record: AccessRequestRecord };
    const outcome = await this.prisma.$transaction(async (tx): Promise<Outcome> => {
      const [locked] = await tx.$queryRawUnsafe<Locked[]>(
        `SELECT state, principal_id, duration_seconds, ${ms('expires_at')}, ${ms('starts_at')} FROM access_requests r WHERE id = $1::uuid FOR UPDATE`,
        id,
      );
      if (locked === undefined || (owner !== undefined && locked.principal_id !== owner)) return { refusal: 'not_found' };
      if (locked.state === 'pending' && locked.expires_at <= at) {
        await tx.$executeRawUnsafe(
          `UPDATE access_requests SET state = 'expired_unanswered', ended_at = $2::timestamptz WHERE id = $1::uuid`,
          id,
          iso(at),
        );
        const expired = (await readOne(tx, id)) as AccessRequestRecord;
        await auditIn(tx, audit, [{ record: expired, from: 'pending', moved: true }]);
        await this.#notify(tx, eventsOf('pending', expired, SYSTEM_ACTOR, at));
        return { refusal: 'expired', expiredNow: true, record: expired };
      }
      if (!from.includes(locked.state)) return { refusal: 'wrong_state' };
      const done = await work(tx, locked);
      if (done === 'already_approved') return { refusal: 'already_approved' };
      const record = (await readOne(tx, id)) as AccessRequestRecord;
      await auditIn(tx, audit, [{ record, from: locked.state, moved: done === 'moved' }]);
      if (done === 'moved') await this.#notify(tx, eventsOf(locked.state, record, actor, at));
      return { from: locked.state, moved: done === 'moved', record };
    });
    if ('refusal' in outcome) {
      const record = outcome.record ?? (await readOne(this.prisma, id));
      return {
        ok: false,
        refusal: outcome.refusal,
        ...(record ? { record } : {}),
        ...(outcome.expiredNow ? { expiredNow: true } : {}),
      };
    }
    return { ok: true, record: outcome.record, from: outcome.from, moved: outcome.moved };
  }

  /** The notifications of transitions just made in `tx`, written in `tx` (nothing without an outbox). */
  async #notify(tx: Prisma.TransactionClient, events: readonly NotificationEvent[]): Promise<void> {
    if (this.outbox !== undefined && events.length > 0) await this.outbox.write(tx, events);
  }
}

function eventsOf(from: AccessRequestState | undefined, record: AccessRequestRecord, actor: string, at: number): NotificationEvent[] {
  const request = notifiedRequest(record);
  return kindsOfTransition(from, record).map((kind) => ({ id: randomUUID(), kind, occurredAt: iso(at), actor, request }));
}

/** Moves every grant in `from` whose mapping is gone: $1 the time, $2 who ends it. */
function orphanedSql(from: 'approved' | 'active'): string {
  return `UPDATE access_requests r SET state = 'revoked', ended_at = $1::timestamptz, ended_by = $2, end_reason = 'mapping_removed'
    WHERE r.state = '${from}' AND NOT EXISTS (SELECT 1 FROM group_mappings m WHERE m.id = r.mapping_id) RETURNING r.id::text AS id`;
}

/** One new request's row. */
async function insertRequest(tx: Prisma.TransactionClient, request: NewAccessRequest): Promise<void> {
  const auto = request.autoApprovedBy;
  const start = Math.max(request.startsAt ?? request.now, request.now);
  const state: AccessRequestState = auto === undefined ? 'pending' : start > request.now ? 'approved' : 'active';
  await tx.$executeRawUnsafe(
    `INSERT INTO access_requests (id, state, principal_id, idp, username, groups, account_id, role_id, role_arn, mapping_id, policy,
       duration_seconds, reason, ticket, auto_approved, created_at, expires_at, starts_at, decided_at, decided_by, activated_at, ends_at, batch_id)
     VALUES ($1::uuid, $2, $3, $4, $5, $6::text[], $7, $8::uuid, $9, $10::uuid, $11::jsonb, $12, $13, $14, $15, $16::timestamptz, $17::timestamptz,
       $18::timestamptz, $19::timestamptz, $20, $21::timestamptz, $22::timestamptz, $23::uuid)`,
    request.id,
    state,
    request.principalId,
    request.idp,
    request.username,
    [...request.groups],
    request.accountId,
    request.roleId,
    request.roleArn,
    request.mappingId,
    JSON.stringify(request.policy),
    request.durationSeconds,
    request.reason ?? null,
    request.ticket ?? null,
    auto !== undefined,
    iso(request.now),
    iso(request.expiresAt),
    request.startsAt === undefined && auto === undefined ? null : iso(start),
    auto === undefined ? null : iso(request.now),
    auto ?? null,
    state === 'active' ? iso(request.now) : null,
    auto === undefined ? null : iso(start + request.durationSeconds * 1000),
    request.batchId ?? null,
  );
}

interface Locked {
  state: AccessRequestState;
  principal_id: string;
  duration_seconds: number;
  expires_at: number;
  starts_at: number | null;
}

async function readOne(db: Db, id: string): Promise<AccessRequestRecord | undefined> {
  const rows = await db.$queryRawUnsafe<Row[]>(`SELECT ${COLUMNS} FROM access_requests r WHERE r.id = $1::uuid`, id);
  return rows[0] ? toRecord(rows[0]) : undefined;
}

interface Row {
  id: string;
  state: AccessRequestState;
  principal_id: string;
  idp: string;
  username: string;
  groups: string[] | null;
  account_id: string;
  role_id: string;
  role_arn: string;
  mapping_id: string;
  policy: ApprovalPolicy;
  duration_seconds: number;
  reason: string | null;
  ticket: string | null;
  auto_approved: boolean;
  created_at: number;
  expires_at: number;
  starts_at: number | null;
  decided_at: number | null;
  activated_at: number | null;
  ends_at: number | null;
  ended_at: number | null;
  decided_by: string | null;
  decision_comment: string | null;
  ended_by: string | null;
  end_reason: string | null;
  batch_id: string | null;
  approvals: { approverId: string; at: number; comment: string | null }[] | null;
}

function toRecord(row: Row): AccessRequestRecord {
  const optional = <K extends string, V>(key: K, value: V | null): Partial<Record<K, V>> =>
    value === null ? {} : ({ [key]: value } as Record<K, V>);
  return {
    id: row.id,
    state: row.state,
    principalId: row.principal_id,
    idp: row.idp,
    username: row.username,
    groups: [...(row.groups ?? [])],
    accountId: row.account_id,
    roleId: row.role_id,
    roleArn: row.role_arn,
    mappingId: row.mapping_id,
    policy: row.policy,
    durationSeconds: row.duration_seconds,
    ...optional('reason', row.reason),
    ...optional('ticket', row.ticket),
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    ...optional('startsAt', row.starts_at),
    ...optional('decidedAt', row.decided_at),
    ...optional('decidedBy', row.decided_by),
    ...optional('decisionComment', row.decision_comment),
    ...optional('activatedAt', row.activated_at),
    ...optional('endsAt', row.ends_at),
    ...optional('endedAt', row.ended_at),
    ...optional('endedBy', row.ended_by),
    ...optional('endReason', row.end_reason),
    ...optional('batchId', row.batch_id),
    approvals: (row.approvals ?? []).map((a): AccessApproval => ({
      approverId: a.approverId,
      at: a.at,
      ...(a.comment === null ? {} : { comment: a.comment }),
    })),
    autoApproved: row.auto_approved,
  };
}
