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
  /** Only events older than this id (keyset pagination, newest first). */
  beforeId?: string;
  limit: number;
}

/** Reading and expiring the audit trail (events are never updated). */
export interface AuditQuery {
  /** Newest first. */
  find(filter: AuditFilter): Promise<RecordedAuditEvent[]>;
  /** Retention: deletes events recorded before `cutoff`; returns how many. */
  deleteBefore(cutoff: Date): Promise<number>;
}
