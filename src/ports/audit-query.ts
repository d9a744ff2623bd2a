import type { RecordedAuditEvent } from './audit-log.js';

/** Which audit events to read; every member narrows. */
export interface AuditFilter {
  /** Principal id (`<idp>:<subject>`) the event is about. */
  user?: string;
  /** A role ARN, or a role name (matches ARNs ending in `/<name>`). */
  role?: string;
  account?: string;
  from?: Date;
  /** Exclusive. */
  to?: Date;
  outcome?: 'success' | 'denied' | 'error';
  /** An exact type (`credentials.issue`) or a prefix ending in `.` (`admin.`). */
  type?: string;
  /** Only events after this one in the order (newest first: by time, then id): keyset pagination. */
  after?: AuditPosition;
  limit: number;
}

/** Where an event stands in the trail's order: its time, then its id among events of the same millisecond. */
export interface AuditPosition {
  at: Date;
  id: string;
}

/** Reading and expiring the audit trail (events are never updated). */
export interface AuditQuery {
  /** Newest first: by time, then id. */
  find(filter: AuditFilter): Promise<RecordedAuditEvent[]>;
  /**
   * Retention: removes events recorded before `cutoff`; returns how many. Where the trail is
   * kept in monthly partitions, a month goes whole, once all of it is before `cutoff`: an event
   * is kept at least until `cutoff` passes it, and at most a month longer.
   */
  deleteBefore(cutoff: Date): Promise<number>;
}
