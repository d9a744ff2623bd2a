import type { ActionCall, Caller } from '../sts/actions/action-context.js';
import type { Account, Role, StoredPolicy } from '../sts/model/iam-world.js';
import { parsePolicyDocument, PolicySyntaxError } from '../sts/policy/policy-document.js';
import { StsError } from '../sts/protocol/sts-error.js';
import { isoSeconds } from '../sts/session/issue-session.js';
import type { XmlTree } from '../sts/protocol/xml.js';
import { evaluateIdentity, identityDenialMessage } from './identity-policy.js';

export const IAM_VERSION = '2010-05-08';
export const IAM_NAMESPACE = 'https://iam.amazonaws.com/doc/2010-05-08/';

/**
 * IAM's quotas the devstack enforces, from
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html:
 * "Role policy size cannot exceed 10,240 characters" (the aggregate of all inline
 * policies of a role) and "Role trust policy length: 2,048 characters" (the default);
 * IAM does not count white space.
 */
export const ROLE_INLINE_POLICY_AGGREGATE_LIMIT = 10_240;
export const TRUST_POLICY_LIMIT = 2048;

export const NAME_PATTERN = { pattern: /^[\w+=,.@-]+$/, patternText: '[\\w+=,.@-]+' };
export const PATH_PATTERN = { pattern: /^(\/|\/[\u0021-\u007E]+\/)$/, patternText: '(\\u002F)|(\\u002F[\\u0021-\\u007E]+\\u002F)' };

/** A signed IAM call: IAM has no anonymous actions. */
export type IamCall = ActionCall & { caller: Caller };
export type IamAction = (call: IamCall) => Promise<XmlTree> | XmlTree;

/** The account a call acts in: the caller's own. */
export function callerAccount(call: IamCall): Account {
  return call.caller.kind === 'user' ? call.caller.user.account : call.caller.session.role.account;
}

export function callerArn(caller: Caller): string {
  return caller.kind === 'user' ? caller.user.arn : caller.session.assumedRoleArn;
}

/** Identity-policy check for one IAM action on one resource; refusals are AccessDenied, as IAM answers. */
export function authorizeIam(call: IamCall, action: string, resource: string): void {
  const decision = evaluateIdentity(call.services.world, call.caller, { action, resource });
  if (decision !== 'allow') throw new StsError('AccessDenied', identityDenialMessage(callerArn(call.caller), action, resource, decision));
}

/** Role names are unique per account whatever their path. */
export function findRole(call: IamCall, name: string): Role | undefined {
  const account = callerAccount(call);
  for (const role of call.services.world.roles.values()) if (role.account === account && role.name === name) return role;
  return undefined;
}

export function requireRole(call: IamCall, name: string): Role {
  const role = findRole(call, name);
  if (!role) throw new StsError('NoSuchEntity', `The role with name ${name} cannot be found.`);
  return role;
}

/** IAM counts policy size without white space. */
export function policySize(text: string): number {
  return text.replace(/\s/g, '').length;
}

/** A trust policy: a Principal in every statement, no Resource. */
export function parseTrustPolicy(text: string): StoredPolicy {
  const document = parseOrMalformed(text, true);
  if (document.statements.some((s) => s.resources !== undefined))
    throw new StsError('MalformedPolicyDocument', 'Has prohibited field Resource');
  if (policySize(text) > TRUST_POLICY_LIMIT)
    throw new StsError('LimitExceeded', `Cannot exceed quota for ACLSizePerRole: ${String(TRUST_POLICY_LIMIT)}`);
  return { text, document };
}

/** An identity policy: no Principal, a Resource in every statement. */
export function parseIdentityPolicy(text: string): StoredPolicy {
  const document = parseOrMalformed(text, false);
  if (document.statements.some((s) => s.principal !== undefined))
    throw new StsError('MalformedPolicyDocument', 'Policy document should not specify a principal.');
  if (document.statements.some((s) => s.resources === undefined))
    throw new StsError('MalformedPolicyDocument', 'Policy statement must contain resources.');
  return { text, document };
}

function parseOrMalformed(text: string, requirePrincipal: boolean) {
  try {
    return parsePolicyDocument(text, { requirePrincipal });
  } catch (error) {
    if (error instanceof PolicySyntaxError) throw new StsError('MalformedPolicyDocument', error.message);
    throw error;
  }
}

/** IAM returns policy documents URL-encoded (RFC 3986); the AWS CLI decodes them, the SDKs do not. */
export function encodePolicy(text: string): string {
  return encodeURIComponent(text);
}

export const isoDate = isoSeconds;

/** `Marker`/`MaxItems` paging over an in-memory list: the marker is the offset of the next item. */
export function page<T>(call: IamCall, items: readonly T[]): { items: T[]; IsTruncated: string; Marker?: string } {
  const maxItems = call.params.integer('MaxItems', 'maxItems', 1, 1000) ?? 100;
  const marker = call.params.string('Marker', 'marker', { min: 1, max: 320 });
  call.params.assertValid();
  let start = 0;
  if (marker !== undefined) {
    const offset = /^o(\d{1,9})$/.exec(marker)?.[1];
    if (offset === undefined) throw new StsError('InvalidInput', 'Invalid Marker.');
    start = Number(offset);
  }
  const slice = items.slice(start, start + maxItems);
  const next = start + slice.length;
  return next < items.length ? { items: slice, IsTruncated: 'true', Marker: `o${String(next)}` } : { items: slice, IsTruncated: 'false' };
}
