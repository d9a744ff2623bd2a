import { uniqueId } from '../../sts/model/arns.js';
import type { ManagedPolicy, PolicyVersion } from '../../sts/model/iam-world.js';
import { StsError } from '../../sts/protocol/sts-error.js';
import type { XmlTree } from '../../sts/protocol/xml.js';
import {
  authorizeIam,
  callerAccount,
  encodePolicy,
  isoDate,
  NAME_PATTERN,
  page,
  parseIdentityPolicy,
  PATH_PATTERN,
  policySize,
  requireRole,
  type IamCall,
} from '../iam-call.js';

/**
 * Customer managed policies, their versions and their attachment to roles, with IAM's quotas
 * (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html): a managed policy
 * at most 6,144 characters (white space not counted), 5 versions per policy, 10 managed policies
 * attached per role (the default quota).
 */
export const MANAGED_POLICY_SIZE_LIMIT = 6144;
export const VERSIONS_PER_POLICY = 5;
export const POLICIES_PER_ROLE = 10;

const ARN_PATTERN = {
  pattern: /^arn:[\w+=/,.@-]+:iam::(\d{12}|aws):policy\/[\x21-\x7e]+$/,
  patternText: 'arn:(aws[a-zA-Z-]*)?:iam::\\d{12}:policy/.+',
};
const policyArnParam = (call: IamCall) => call.params.required('PolicyArn', 'policyArn', { min: 20, max: 2048, ...ARN_PATTERN });
const roleName = (call: IamCall) => call.params.required('RoleName', 'roleName', { min: 1, max: 64, ...NAME_PATTERN });
const versionIdParam = (call: IamCall) =>
  call.params.required('VersionId', 'versionId', {
    pattern: /^v[1-9][0-9]*(\.[A-Za-z0-9-]*)?$/,
    patternText: 'v[1-9][0-9]*(\\.[A-Za-z0-9-]*)?',
  });

function attachmentCount(call: IamCall, policy: ManagedPolicy): number {
  let count = 0;
  for (const role of call.services.world.roles.values()) if (role.attachedPolicies.includes(policy.arn)) count++;
  return count;
}

function policyXml(call: IamCall, policy: ManagedPolicy): XmlTree {
  return {
    PolicyName: policy.name,
    PolicyId: policy.policyId,
    Arn: policy.arn,
    Path: policy.path,
    DefaultVersionId: policy.defaultVersionId,
    AttachmentCount: attachmentCount(call, policy),
    PermissionsBoundaryUsageCount: 0,
    IsAttachable: 'true',
    Description: policy.description,
    CreateDate: isoDate(policy.createDate),
    UpdateDate: isoDate(policy.updateDate),
  };
}

function versionXml(policy: ManagedPolicy, version: PolicyVersion, withDocument: boolean): XmlTree {
  return {
    ...(withDocument ? { Document: encodePolicy(version.policy.text) } : {}),
    VersionId: version.versionId,
    IsDefaultVersion: version.versionId === policy.defaultVersionId ? 'true' : 'false',
    CreateDate: isoDate(version.createDate),
  };
}

/** A customer managed policy of the caller's account; IAM answers NoSuchEntity for any other (another account's, AWS managed ones). */
function requirePolicy(call: IamCall, arn: string): ManagedPolicy {
  const policy = call.services.world.managedPolicies.get(arn);
  if (!policy || policy.account !== callerAccount(call))
    throw new StsError('NoSuchEntity', `Policy ${arn} does not exist or is not attachable.`);
  return policy;
}

function parseManagedPolicy(text: string) {
  const stored = parseIdentityPolicy(text);
  if (policySize(text) > MANAGED_POLICY_SIZE_LIMIT)
    throw new StsError('LimitExceeded', `Cannot exceed quota for PolicySize: ${String(MANAGED_POLICY_SIZE_LIMIT)}`);
  return stored;
}

/** https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreatePolicy.html */
export function createPolicy(call: IamCall): XmlTree {
  const name = call.params.required('PolicyName', 'policyName', { min: 1, max: 128, ...NAME_PATTERN });
  const path = call.params.string('Path', 'path', { min: 1, max: 512, ...PATH_PATTERN }) ?? '/';
  const text = call.params.required('PolicyDocument', 'policyDocument', { min: 1, max: 131_072 });
  const description = call.params.string('Description', 'description', { max: 1000 });
  call.params.assertValid();
  const account = callerAccount(call);
  const arn = `arn:${account.partition}:iam::${account.id}:policy${path}${name}`;
  authorizeIam(call, 'iam:CreatePolicy', arn);
  for (const existing of call.services.world.managedPolicies.values())
    if (existing.account === account && existing.name === name)
      throw new StsError('EntityAlreadyExists', `A policy called ${name} already exists. Duplicate names are not allowed.`);
  const policy = parseManagedPolicy(text);
  const now = call.services.now();
  const managed: ManagedPolicy = {
    arn,
    name,
    path,
    policyId: uniqueId('ANPA', `${arn}#${String(now.getTime())}`),
    account,
    ...(description !== undefined ? { description } : {}),
    createDate: now,
    updateDate: now,
    versions: [{ versionId: 'v1', policy, createDate: now }],
    defaultVersionId: 'v1',
    nextVersion: 2,
  };
  call.services.world.managedPolicies.set(arn, managed);
  return { Policy: policyXml(call, managed) };
}

/** https://docs.aws.amazon.com/IAM/latest/APIReference/API_GetPolicy.html */
export function getPolicy(call: IamCall): XmlTree {
  const arn = policyArnParam(call);
  call.params.assertValid();
  authorizeIam(call, 'iam:GetPolicy', arn);
  return { Policy: policyXml(call, requirePolicy(call, arn)) };
}

/** https://docs.aws.amazon.com/IAM/latest/APIReference/API_DeletePolicy.html — refused while attached or while other versions remain. */
export function deletePolicy(call: IamCall): XmlTree {
  const arn = policyArnParam(call);
  call.params.assertValid();
  authorizeIam(call, 'iam:DeletePolicy', arn);
  const policy = requirePolicy(call, arn);
  if (attachmentCount(call, policy) > 0) throw new StsError('DeleteConflict', 'Cannot delete a policy attached to entities.');
  if (policy.versions.length > 1)
    throw new StsError(
      'DeleteConflict',
      "This policy has more than one version. Before you delete a policy, you must delete the policy's versions. The default version is deleted with the policy.",
    );
  call.services.world.managedPolicies.delete(arn);
  return {};
}

/** https://docs.aws.amazon.com/IAM/latest/APIReference/API_AttachRolePolicy.html — attaching again changes nothing. */
export function attachRolePolicy(call: IamCall): XmlTree {
  const name = roleName(call);
  const arn = policyArnParam(call);
  call.params.assertValid();
  const role = requireRole(call, name);
  authorizeIam(call, 'iam:AttachRolePolicy', role.arn);
  requirePolicy(call, arn);
  if (role.attachedPolicies.includes(arn)) return {};
  if (role.attachedPolicies.length >= POLICIES_PER_ROLE)
    throw new StsError('LimitExceeded', `Cannot exceed quota for PoliciesPerRole: ${String(POLICIES_PER_ROLE)}`);
  role.attachedPolicies.push(arn);
  return {};
}

/** https://docs.aws.amazon.com/IAM/latest/APIReference/API_DetachRolePolicy.html */
export function detachRolePolicy(call: IamCall): XmlTree {
  const name = roleName(call);
  const arn = policyArnParam(call);
  call.params.assertValid();
  const role = requireRole(call, name);
  authorizeIam(call, 'iam:DetachRolePolicy', role.arn);
  const at = role.attachedPolicies.indexOf(arn);
  if (at < 0) throw new StsError('NoSuchEntity', `Policy ${arn} was not found.`);
  role.attachedPolicies.splice(at, 1);
  return {};
}

/** https://docs.aws.amazon.com/IAM/latest/APIReference/API_ListAttachedRolePolicies.html */
export function listAttachedRolePolicies(call: IamCall): XmlTree {
  const name = roleName(call);
  const prefix = call.params.string('PathPrefix', 'pathPrefix', { min: 1, max: 512, pattern: /^\u002F[\u0021-\u007F]*$/ }) ?? '/';
  const role = requireRole(call, name);
  authorizeIam(call, 'iam:ListAttachedRolePolicies', role.arn);
  const attached = role.attachedPolicies
    .map((arn) => call.services.world.managedPolicies.get(arn))
    .filter((p): p is ManagedPolicy => p !== undefined && p.path.startsWith(prefix));
  const { items, ...rest } = page(call, attached);
  return { AttachedPolicies: items.map((p) => ({ PolicyName: p.name, PolicyArn: p.arn })), ...rest };
}

/** https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreatePolicyVersion.html */
export function createPolicyVersion(call: IamCall): XmlTree {
  const arn = policyArnParam(call);
  const text = call.params.required('PolicyDocument', 'policyDocument', { min: 1, max: 131_072 });
  const setAsDefault = call.params.string('SetAsDefault', 'setAsDefault', { pattern: /^(true|false)$/, patternText: 'true|false' });
  call.params.assertValid();
  authorizeIam(call, 'iam:CreatePolicyVersion', arn);
  const policy = requirePolicy(call, arn);
  if (policy.versions.length >= VERSIONS_PER_POLICY)
    throw new StsError(
      'LimitExceeded',
      `A managed policy can have up to ${String(VERSIONS_PER_POLICY)} versions. Before you create a new version, you must delete an existing version.`,
    );
  const stored = parseManagedPolicy(text);
  const now = call.services.now();
  const version: PolicyVersion = { versionId: `v${String(policy.nextVersion)}`, policy: stored, createDate: now };
  policy.nextVersion += 1;
  policy.versions.push(version);
  if (setAsDefault === 'true') policy.defaultVersionId = version.versionId;
  policy.updateDate = now;
  return { PolicyVersion: versionXml(policy, version, false) };
}

function requireVersion(policy: ManagedPolicy, versionId: string): PolicyVersion {
  const version = policy.versions.find((v) => v.versionId === versionId);
  if (!version) throw new StsError('NoSuchEntity', `Policy ${policy.arn} version ${versionId} does not exist or is not attachable.`);
  return version;
}

/** https://docs.aws.amazon.com/IAM/latest/APIReference/API_GetPolicyVersion.html */
export function getPolicyVersion(call: IamCall): XmlTree {
  const arn = policyArnParam(call);
  const versionId = versionIdParam(call);
  call.params.assertValid();
  authorizeIam(call, 'iam:GetPolicyVersion', arn);
  const policy = requirePolicy(call, arn);
  return { PolicyVersion: versionXml(policy, requireVersion(policy, versionId), true) };
}

/** https://docs.aws.amazon.com/IAM/latest/APIReference/API_ListPolicyVersions.html */
export function listPolicyVersions(call: IamCall): XmlTree {
  const arn = policyArnParam(call);
  authorizeIam(call, 'iam:ListPolicyVersions', arn);
  const policy = requirePolicy(call, arn);
  const { items, ...rest } = page(call, [...policy.versions].reverse());
  return { Versions: items.map((v) => versionXml(policy, v, false)), ...rest };
}

/** https://docs.aws.amazon.com/IAM/latest/APIReference/API_SetDefaultPolicyVersion.html */
export function setDefaultPolicyVersion(call: IamCall): XmlTree {
  const arn = policyArnParam(call);
  const versionId = versionIdParam(call);
  call.params.assertValid();
  authorizeIam(call, 'iam:SetDefaultPolicyVersion', arn);
  const policy = requirePolicy(call, arn);
  policy.defaultVersionId = requireVersion(policy, versionId).versionId;
  policy.updateDate = call.services.now();
  return {};
}

/** https://docs.aws.amazon.com/IAM/latest/APIReference/API_DeletePolicyVersion.html — never the default version. */
export function deletePolicyVersion(call: IamCall): XmlTree {
  const arn = policyArnParam(call);
  const versionId = versionIdParam(call);
  call.params.assertValid();
  authorizeIam(call, 'iam:DeletePolicyVersion', arn);
  const policy = requirePolicy(call, arn);
  const version = requireVersion(policy, versionId);
  if (version.versionId === policy.defaultVersionId) throw new StsError('DeleteConflict', 'Cannot delete the default version of a policy.');
  policy.versions = policy.versions.filter((v) => v !== version);
  return {};
}
