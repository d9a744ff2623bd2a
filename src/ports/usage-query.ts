/** Uses of roles in one window, grouped as the usage report needs them (audit_events_usage_idx). */
export interface RoleUseRow {
  roleArn: string;
  /** Principal id `<idp>:<subject>`. */
  subject: string;
  /** The user's groups when they took the role. */
  groups: string[];
  /** Who asked, from the user agent: the rolegate CLI, a browser (the portal), or anything else (the API). */
  client: 'cli' | 'portal' | 'api';
  /** credentials.issue rows (one per role taken, a console sign-in included). */
  issued: number;
  /** console.url_issued rows (each also issued credentials, counted in `issued`). */
  consoles: number;
  lastAt: Date;
}

/** A user seen signing in during the window, with their groups at their latest sign-in. */
export interface HolderRow {
  subject: string;
  groups: string[];
}

/** Reads the audit trail for access reviews (docs/admin.md#access-reviews). */
export interface UsageQuery {
  /** Successful uses of these roles since `since`. */
  uses(roleArns: readonly string[], since: Date): Promise<RoleUseRow[]>;
  /** Everyone who signed in since `since`, once each. */
  holders(since: Date): Promise<HolderRow[]>;
}

/** What one roll-up run did. */
export interface UsageRollupRun {
  /** Days rolled up. */
  days: number;
  /** Another instance was rolling up: this run did nothing. */
  busy: boolean;
  /** The first day not rolled up (null: not known, the run was busy from the start). */
  rolledUntil: Date | null;
}

/** The usage report's daily roll-up (docs/admin.md#the-daily-roll-up), kept incrementally. */
export interface UsageRollup {
  rollUp(options: { graceMs: number; maxDays: number }): Promise<UsageRollupRun>;
}
