/** `GET /api/v1/roles` — what the caller may use, grouped by account, and what they may not, with why. */
export interface RolesResponse {
  accounts: AccountRoles[];
}

export interface AccountRoles {
  id: string;
  alias: string;
  partition: string;
  region: string;
  /** Roles the caller may take now, by name. Break-glass ones are flagged (shown apart, need a justification). */
  roles: EntitledRole[];
  /** Roles a group of the caller maps to, but a condition (MFA, source address, IdP…) refuses now. */
  denied: DeniedRole[];
  /** Roles the caller may request (just-in-time access, docs/just-in-time.md) and holds no active grant for (always sent by this version). */
  eligible?: EligibleRole[];
}

export interface EligibleRole {
  name: string;
  arn: string;
  description: string;
  /** The longest grant a request may ask for, seconds. */
  maxGrantSeconds: number;
  approvalsNeeded: 1 | 2;
  reasonRequired: boolean;
  /** A ticket id must match this (whole), when set. */
  ticketPattern?: string;
  /** Who decides requests. */
  approverGroups: string[];
  viaGroups: string[];
}

export interface EntitledRole {
  name: string;
  arn: string;
  description: string;
  mode: 'saml' | 'web-identity' | 'assume-role';
  /** The longest session this caller may ask for, seconds. */
  maxSessionSeconds: number;
  breakGlass: boolean;
  mfaRequired: boolean;
  /** The caller's groups that grant it. */
  viaGroups: string[];
  /** Set when the role is usable through a just-in-time grant: credentials never outlive `endsAt` (ISO 8601). */
  grant?: { id: string; endsAt: string };
  /**
   * Set when the mapping narrows the role with session policies: the mapping's description
   * ("read-only use of Admin") or "session policy applies". Credentials carry only the narrowed permissions.
   */
  sessionPolicy?: string;
}

export interface DeniedRole {
  name: string;
  arn: string;
  description: string;
  /** Sentences saying what failed and what to do. */
  reasons: string[];
  /** Machine-readable condition codes: mfa_required, mfa_stale, source_ip_not_allowed, idp_mismatch, invalid_mapping, role_misconfigured. */
  conditions: string[];
}
