import type { Secret } from '../domain/secret.js';

/** Where to send STS calls: a region (regional endpoint) or an explicit URL (VPC endpoint, local STS). */
export interface StsEndpoint {
  region: string;
  url?: string;
}

/** Temporary AWS credentials as STS issued them. The secret parts stay wrapped. */
export interface TemporaryCredentials {
  accessKeyId: string;
  secretAccessKey: Secret;
  sessionToken: Secret;
  expiration: Date;
}

export interface AssumedRole {
  credentials: TemporaryCredentials;
  /** `arn:aws:sts::<account>:assumed-role/<role>/<session>` */
  assumedRoleArn: string;
  /** Percent of the session's size limit used by policies and tags (STS's SessionTokenUtilization, formerly PackedPolicySize). */
  packedPolicySize?: number;
  sourceIdentity?: string;
}

export interface SessionTag {
  key: string;
  value: string;
}

/**
 * AWS STS, as rolegate uses it. Implementations retry throttling and 5xx
 * within a bounded time and translate every failure to a RolegateError:
 * `sts_access_denied` (STS refused: the detail names AWS's error code),
 * `sts_throttled` or `dependency_unavailable` (with Retry-After).
 */
/** Session policies sent with any of the three calls (`Policy`, `PolicyArns`); absent: the role's full permissions. */
export interface SessionPolicyInput {
  /** Inline session policy, compact JSON. */
  policy?: string;
  /** Managed policy ARNs. */
  policyArns?: readonly string[];
}

export interface StsGateway {
  assumeRoleWithSaml(
    input: {
      endpoint: StsEndpoint;
      roleArn: string;
      principalArn: string;
      /** Base64 of the signed SAML Response. */
      samlAssertion: string;
      durationSeconds: number;
    } & SessionPolicyInput,
  ): Promise<AssumedRole>;

  assumeRoleWithWebIdentity(
    input: {
      endpoint: StsEndpoint;
      roleArn: string;
      webIdentityToken: string;
      roleSessionName: string;
      durationSeconds: number;
    } & SessionPolicyInput,
  ): Promise<AssumedRole>;

  /** Signed with rolegate's own AWS credentials. */
  assumeRole(
    input: {
      endpoint: StsEndpoint;
      roleArn: string;
      roleSessionName: string;
      durationSeconds: number;
      externalId?: string;
      sourceIdentity?: string;
      tags?: readonly SessionTag[];
      transitiveTagKeys?: readonly string[];
    } & SessionPolicyInput,
  ): Promise<AssumedRole>;
}
