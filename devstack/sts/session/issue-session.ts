import { randomUUID } from 'node:crypto';
import type { CredentialRegistry } from '../credentials/credential-registry.js';
import { newSecretAccessKey, newSessionToken, newTemporaryAccessKeyId, type IssuedSession } from '../credentials/issued-credentials.js';
import { assumedRoleArn } from '../model/arns.js';
import type { Role } from '../model/iam-world.js';
import type { PolicyDocument } from '../policy/policy-document.js';
import type { XmlTree } from '../protocol/xml.js';

export interface SessionRequest {
  role: Role;
  sessionName: string;
  durationSeconds: number;
  issuedBy: IssuedSession['issuedBy'];
  chained: boolean;
  sourceIdentity?: string;
  tags: Readonly<Record<string, string>>;
  transitiveTagKeys: readonly string[];
  sessionPolicy?: PolicyDocument;
  sessionPolicies: IssuedSession['sessionPolicies'];
}

/** Mints temporary credentials for a role session and records them so signed calls can use them. */
export function issueSession(registry: CredentialRegistry, now: Date, request: SessionRequest): IssuedSession {
  // AWS reports Expiration with whole seconds; keep the same precision everywhere.
  const issuedAt = new Date(Math.floor(now.getTime() / 1000) * 1000);
  const session: IssuedSession = {
    accessKeyId: newTemporaryAccessKeyId(),
    secretAccessKey: newSecretAccessKey(),
    sessionToken: newSessionToken(),
    issuedAt,
    expiration: new Date(issuedAt.getTime() + request.durationSeconds * 1000),
    role: request.role,
    sessionName: request.sessionName,
    assumedRoleArn: assumedRoleArn(request.role.account.partition, request.role.account.id, request.role.name, request.sessionName),
    assumedRoleId: `${request.role.roleId}:${request.sessionName}`,
    issuedBy: request.issuedBy,
    chained: request.chained,
    ...(request.sourceIdentity !== undefined ? { sourceIdentity: request.sourceIdentity } : {}),
    tags: request.tags,
    transitiveTagKeys: request.transitiveTagKeys,
    ...(request.sessionPolicy ? { sessionPolicy: request.sessionPolicy } : {}),
    sessionPolicies: request.sessionPolicies,
  };
  registry.add(session);
  return session;
}

/** The `Credentials` and `AssumedRoleUser` members every AssumeRole* result carries. */
export function sessionResultXml(session: IssuedSession): XmlTree {
  return {
    Credentials: {
      AccessKeyId: session.accessKeyId,
      SecretAccessKey: session.secretAccessKey,
      SessionToken: session.sessionToken,
      Expiration: isoSeconds(session.expiration),
    },
    AssumedRoleUser: { AssumedRoleId: session.assumedRoleId, Arn: session.assumedRoleArn },
    // Newer STS responses report the session token's size instead of PackedPolicySize.
    SessionTokenSize: session.sessionToken.length,
    SessionTokenUtilization: Math.ceil((session.sessionToken.length / MAX_SESSION_TOKEN_SIZE) * 100),
  };
}

/** The devstack's stand-in for the maximum token size AWS measures utilization against. */
const MAX_SESSION_TOKEN_SIZE = 4096;

export function isoSeconds(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function newRequestId(): string {
  return randomUUID();
}
