import { randomBytes, randomInt } from 'node:crypto';
import type { Role } from '../model/iam-world.js';
import type { PolicyDocument } from '../policy/policy-document.js';

/** What STS knows about one set of temporary credentials it issued. */
export interface IssuedSession {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  expiration: Date;
  issuedAt: Date;
  role: Role;
  sessionName: string;
  assumedRoleArn: string;
  /** `AROA…:<session name>`, the caller's `UserId`. */
  assumedRoleId: string;
  /** How the session was obtained; federation refuses none of these, but chaining caps durations. */
  issuedBy: 'AssumeRole' | 'AssumeRoleWithSAML' | 'AssumeRoleWithWebIdentity';
  /** True when the caller of AssumeRole was itself a role session (role chaining: 1 hour at most). */
  chained: boolean;
  sourceIdentity?: string;
  tags: Readonly<Record<string, string>>;
  transitiveTagKeys: readonly string[];
  /** The inline session policy passed at AssumeRole* (it can only narrow the role's permissions). */
  sessionPolicy?: PolicyDocument;
  /**
   * The session policies the session was issued with (`Policy`, `PolicyArns`):
   * its permissions are the role's intersected with these. Kept for policy
   * evaluation; empty `policyArns` and no `policy` mean the role's full permissions.
   */
  sessionPolicies: { policy?: string; policyArns: readonly string[] };
}

const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

/** `ASIA` + 16 capitals/digits: the shape of AWS temporary access key ids. */
export function newTemporaryAccessKeyId(): string {
  let id = 'ASIA';
  for (let i = 0; i < 16; i++) id += ALPHANUMERIC[randomInt(ALPHANUMERIC.length)] ?? 'A';
  return id;
}

/** 40 characters of base64 alphabet, like AWS secret access keys. */
export function newSecretAccessKey(): string {
  return randomBytes(30).toString('base64');
}

/**
 * An opaque session token. AWS's are a few hundred bytes of base64 ("typically
 * < 4096 bytes", no fixed size); a similar length makes size bugs show up here.
 */
export function newSessionToken(): string {
  return `IQoJb3JpZ2luX2VjE${randomBytes(400).toString('base64')}`;
}
