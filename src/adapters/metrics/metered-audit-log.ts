import type { AuditEvent, AuditLog } from '../../ports/audit-log.js';
import type { PrometheusMetrics } from './prometheus-metrics.js';

/**
 * An AuditLog that also counts what it records: every sign-in, successful or
 * not, is audited as a `login` event, so counting here sees them all without
 * each login path reporting twice.
 */
export class MeteredAuditLog implements AuditLog {
  constructor(
    private readonly inner: AuditLog,
    private readonly metrics: Pick<PrometheusMetrics, 'logins'>,
  ) {}

  record(event: AuditEvent): Promise<void> {
    return this.#counted(event, this.inner.record(event));
  }

  recordAll(events: readonly AuditEvent[]): Promise<void>[] {
    const recorded = this.inner.recordAll(events);
    return recorded.map((promise, i) => this.#counted(events[i], promise));
  }

  #counted(event: AuditEvent | undefined, recorded: Promise<void>): Promise<void> {
    if (event?.type !== 'login') return recorded; // no extra promise on the credentials path
    return recorded.then(() => this.metrics.logins.inc({ idp: event.idp ?? 'unknown', outcome: event.outcome }));
  }
}
