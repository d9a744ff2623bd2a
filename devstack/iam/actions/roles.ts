import { roleArn, uniqueId } from '../../sts/model/arns.js';
import type { Role } from '../../sts/model/iam-world.js';
import { StsError } from '../../sts/protocol/sts-error.js';
import type { XmlTree } from '../../sts/protocol/xml.js';
import {
  authorizeIam,
  callerAccount,
  encodePolicy,
  findRole,
  isoDate,
  NAME_PATTERN,
  page,
  parseTrustPolicy,
  PATH_PATTERN,
  requireRole,
  type IamCall,
} from '../iam-call.js';

/** The `Role` structure of CreateRole/GetRole/ListRoles. */
export function roleXml(role: Role): XmlTree {
  const tags = Object.entries(role.tags).map(([Key, Value]) => ({ Key, Value }));
  return {
    Path: role.path,
    RoleName: role.name,
    RoleId: role.roleId,
    Arn: role.arn,
    CreateDate: isoDate(role.createDate),
    AssumeRolePolicyDocument: encodePolicy(role.trustPolicyText),
    Description: role.description,
    MaxSessionDuration: role.maxSessionDuration,
    ...(tags.length > 0 ? { Tags: tags } : {}),
  };
}

const roleName = (call: IamCall) => call.params.required('RoleName', 'roleName', { min: 1, max: 64, ...NAME_PATTERN });
const maxSessionDuration = (call: IamCall) => call.params.integer('MaxSessionDuration', 'maxSessionDuration', 3600, 43_200);
const description = (call: IamCall) =>
  call.params.string('Description', 'description', { max: 1000, pattern: /^[\t\n\r\u0020-\u007E\u00A1-\u00FF]*$/ });

/** https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateRole.html */
export function createRole(call: IamCall): XmlTree {
  const name = roleName(call);
  const path = call.params.string('Path', 'path', { min: 1, max: 512, ...PATH_PATTERN }) ?? '/';
  const trustText = call.params.required('AssumeRolePolicyDocument', 'assumeRolePolicyDocument', { min: 1, max: 131_072 });
  const roleDescription = description(call);
  const maxSession = maxSessionDuration(call);
  const tags = call.params.tags('Tags');
  call.params.assertValid();
  if (tags.length > 50) throw new StsError('LimitExceeded', 'Cannot exceed quota for TagsPerRole: 50');
  const account = callerAccount(call);
  const arn = roleArn(account.partition, account.id, path, name);
  authorizeIam(call, 'iam:CreateRole', arn);
  if (findRole(call, name)) throw new StsError('EntityAlreadyExists', `Role with name ${name} already exists.`);
  const trust = parseTrustPolicy(trustText);
  const role: Role = {
    arn,
    name,
    path,
    // A role created again under the same name is a new principal: its id differs (old sessions do not carry over).
    roleId: uniqueId('AROA', `${arn}#${String(call.services.now().getTime())}`),
    account,
    maxSessionDuration: maxSession ?? 3600,
    trustPolicy: trust.document,
    trustPolicyText: trust.text,
    ...(roleDescription !== undefined ? { description: roleDescription } : {}),
    createDate: call.services.now(),
    tags: Object.fromEntries(tags.map((t) => [t.key, t.value])),
    inlinePolicies: new Map(),
    managedPolicies: 'allow-all',
    attachedPolicies: [],
  };
  call.services.world.roles.set(arn, role);
  return { Role: roleXml(role) };
}

/** https://docs.aws.amazon.com/IAM/latest/APIReference/API_GetRole.html */
export function getRole(call: IamCall): XmlTree {
  const name = roleName(call);
  call.params.assertValid();
  const role = requireRole(call, name);
  authorizeIam(call, 'iam:GetRole', role.arn);
  return { Role: roleXml(role) };
}

/** https://docs.aws.amazon.com/IAM/latest/APIReference/API_DeleteRole.html — refused while inline or attached policies remain, as IAM does. */
export function deleteRole(call: IamCall): XmlTree {
  const name = roleName(call);
  call.params.assertValid();
  const role = requireRole(call, name);
  authorizeIam(call, 'iam:DeleteRole', role.arn);
  if (role.inlinePolicies.size > 0) throw new StsError('DeleteConflict', 'Cannot delete entity, must delete policies first.');
  if (role.attachedPolicies.length > 0) throw new StsError('DeleteConflict', 'Cannot delete entity, must detach all policies first.');
  call.services.world.roles.delete(role.arn);
  return {};
}

/** https://docs.aws.amazon.com/IAM/latest/APIReference/API_UpdateAssumeRolePolicy.html */
export function updateAssumeRolePolicy(call: IamCall): XmlTree {
  const name = roleName(call);
  const text = call.params.required('PolicyDocument', 'policyDocument', { min: 1, max: 131_072 });
  call.params.assertValid();
  const role = requireRole(call, name);
  authorizeIam(call, 'iam:UpdateAssumeRolePolicy', role.arn);
  const trust = parseTrustPolicy(text);
  role.trustPolicy = trust.document;
  role.trustPolicyText = trust.text;
  return {};
}

/** https://docs.aws.amazon.com/IAM/latest/APIReference/API_UpdateRole.html */
export function updateRole(call: IamCall): XmlTree {
  const name = roleName(call);
  const roleDescription = description(call);
  const maxSession = maxSessionDuration(call);
  call.params.assertValid();
  const role = requireRole(call, name);
  authorizeIam(call, 'iam:UpdateRole', role.arn);
  if (roleDescription !== undefined) role.description = roleDescription;
  if (maxSession !== undefined) role.maxSessionDuration = maxSession;
  return {};
}

/** https://docs.aws.amazon.com/IAM/latest/APIReference/API_ListRoles.html */
export function listRoles(call: IamCall): XmlTree {
  const prefix = call.params.string('PathPrefix', 'pathPrefix', { min: 1, max: 512, pattern: /^\u002F[\u0021-\u007F]*$/ }) ?? '/';
  const account = callerAccount(call);
  authorizeIam(call, 'iam:ListRoles', `arn:${account.partition}:iam::${account.id}:role${prefix}*`);
  const roles = [...call.services.world.roles.values()].filter((r) => r.account === account && r.path.startsWith(prefix));
  const { items, ...rest } = page(call, roles);
  return { Roles: items.map(roleXml), ...rest };
}
