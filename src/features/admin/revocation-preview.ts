import { RolegateError } from '../../domain/errors.js';
import { cutoffOf, denyRolePolicy, denyUserPolicy, type DenyPolicy } from '../../domain/revocation-policy.js';
import {
  awsTargetsOf,
  checkPrincipalId,
  checkRevocableRole,
  rolesAffectedForUser,
  type AwsEnforcement,
  type RevocationDeps,
} from './revoke-access.js';

/** What a revocation would end, computed by the same rules as revokeUser / revokeRole, changing nothing. */
export interface RevocationPreview {
  user?: string;
  roleArn?: string;
  sourceIdentity?: string;
  /** Live portal sessions and CLI grants of the user (undefined when the look-ups are not wired). */
  liveSessions?: number;
  liveCliGrants?: number;
  affectedRoleArns: string[];
  /** Per affected role: a job attaches the Deny (its account has a revoker), or an admin must. */
  aws: AwsEnforcement;
  /** The Deny policy as it would be if revoked now (the cutoff moves to the actual revocation time). */
  policy: DenyPolicy;
}

/** A user revocation's preview: the user's live sessions and CLI grants, the roles it covers, where the Deny goes. */
export async function previewRevokeUser(deps: RevocationDeps, principalId: string): Promise<RevocationPreview> {
  checkPrincipalId(principalId);
  const now = deps.clock.now();
  const cutoff = cutoffOf(now);
  const sourceIdentity = deps.sourceIdentityOf(principalId);
  const [liveSessions, liveCliGrants, affectedRoleArns] = await Promise.all([
    deps.lookup?.liveSessionsOf(principalId),
    deps.lookup?.liveCliGrantsOf(principalId),
    rolesAffectedForUser(deps, principalId, now),
  ]);
  const { queued, byHandRoleArns } = await awsTargetsOf(deps, affectedRoleArns, now, { cutoff, sourceIdentity });
  return {
    user: principalId,
    sourceIdentity,
    ...(liveSessions === undefined ? {} : { liveSessions }),
    ...(liveCliGrants === undefined ? {} : { liveCliGrants }),
    affectedRoleArns,
    aws: { queuedRoleArns: queued.map((q) => q.roleArn), byHandRoleArns },
    policy: denyUserPolicy(sourceIdentity, cutoff),
  };
}

/** A role revocation's preview: the role, and whether a job or an admin attaches the Deny. */
export async function previewRevokeRole(deps: RevocationDeps, roleArn: string): Promise<RevocationPreview> {
  await checkRevocableRole(deps, roleArn);
  const now = deps.clock.now();
  const cutoff = cutoffOf(now);
  const { queued, byHandRoleArns } = await awsTargetsOf(deps, [roleArn], now, { cutoff });
  return {
    roleArn,
    affectedRoleArns: [roleArn],
    aws: { queuedRoleArns: queued.map((q) => q.roleArn), byHandRoleArns },
    policy: denyRolePolicy(cutoff),
  };
}

/**
 * What the admin form names → what revocation takes: a principal id as is, a
 * username through the identities that signed in with it (exactly one, else a
 * 400 that says why); an account (id or alias) and role name → the role's ARN.
 */
export async function resolveRevocationTarget(
  deps: RevocationDeps,
  form: { user?: string; account?: string; role?: string },
): Promise<{ user: string } | { roleArn: string }> {
  const user = form.user?.trim() ?? '';
  const account = form.account?.trim() ?? '';
  const role = form.role?.trim() ?? '';
  if ((user === '') === (account === '' && role === ''))
    throw new RolegateError('invalid_request', { detail: 'Name either a user, or an account and a role' });
  if (user !== '') {
    if (user.includes(':')) return { user };
    const found = (await deps.lookup?.principalIdsNamed(user)) ?? [];
    if (found.length === 1 && found[0] !== undefined) return { user: found[0] };
    throw new RolegateError('invalid_request', {
      detail:
        found.length === 0
          ? `Nobody signed in as ${user.slice(0, 100)}: give the principal id, <idp>:<subject>`
          : `Several identities signed in as ${user.slice(0, 100)} (${found.join(', ')}): give the principal id`,
    });
  }
  if (account === '' || role === '')
    throw new RolegateError('invalid_request', { detail: 'A role revocation needs both the account and the role' });
  if (role.startsWith('arn:')) return { roleArn: role };
  const roleArn = await deps.lookup?.roleArnOf(account, role);
  if (roleArn === undefined)
    throw new RolegateError('not_found', { detail: `No role ${role.slice(0, 100)} in account ${account.slice(0, 100)}` });
  return { roleArn };
}
