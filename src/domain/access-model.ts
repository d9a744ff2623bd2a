import type { SessionPolicy } from './session-policy.js';

/**
 * The access model rolegate decides with: AWS accounts, the IAM roles in them,
 * and the IdP groups mapped to those roles. Stores return these shapes; the
 * entitlement rules read only these.
 */

/** AWS partition of an account; decides sign-in hosts, SAML audience and STS endpoints. */
export type Partition = 'aws' | 'aws-us-gov' | 'aws-cn';

/** How rolegate gets credentials for a role (docs/exchange.md). */
export type ExchangeMode = 'saml' | 'web-identity' | 'assume-role';

export interface AwsAccount {
  /** The 12-digit account id. */
  id: string;
  /** Friendly, unique name shown to users (e.g. `prod`, `sandbox-data`). */
  alias: string;
  partition: Partition;
  /** Home region: console destination and regional STS endpoint. */
  region: string;
  /** STS endpoint override (a regional or VPC endpoint URL). */
  stsEndpoint?: string;
  /** The role rolegate assumes to attach revocation policies in this account (none: admins attach them by hand). */
  revoker?: { roleArn: string; externalId: string };
}

export interface AwsRole {
  id: string;
  accountId: string;
  /** Role name as in IAM (the last part of the ARN, without path). */
  name: string;
  arn: string;
  exchangeMode: ExchangeMode;
  /** SAML provider ARN (saml) or OIDC provider ARN (web-identity) named toward AWS. */
  providerArn?: string;
  /** The role's MaxSessionDuration in IAM, 3600–43200 s. */
  maxSessionSeconds: number;
  /** Shown to users next to the role. */
  description: string;
  /** Sent as ExternalId with AssumeRole (assume-role mode). */
  externalId?: string;
}

/** An IdP group that entitles its members to a role, with optional conditions. */
export interface GroupMapping {
  id: string;
  /** Slug of the IdP the group must come from; undefined means any IdP. */
  idp?: string;
  /** Exact group name, or a glob (`*` any run of characters, `?` one) when `match` is `glob`. */
  group: string;
  match: 'exact' | 'glob';
  roleId: string;
  /** The user's sign-in must show a second factor (amr/acr). */
  requireMfa: boolean;
  /** Caps the session below the role's own maximum. */
  maxSessionSeconds?: number;
  /** With `requireMfa`: the MFA sign-in must be at most this old (seconds); older answers `step_up_required`. */
  mfaMaxAgeSeconds?: number;
  /** Source addresses allowed to use this mapping (CIDR, IPv4 or IPv6); empty means any. */
  allowedCidrs: string[];
  /** Emergency access: shown apart, needs a typed justification, audited at warn level. */
  breakGlass: boolean;
  /**
   * Set for an *eligible* mapping (just-in-time access, docs/just-in-time.md):
   * it entitles nobody by itself; its members may request the role, and an
   * approved, active grant entitles the requester until the grant ends.
   * Absent: a *standing* mapping (entitles at once).
   */
  approval?: ApprovalPolicy;
  /** Session policies STS applies to credentials issued through this mapping (docs/access-as-code.md#session-policies). */
  sessionPolicy?: SessionPolicy;
}

/** Who approves requests made under an eligible mapping, and what a request must carry. */
export interface ApprovalPolicy {
  /** Members of any of these groups may approve or deny (never their own request). */
  approverGroups: string[];
  /** Distinct approvals needed: 1, or 2 for four eyes. */
  approvalsNeeded: 1 | 2;
  /** The longest grant a request may ask for, seconds. */
  maxGrantSeconds: number;
  /** Whether a request must give a reason. */
  reasonRequired: boolean;
  /** A ticket id the request must give, matched whole against this regular expression (validated when written). */
  ticketPattern?: string;
  /** Requests by members of these groups are approved at once (still recorded and audited). */
  autoApproveGroups: string[];
  /**
   * An approver's sign-in must show a second factor and be at most this old
   * (seconds) to approve; otherwise approving answers `step_up_required`.
   * Absent: one hour (DEFAULT_APPROVER_MFA_MAX_AGE_SECONDS).
   */
  approverMfaMaxAgeSeconds?: number;
}
