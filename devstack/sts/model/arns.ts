import { createHash } from 'node:crypto';

export type Partition = 'aws' | 'aws-us-gov' | 'aws-cn';

const ROLE_ARN = /^arn:(aws|aws-us-gov|aws-cn):iam::(\d{12}):role\/((?:[\w+=,.@-]+\/)*)([\w+=,.@-]{1,64})$/;
const PROVIDER_ARN = /^arn:(aws|aws-us-gov|aws-cn):iam::(\d{12}):(saml-provider|oidc-provider)\/(.+)$/;

export interface RoleArnParts {
  partition: Partition;
  accountId: string;
  path: string;
  name: string;
}

export function parseRoleArn(arn: string): RoleArnParts | undefined {
  const match = ROLE_ARN.exec(arn);
  if (!match) return undefined;
  return { partition: match[1] as Partition, accountId: match[2] ?? '', path: `/${match[3] ?? ''}`, name: match[4] ?? '' };
}

export function parseProviderArn(arn: string): { partition: Partition; accountId: string; kind: string; name: string } | undefined {
  const match = PROVIDER_ARN.exec(arn);
  if (!match) return undefined;
  return { partition: match[1] as Partition, accountId: match[2] ?? '', kind: match[3] ?? '', name: match[4] ?? '' };
}

export function roleArn(partition: Partition, accountId: string, path: string, name: string): string {
  return `arn:${partition}:iam::${accountId}:role${path}${name}`;
}

export function assumedRoleArn(partition: Partition, accountId: string, roleName: string, sessionName: string): string {
  return `arn:${partition}:sts::${accountId}:assumed-role/${roleName}/${sessionName}`;
}

export function accountRootArn(partition: Partition, accountId: string): string {
  return `arn:${partition}:iam::${accountId}:root`;
}

/**
 * A stable IAM unique id (`AROA…` for roles, `AIDA…` for users): 21 characters,
 * derived from the ARN so restarts of the devstack give the same ids.
 */
export function uniqueId(prefix: 'AROA' | 'AIDA' | 'ANPA', arn: string): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  const digest = createHash('sha256').update(arn).digest();
  let id = prefix;
  for (let i = 0; id.length < 21; i++) id += alphabet[(digest[i] ?? 0) % 32] ?? 'A';
  return id;
}
