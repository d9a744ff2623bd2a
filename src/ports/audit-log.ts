/** One append-only audit record (table audit_events). Never carries secrets. */
export interface AuditEvent {
  /** What happened, dotted: `login`, `logout`, `credentials.issue`, `admin.mapping.update`… */
  type: string;
  outcome: 'success' | 'denied' | 'error';
  /** Why, for denials and errors (the failed condition, the IdP's or STS's error code). */
  reason?: string;
  /** Principal id (`<idp>:<subject>`) of the user the event is about. */
  subject?: string;
  idp?: string;
  groups?: readonly string[];
  accountId?: string;
  roleArn?: string;
  mode?: string;
  durationSeconds?: number;
  sourceIp?: string;
  userAgent?: string;
  requestId?: string;
  /** Anything else worth keeping (session name, SourceIdentity, access key id prefix, before/after…). */
  details?: Record<string, unknown>;
}

export interface RecordedAuditEvent extends AuditEvent {
  id: string;
  at: Date;
}

/**
 * The audit trail. `record` resolves only once the event is durably written:
 * callers that must not act without a record (issuing credentials) await it
 * and fail when it rejects.
 */
export interface AuditLog {
  record(event: AuditEvent): Promise<void>;
  /**
   * Events known at the same moment (an exchange's outcome and the grant it
   * led to), in one write where the log can: one commit on the request's path
   * instead of two in a row. Each promise settles on its own event, as `record`.
   */
  recordAll(events: readonly AuditEvent[]): Promise<void>[];
}
