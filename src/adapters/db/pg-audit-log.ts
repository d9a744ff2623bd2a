import { RolegateError } from '../../domain/errors.js';
import type { AuditEvent, AuditLog } from '../../ports/audit-log.js';
import { auditBatchParameters, INSERT_AUDIT_BATCH } from './audit-insert.js';
import { ensureAuditPartitions } from './audit-partitions.js';
import { describePgError, type Database } from './database.js';
import { dependencyUnavailable, reportingFailuresAs } from '../dependency-failures.js';

interface Pending {
  event: AuditEvent;
  resolve: () => void;
  reject: (error: unknown) => void;
  /** When the caller stops waiting (performance.now()). */
  deadline: number;
  /** Answered already (committed, failed, or refused at its deadline): later outcomes change nothing. */
  settled: boolean;
}

// Read at each call (not bound once), so tests can drive time with fake timers.
const now = () => performance.now();

/** What a refused record tells its caller to do: come back after this many seconds (RFC 9110 section 10.2.3). */
const RETRY_AFTER_SECONDS = '5';

const MAX_BATCH = 500;

const UPKEEP_INTERVAL_MS = 3_600_000;
const UPKEEP_TIMEOUT_MS = 60_000;

/** The batch INSERT (audit-insert.ts), named: prepared once per connection. */
const INSERT_BATCH = { name: 'rolegate_audit_insert_batch', text: INSERT_AUDIT_BATCH };

export interface GroupCommitOptions {
  /** INSERTs in flight at most. */
  maxInFlight?: number;
  /** Another INSERT starts beside those in flight only once this many events wait. */
  overlapAt?: number;
  /** How long `record` waits for its row's commit before it rejects (default 1800 ms). */
  commitTimeoutMs?: number;
  /** Events that may wait at once; beyond it `record` rejects at once (default 10,000). */
  maxQueued?: number;
  /**
   * The first partition upkeep is due this long after the writer is made (default one minute:
   * start-up's migration step has just made the months ahead), then hourly.
   */
  firstUpkeepAfterMs?: number;
}

const AUDIT_LOG = 'The audit log (PostgreSQL)';
const asAuditFailure = (error: unknown): never => {
  throw dependencyUnavailable(AUDIT_LOG, error);
};

/**
 * AuditLog on the append-only audit_events table, with group commit: events
 * recorded while a write is in flight go together into the next single
 * INSERT. Each `record` resolves only once its own row is committed, so "no
 * audit row, no credentials" holds; under load one round trip (and one WAL
 * flush) serves many requests, and with no load nothing waits.
 *
 * One INSERT in flight while the load is light, so the next batch gathers
 * while the current one commits; a second one starts only when a backlog of
 * 32 events has built up behind it. Measured with 64 concurrent cached
 * credentials requests (bench/credentials.bench.mjs, A/B on one machine):
 * one in flight ~5,500 answers/s; two ~6,800 (overlap at 16 waiting) and
 * ~7,700 (at 32); three, or overlap at 8, 24 or 48, did worse. Each INSERT
 * costs PostgreSQL a fixed ~0.5 ms beside its rows, so small batches lose.
 *
 * When PostgreSQL cannot commit (stalled, down, restarting, overloaded), every
 * `record` rejects within `commitTimeoutMs` with a 503 carrying Retry-After,
 * and at once when `maxQueued` events are already waiting, so the queue and
 * the requests behind it cannot grow without bound. An event refused while
 * still queued is never written. One refused while its INSERT is in flight may
 * yet be committed: its caller has been told no and acts on nothing, so the
 * trail can only hold a row too many, never miss one ("no audit row, no
 * credentials"; an unknown outcome counts as no row).
 */
export class PgAuditLog implements AuditLog {
  readonly #queue: Pending[] = [];
  readonly #inFlight = new Set<Pending[]>();
  #writers = 0;
  readonly #maxInFlight: number;
  readonly #overlapAt: number;
  readonly #commitTimeoutMs: number;
  readonly #maxQueued: number;
  #timer: NodeJS.Timeout | undefined;

  /** When the next partition upkeep is due (performance.now()); see #upkeepIfDue. */
  #upkeepDueAt = 0;

  constructor(
    private readonly database: Pick<Database, 'query'> & Partial<Pick<Database, 'withConnection' | 'logger'>>,
    options: GroupCommitOptions = {},
  ) {
    this.#maxInFlight = options.maxInFlight ?? 2;
    this.#overlapAt = options.overlapAt ?? 32;
    this.#commitTimeoutMs = options.commitTimeoutMs ?? 1800;
    this.#maxQueued = options.maxQueued ?? 10_000;
    this.#upkeepDueAt = now() + (options.firstUpkeepAfterMs ?? 60_000);
    return reportingFailuresAs(this, AUDIT_LOG);
  }

  /** Events waiting to be written (not yet in an INSERT). */
  get queued(): number {
    return this.#queue.length;
  }

  record(event: AuditEvent): Promise<void> {
    const recorded = this.#enqueue(event);
    this.#drainIfIdle();
    return recorded;
  }

  /** All queued before a writer starts, so an idle log writes them in one INSERT. */
  recordAll(events: readonly AuditEvent[]): Promise<void>[] {
    // An array, not a promise: the view of reportingFailuresAs does not reach into it, so each is translated here.
    const recorded = events.map((event) => this.#enqueue(event).catch(asAuditFailure));
    this.#drainIfIdle();
    return recorded;
  }

  #enqueue(event: AuditEvent): Promise<void> {
    if (this.#queue.length >= this.#maxQueued) {
      return Promise.reject(
        unavailable(
          `The audit trail (PostgreSQL) is ${String(this.#queue.length)} rows behind, so nothing that needs a record is done now`,
        ),
      );
    }
    this.#upkeepIfDue();
    return new Promise((resolve, reject) => {
      this.#queue.push({ event, resolve, reject, deadline: now() + this.#commitTimeoutMs, settled: false });
      if (!this.#timer) this.#arm(this.#commitTimeoutMs);
    });
  }

  #drainIfIdle(): void {
    if (this.#queue.length === 0) return;
    if (this.#writers === 0 || (this.#writers < this.#maxInFlight && this.#queue.length >= this.#overlapAt)) void this.#drain();
  }

  /**
   * Whoever writes the trail makes sure next months' partitions exist: at the first record a
   * minute after start-up and then hourly, beside the writes (never in their way: a failure is logged, and rows would land
   * in the default partition meanwhile). Several instances take turns through an advisory lock.
   */
  #upkeepIfDue(): void {
    const { database } = this;
    const { logger } = database;
    if (!database.withConnection || !logger || now() < this.#upkeepDueAt) return;
    this.#upkeepDueAt = now() + UPKEEP_INTERVAL_MS;
    database
      .withConnection(UPKEEP_TIMEOUT_MS, (sql) => ensureAuditPartitions(sql, new Date()))
      .then(
        (result) => {
          if (result.created.length > 0) logger.info({ event: 'audit.partitions', ...result }, 'audit partitions created ahead');
        },
        (error: unknown) =>
          logger.warn(
            { dependency: 'postgres', reason: describePgError(error) },
            'audit partitions could not be created ahead; retrying within the hour (new rows go to the default partition meanwhile)',
          ),
      );
  }

  async #drain(): Promise<void> {
    this.#writers++;
    while (this.#queue.length > 0) {
      const batch = this.#queue.splice(0, MAX_BATCH);
      this.#inFlight.add(batch);
      try {
        await this.#insert(batch.map((pending) => pending.event));
        for (const pending of batch) settle(pending, undefined);
      } catch (error) {
        if (batch.length > 1 && isDataError(error)) await this.#oneByOne(batch);
        else for (const pending of batch) settle(pending, error);
      } finally {
        this.#inFlight.delete(batch);
      }
    }
    this.#writers--;
  }

  /**
   * Refuses every event whose caller has waited commitTimeoutMs, then waits for the next
   * deadline. Events are queued in arrival order and written oldest first, so the first one
   * not yet due ends the scan of the queue.
   */
  #expire(): void {
    this.#timer = undefined;
    const at = now();
    let next = Number.POSITIVE_INFINITY;
    for (const batch of this.#inFlight) {
      for (const pending of batch) {
        if (pending.settled) continue;
        if (pending.deadline <= at) {
          settle(
            pending,
            unavailable(`The audit trail (PostgreSQL) did not confirm the record within ${String(this.#commitTimeoutMs)} ms`),
          );
        } else next = Math.min(next, pending.deadline);
      }
    }
    const due = this.#queue.findIndex((pending) => pending.deadline > at);
    const expired = this.#queue.splice(0, due === -1 ? this.#queue.length : due);
    for (const pending of expired) {
      settle(pending, unavailable(`The audit trail (PostgreSQL) could not write the record within ${String(this.#commitTimeoutMs)} ms`));
    }
    const head = this.#queue[0];
    if (head) next = Math.min(next, head.deadline);
    if (next !== Number.POSITIVE_INFINITY) this.#arm(Math.max(1, next - at));
  }

  #arm(delayMs: number): void {
    this.#timer = setTimeout(() => this.#expire(), delayMs);
    this.#timer.unref();
  }

  /** A row PostgreSQL refuses must not take its batch with it: the others are written alone. */
  async #oneByOne(batch: Pending[]): Promise<void> {
    for (const pending of batch) {
      if (pending.settled) continue; // refused at its deadline: its caller has moved on
      try {
        await this.#insert([pending.event]);
        settle(pending, undefined);
      } catch (error) {
        settle(pending, error);
      }
    }
  }

  async #insert(events: AuditEvent[]): Promise<void> {
    await this.database.query(INSERT_BATCH.text, auditBatchParameters(events), INSERT_BATCH.name);
  }
}

function settle(pending: Pending, error: unknown): void {
  if (pending.settled) return;
  pending.settled = true;
  if (error === undefined) pending.resolve();
  else pending.reject(error);
}

function unavailable(detail: string): RolegateError {
  return new RolegateError('dependency_unavailable', {
    detail: `${detail}; try again shortly`,
    headers: { 'Retry-After': RETRY_AFTER_SECONDS },
  });
}

/** SQLSTATE class 22 (data exception) or 23 (integrity constraint): this row, not the database, is the problem. */
function isDataError(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && (code.startsWith('22') || code.startsWith('23'));
}
