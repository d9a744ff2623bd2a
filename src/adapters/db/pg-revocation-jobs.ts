import { randomUUID } from 'node:crypto';
import type { RevocationEntry } from '../../domain/revocation-policy.js';
import type { RevocationJob, RevocationJobState, RevocationJobStore } from '../../ports/revocation-jobs.js';
import { reportingFailuresAs } from '../dependency-failures.js';
import type { PrismaClient } from './generated/client.js';

const ERROR_MAX = 500;
const COLUMNS = `id::text AS id, account_id, role_arn, entries, state, attempts, revision, next_attempt_at, last_error, broadened, attached_at, removed_at`;

interface Row {
  id: string;
  account_id: string;
  role_arn: string;
  entries: RevocationEntry[];
  state: RevocationJobState;
  attempts: number;
  revision: number;
  next_attempt_at: Date | null;
  last_error: string | null;
  broadened: boolean;
  attached_at: Date | null;
  removed_at: Date | null;
}

const iso = (ms: number) => new Date(ms).toISOString();

/**
 * RevocationJobStore on revocation_jobs. The claim is one statement, like the
 * notification outbox's: due rows without a live lease are locked FOR UPDATE
 * SKIP LOCKED (a second claimer passes over them) and leased to the claimer in
 * the same UPDATE. Results are fenced on (lease owner, revision).
 */
export class PgRevocationJobStore implements RevocationJobStore {
  constructor(private readonly prisma: PrismaClient) {
    return reportingFailuresAs(this, 'The database');
  }

  async enqueue(items: readonly { accountId: string; roleArn: string; entry: RevocationEntry }[], now: number): Promise<void> {
    if (items.length === 0) return;
    await this.prisma.$executeRawUnsafe(
      `INSERT INTO revocation_jobs AS j (id, account_id, role_arn, entries, state, attempts, next_attempt_at, created_at, updated_at)
       SELECT r.id, r.account_id, r.role_arn, jsonb_build_array(r.entry), 'pending', 0, $2::timestamptz, $2::timestamptz, $2::timestamptz
       FROM jsonb_to_recordset($1::jsonb) AS r(id uuid, account_id text, role_arn text, entry jsonb)
       ON CONFLICT (role_arn) DO UPDATE SET
         entries = CASE WHEN j.state = 'removed' THEN EXCLUDED.entries ELSE j.entries || EXCLUDED.entries END,
         account_id = EXCLUDED.account_id, state = 'pending', attempts = 0, next_attempt_at = $2::timestamptz,
         last_error = NULL, removed_at = NULL, revision = j.revision + 1, updated_at = $2::timestamptz`,
      JSON.stringify(items.map((i) => ({ id: randomUUID(), account_id: i.accountId, role_arn: i.roleArn, entry: i.entry }))),
      iso(now),
    );
  }

  async claim(owner: string, limit: number, leaseMs: number, now: number): Promise<RevocationJob[]> {
    const rows = await this.prisma.$queryRawUnsafe<Row[]>(
      `UPDATE revocation_jobs j SET lease_owner = $1, lease_expires_at = $3::timestamptz + $4::int * interval '1 millisecond',
         attempts = j.attempts + 1
       WHERE j.id IN (
         SELECT id FROM revocation_jobs
         WHERE next_attempt_at <= $3::timestamptz AND state <> 'removed' AND (lease_expires_at IS NULL OR lease_expires_at <= $3::timestamptz)
         ORDER BY next_attempt_at LIMIT $2::int FOR UPDATE SKIP LOCKED)
       RETURNING ${COLUMNS}`,
      owner,
      limit,
      iso(now),
      Math.round(leaseMs),
    );
    return rows.map(toJob);
  }

  async attached(
    job: RevocationJob,
    owner: string,
    result: { entries: RevocationEntry[]; broadened: boolean; nextAttemptAt: number },
    now: number,
  ): Promise<boolean> {
    const changed = await this.prisma.$executeRawUnsafe(
      `UPDATE revocation_jobs SET state = 'attached', entries = $4::jsonb, broadened = $5, next_attempt_at = $6::timestamptz,
         attempts = 0, last_error = NULL, lease_owner = NULL, lease_expires_at = NULL,
         attached_at = COALESCE(attached_at, $7::timestamptz), updated_at = $7::timestamptz
       WHERE id = $1::uuid AND lease_owner = $2 AND revision = $3`,
      job.id,
      owner,
      job.revision,
      JSON.stringify(result.entries),
      result.broadened,
      iso(result.nextAttemptAt),
      iso(now),
    );
    if (changed === 0) await this.#release(job, owner);
    return changed > 0;
  }

  async removed(job: RevocationJob, owner: string, now: number): Promise<boolean> {
    const changed = await this.prisma.$executeRawUnsafe(
      `UPDATE revocation_jobs SET state = 'removed', entries = '[]'::jsonb, next_attempt_at = NULL, attempts = 0, last_error = NULL,
         lease_owner = NULL, lease_expires_at = NULL, removed_at = $4::timestamptz, updated_at = $4::timestamptz
       WHERE id = $1::uuid AND lease_owner = $2 AND revision = $3`,
      job.id,
      owner,
      job.revision,
      iso(now),
    );
    if (changed === 0) await this.#release(job, owner);
    return changed > 0;
  }

  async failed(job: RevocationJob, owner: string, error: string, retryAt: number | undefined, now: number): Promise<void> {
    // A newer revision keeps its own due time; the error is still shown.
    await this.prisma.$executeRawUnsafe(
      `UPDATE revocation_jobs SET last_error = $3, lease_owner = NULL, lease_expires_at = NULL, updated_at = $6::timestamptz,
         state = CASE WHEN revision = $4 THEN 'failed' ELSE state END,
         next_attempt_at = CASE WHEN revision = $4 THEN $5::timestamptz ELSE next_attempt_at END
       WHERE id = $1::uuid AND lease_owner = $2`,
      job.id,
      owner,
      error.slice(0, ERROR_MAX),
      job.revision,
      retryAt === undefined ? null : iso(retryAt),
      iso(now),
    );
  }

  async #release(job: RevocationJob, owner: string): Promise<void> {
    await this.prisma.$executeRawUnsafe(
      `UPDATE revocation_jobs SET lease_owner = NULL, lease_expires_at = NULL WHERE id = $1::uuid AND lease_owner = $2`,
      job.id,
      owner,
    );
  }

  async list(filter: { roleArn?: string; accountId?: string } = {}): Promise<RevocationJob[]> {
    const rows = await this.prisma.$queryRawUnsafe<Row[]>(
      `SELECT ${COLUMNS} FROM revocation_jobs
       WHERE ($1::text IS NULL OR role_arn = $1) AND ($2::text IS NULL OR account_id = $2) ORDER BY account_id, role_arn`,
      filter.roleArn ?? null,
      filter.accountId ?? null,
    );
    return rows.map(toJob);
  }

  async counts(): Promise<Record<RevocationJobState, number>> {
    const rows = await this.prisma.$queryRawUnsafe<{ state: RevocationJobState; n: number }[]>(
      `SELECT state, count(*)::int AS n FROM revocation_jobs GROUP BY state`,
    );
    const counts: Record<RevocationJobState, number> = { pending: 0, attached: 0, removed: 0, failed: 0 };
    for (const row of rows) counts[row.state] = row.n;
    return counts;
  }
}

function toJob(row: Row): RevocationJob {
  return {
    id: row.id,
    accountId: row.account_id,
    roleArn: row.role_arn,
    entries: row.entries,
    state: row.state,
    attempts: row.attempts,
    revision: row.revision,
    ...(row.next_attempt_at ? { nextAttemptAt: row.next_attempt_at } : {}),
    ...(row.last_error !== null ? { lastError: row.last_error } : {}),
    broadened: row.broadened,
    ...(row.attached_at ? { attachedAt: row.attached_at } : {}),
    ...(row.removed_at ? { removedAt: row.removed_at } : {}),
  };
}
