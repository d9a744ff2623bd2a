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
  /**
   * Where the request came from, told by its user agent as the usage report counts it: `cli`
   * (`rolegate-cli…`), `portal` (a browser, `Mozilla/…`), `api` (anything else, or none).
   */
  surface?: 'cli' | 'portal' | 'api';
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
   * kept in weekly partitions, a week goes whole, once all of it is before `cutoff`: an event
   * is kept at least until `cutoff` passes it, and at most a week longer (a month in the monthly
   * partitions of earlier versions).
   */
  deleteBefore(cutoff: Date): Promise<number>;
  /**
   * The identities rolegate has seen sign in (successful `login` events), each with its latest
   * sign-in: the groups and IdP it had then, most recent first, at most `limit`.
   */
  lastSignIns(limit: number): Promise<SignedInIdentity[]>;
}

/** One identity as its latest successful sign-in showed it. */
export interface SignedInIdentity {
  /** Principal id (`<idp>:<subject>`). */
  user: string;
  idp: string;
  username?: string;
  groups: string[];
  at: Date;
}
