import { StsError } from '../../sts/protocol/sts-error.js';
import type { XmlTree } from '../../sts/protocol/xml.js';
import {
  authorizeIam,
  encodePolicy,
  NAME_PATTERN,
  page,
  parseIdentityPolicy,
  policySize,
  requireRole,
  ROLE_INLINE_POLICY_AGGREGATE_LIMIT,
  type IamCall,
} from '../iam-call.js';

const roleName = (call: IamCall) => call.params.required('RoleName', 'roleName', { min: 1, max: 64, ...NAME_PATTERN });
const policyName = (call: IamCall) => call.params.required('PolicyName', 'policyName', { min: 1, max: 128, ...NAME_PATTERN });

/**
 * https://docs.aws.amazon.com/IAM/latest/APIReference/API_PutRolePolicy.html
 * Replaces a policy of the same name; LimitExceeded when the role's inline
 * policies together would exceed 10,240 characters (white space not counted).
 */
export function putRolePolicy(call: IamCall): XmlTree {
  const name = roleName(call);
  const policy = policyName(call);
  const text = call.params.required('PolicyDocument', 'policyDocument', { min: 1, max: 131_072 });
  call.params.assertValid();
  const role = requireRole(call, name);
  authorizeIam(call, 'iam:PutRolePolicy', role.arn);
  const stored = parseIdentityPolicy(text);
  let aggregate = policySize(text);
  for (const [other, existing] of role.inlinePolicies) if (other !== policy) aggregate += policySize(existing.text);
  if (aggregate > ROLE_INLINE_POLICY_AGGREGATE_LIMIT)
    throw new StsError(
      'LimitExceeded',
      `Maximum policy size of ${String(ROLE_INLINE_POLICY_AGGREGATE_LIMIT)} bytes exceeded for role ${role.name}`,
    );
  role.inlinePolicies.set(policy, stored);
  return {};
}

/** https://docs.aws.amazon.com/IAM/latest/APIReference/API_GetRolePolicy.html */
export function getRolePolicy(call: IamCall): XmlTree {
  const name = roleName(call);
  const policy = policyName(call);
  call.params.assertValid();
  const role = requireRole(call, name);
  authorizeIam(call, 'iam:GetRolePolicy', role.arn);
  const stored = role.inlinePolicies.get(policy);
  if (!stored) throw new StsError('NoSuchEntity', `The role policy with name ${policy} cannot be found.`);
  return { RoleName: role.name, PolicyName: policy, PolicyDocument: encodePolicy(stored.text) };
}

/** https://docs.aws.amazon.com/IAM/latest/APIReference/API_DeleteRolePolicy.html */
export function deleteRolePolicy(call: IamCall): XmlTree {
  const name = roleName(call);
  const policy = policyName(call);
  call.params.assertValid();
  const role = requireRole(call, name);
  authorizeIam(call, 'iam:DeleteRolePolicy', role.arn);
  if (!role.inlinePolicies.delete(policy)) throw new StsError('NoSuchEntity', `The role policy with name ${policy} cannot be found.`);
  return {};
}

/** https://docs.aws.amazon.com/IAM/latest/APIReference/API_ListRolePolicies.html */
export function listRolePolicies(call: IamCall): XmlTree {
  const name = roleName(call);
  call.params.assertValid();
  const role = requireRole(call, name);
  authorizeIam(call, 'iam:ListRolePolicies', role.arn);
  const { items, ...rest } = page(call, [...role.inlinePolicies.keys()]);
  return { PolicyNames: items, ...rest };
}
