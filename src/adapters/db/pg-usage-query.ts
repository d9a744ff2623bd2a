import type { HolderRow, RoleUseRow, UsageQuery, UsageRollup, UsageRollupRun } from '../../ports/usage-query.js';
import type { Database } from './database.js';
import { reportingFailuresAs } from '../dependency-failures.js';

/** A report reads a whole window (months of uses): longer than a request's limits. */
const REPORT_TIMEOUT_MS = 30_000;
/** One day of the roll-up (its uses read through the (at, id) index of one partition). */
const DAY_TIMEOUT_MS = 120_000;
const DAY_MS = 86_400_000;

/** The surface of a use, from its user agent (the same expression everywhere the report reads raw rows). */
const CLIENT = `CASE WHEN user_agent LIKE 'rolegate-cli%' THEN 'cli' WHEN user_agent LIKE 'Mozilla/%' THEN 'portal' ELSE 'api' END`;
/** Which audit rows are uses. */
const IS_USE = `outcome = 'success' AND type IN ('credentials.issue', 'console.url_issued') AND subject IS NOT NULL`;

/**
 * Uses by role ARN and time, on the partial index audit_events_usage_idx
 * (successful credentials.issue and console.url_issued rows, with subject,
 * type, user agent and groups included): one index-only range scan per role
 * and weekly partition. The client is told by its user agent: the rolegate
 * CLI sends `rolegate-cli`, browsers `Mozilla/…`; anything else is the API.
 */
const USES = `
  SELECT role_arn, subject, groups,
         CASE WHEN user_agent LIKE 'rolegate-cli%' THEN 'cli' WHEN user_agent LIKE 'Mozilla/%' THEN 'portal' ELSE 'api' END AS client,
         count(*) FILTER (WHERE type = 'credentials.issue')::int AS issued,
         count(*) FILTER (WHERE type = 'console.url_issued')::int AS consoles,
         max(at) AS last_at
    FROM audit_events
   WHERE role_arn = ANY($1::text[]) AND at >= $2
     AND outcome = 'success' AND type IN ('credentials.issue', 'console.url_issued') AND subject IS NOT NULL
   GROUP BY role_arn, subject, groups, 4`;

/**
 * The same uses, with the complete days rolled up read from audit_usage_days: the raw rows of the
 * partial first day ($2 to $3), the roll-up's days ($3 to $4, the first day not rolled up), the raw
 * rows from $4 on (today, and any day not rolled up yet). Summed per group, the answer is the one
 * USES gives (test/component/db/usage-rollup.test.ts). Groups are never NULL here (a use without
 * groups is one with none), as the report reads them.
 */
const USES_ROLLED = `
  SELECT role_arn, subject, groups, client, sum(issued)::int AS issued, sum(consoles)::int AS consoles, max(last_at) AS last_at
    FROM (
      SELECT role_arn, subject, coalesce(groups, '{}') AS groups, ${CLIENT} AS client,
             count(*) FILTER (WHERE type = 'credentials.issue')::int AS issued,
             count(*) FILTER (WHERE type = 'console.url_issued')::int AS consoles,
             max(at) AS last_at
        FROM audit_events
       WHERE role_arn = ANY($1::text[]) AND ((at >= $2 AND at < $3) OR at >= $4) AND ${IS_USE}
       GROUP BY 1, 2, 3, 4
      UNION ALL
      SELECT role_arn, subject, groups, client, issued, consoles, last_at
        FROM audit_usage_days
       WHERE role_arn = ANY($1::text[]) AND day >= $3 AND day < $4
    ) AS uses
   GROUP BY role_arn, subject, groups, client`;

/** One day rolled up: its uses grouped as the report groups them, replacing whatever an earlier run wrote for it. */
const ROLL_UP_DAY = `
  INSERT INTO audit_usage_days (day, role_arn, subject, groups, client, account_id, issued, consoles, last_at)
  SELECT $1::timestamptz, role_arn, subject, coalesce(groups, '{}'), ${CLIENT}, split_part(role_arn, ':', 5),
         count(*) FILTER (WHERE type = 'credentials.issue')::int,
         count(*) FILTER (WHERE type = 'console.url_issued')::int,
         max(at)
    FROM audit_events
   WHERE at >= $1::timestamptz AND at < $1::timestamptz + interval '1 day' AND role_arn IS NOT NULL AND ${IS_USE}
   GROUP BY role_arn, subject, coalesce(groups, '{}'), ${CLIENT}`;

/** Everyone who signed in in the window, with the groups of their latest sign-in (audit_events_logins_idx, in its order). */
const HOLDERS = `
  SELECT DISTINCT ON (subject) subject, groups
    FROM audit_events
   WHERE outcome = 'success' AND type = 'login' AND at >= $1 AND subject IS NOT NULL
   ORDER BY subject, at DESC`;

interface UseRow extends Record<string, unknown> {
  role_arn: string;
  subject: string;
  groups: string[] | null;
  client: RoleUseRow['client'];
  issued: number;
  consoles: number;
  last_at: Date;
}

export class PgUsageQuery implements UsageQuery, UsageRollup {
  constructor(private readonly database: Pick<Database, 'slowQuery' | 'withConnection'>) {
    return reportingFailuresAs(this, 'The audit log (PostgreSQL)');
  }

  /** From the roll-up for the complete days it holds, raw rows for the rest; raw rows only with `{ raw: true }` (tests, benchmarks). */
  async uses(roleArns: readonly string[], since: Date, options: { raw?: boolean } = {}): Promise<RoleUseRow[]> {
    if (roleArns.length === 0) return [];
    const [state] = await this.database.slowQuery<{ rolled_until: Date | null }>(
      'SELECT rolled_until FROM audit_usage_rollup WHERE id = 1',
      [],
      REPORT_TIMEOUT_MS,
    );
    const firstFullDay = new Date(Math.ceil(since.getTime() / DAY_MS) * DAY_MS);
    const rolledUntil = state?.rolled_until ?? null;
    const rolled = !options.raw && rolledUntil !== null && rolledUntil > firstFullDay;
    const rows = rolled
      ? await this.database.slowQuery<UseRow>(USES_ROLLED, [roleArns, since, firstFullDay, rolledUntil], REPORT_TIMEOUT_MS)
      : await this.database.slowQuery<UseRow>(USES, [roleArns, since], REPORT_TIMEOUT_MS);
    return rows.map((r) => ({
      roleArn: r.role_arn,
      subject: r.subject,
      groups: r.groups ?? [],
      client: r.client,
      issued: r.issued,
      consoles: r.consoles,
      lastAt: r.last_at,
    }));
  }

  async holders(since: Date): Promise<HolderRow[]> {
    const rows = await this.database.slowQuery<{ subject: string; groups: string[] | null }>(HOLDERS, [since], REPORT_TIMEOUT_MS);
    return rows.map((r) => ({ subject: r.subject, groups: r.groups ?? [] }));
  }

  /**
   * Rolls up the complete days not rolled up yet, one transaction each, at most `maxDays`: a day is
   * complete once it ended `graceMs` ago by the database's clock (the clock that stamps audit rows),
   * so a use committed just after midnight is in its day's roll-up. The watermark row is taken FOR
   * UPDATE SKIP LOCKED: while another instance rolls up, this one does nothing. A day is deleted
   * and written again whole, so a run cut short or repeated changes nothing. Then the roll-up's
   * days before the oldest audit row left (retention) are deleted.
   */
  async rollUp(options: { graceMs: number; maxDays: number }): Promise<UsageRollupRun> {
    let days = 0;
    let rolledUntil: Date | null = null;
    for (; days < options.maxDays; days++) {
      const step = await this.database.withConnection(DAY_TIMEOUT_MS, async (sql) => {
        await sql('BEGIN');
        try {
          await sql(`SET LOCAL statement_timeout = ${String(DAY_TIMEOUT_MS)}`);
          const [state] = await sql<{ rolled_until: Date | null; now: Date }>(
            'SELECT rolled_until, now() AS now FROM audit_usage_rollup WHERE id = 1 FOR UPDATE SKIP LOCKED',
          );
          if (!state) {
            await sql('ROLLBACK');
            return { busy: true as const };
          }
          let day = state.rolled_until;
          if (day === null) {
            const [oldest] = await sql<{ at: Date | null }>('SELECT min(at) AS at FROM audit_events');
            day = new Date(Math.floor((oldest?.at ?? state.now).getTime() / DAY_MS) * DAY_MS);
          }
          const next = new Date(day.getTime() + DAY_MS);
          if (next.getTime() + options.graceMs > state.now.getTime()) {
            if (state.rolled_until === null) await sql('UPDATE audit_usage_rollup SET rolled_until = $1 WHERE id = 1', [day]);
            await sql('COMMIT');
            return { done: true as const, rolledUntil: day };
          }
          await sql('DELETE FROM audit_usage_days WHERE day = $1', [day]);
          await sql(ROLL_UP_DAY, [day]);
          await sql('UPDATE audit_usage_rollup SET rolled_until = $1, rolled_at = now() WHERE id = 1', [next]);
          await sql('COMMIT');
          return { rolledUntil: next };
        } catch (error) {
          await sql('ROLLBACK').catch(() => undefined);
          throw error;
        }
      });
      if ('busy' in step) return { days, busy: true, rolledUntil };
      rolledUntil = step.rolledUntil;
      if ('done' in step) break;
    }
    await this.database.withConnection(DAY_TIMEOUT_MS, (sql) =>
      sql(`DELETE FROM audit_usage_days WHERE day < (SELECT date_trunc('day', min(at), 'UTC') FROM audit_events)`),
    );
    return { days, busy: false, rolledUntil };
  }
}

/** The report's statements, for EXPLAIN in tests and benchmarks. */
export const USAGE_STATEMENTS = { uses: USES, usesRolled: USES_ROLLED, rollUpDay: ROLL_UP_DAY, holders: HOLDERS };
