import { evaluateIdentity, identityDenialMessage } from '../../iam/identity-policy.js';
import type { RequestPrincipal } from '../policy/evaluate-policy.js';
import { StsError } from '../protocol/sts-error.js';
import type { XmlTree } from '../protocol/xml.js';
import { issueSession, sessionResultXml } from '../session/issue-session.js';
import {
  assertPackedSize,
  MIN_DURATION,
  packedPolicySize,
  resolveDuration,
  SESSION_NAME_TEXT,
  validateSessionTags,
} from '../session/session-rules.js';
import { assertRegionEnabled, authorizeTrust, tagContext, type ActionCall, type Caller } from './action-context.js';
import { checkSessionPolicies, readSessionPolicies } from './session-policy.js';

/**
 * AssumeRole: https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRole.html
 * The role's trust policy is evaluated, and for a role session as caller (role
 * chaining) its identity policies too (devstack/iam/identity-policy.ts): see docs/devstack.md.
 */
export function assumeRole({ params, services, caller, region }: ActionCall): XmlTree {
  if (!caller) throw new StsError('MissingAuthenticationToken', 'Request is missing Authentication Token');
  const roleArn = params.required('RoleArn', 'roleArn', { min: 20, max: 2048 });
  const sessionName = params.required('RoleSessionName', 'roleSessionName', {
    min: 2,
    max: 64,
    pattern: /^[\w+=,.@-]*$/,
    patternText: SESSION_NAME_TEXT,
  });
  const durationSeconds = params.integer('DurationSeconds', 'durationSeconds', MIN_DURATION, 43_200);
  const externalId = params.string('ExternalId', 'externalId', {
    min: 2,
    max: 1224,
    pattern: /^[\w+=,.@:/-]*$/,
    patternText: '[\\w+=,.@:\\/-]*',
  });
  const requestedSourceIdentity = params.string('SourceIdentity', 'sourceIdentity', {
    min: 2,
    max: 64,
    pattern: /^[\w+=,.@-]*$/,
    patternText: SESSION_NAME_TEXT,
  });
  const sessionPolicies = readSessionPolicies(params);
  const requestTags = params.tags('Tags');
  const transitiveKeys = params.list('TransitiveTagKeys');
  params.assertValid();

  const callerArn = caller.kind === 'user' ? caller.user.arn : caller.session.assumedRoleArn;
  const denied = (action: string) => `User: ${callerArn} is not authorized to perform: ${action} on resource: ${roleArn}`;
  const role = services.world.roles.get(roleArn);
  if (!role) throw new StsError('AccessDenied', denied('sts:AssumeRole'));
  assertRegionEnabled(role, region);

  const tags: Record<string, string> = Object.fromEntries(requestTags.map((t) => [t.key, t.value]));
  const inherited = caller.kind === 'session' ? inheritedTransitiveTags(caller) : {};
  for (const key of Object.keys(inherited)) {
    if (Object.keys(tags).some((k) => k.toLowerCase() === key.toLowerCase()))
      throw new StsError('InvalidParameterValue', `The transitive session tag ${key} cannot be overridden by a chained AssumeRole`);
  }
  validateSessionTags(tags, transitiveKeys, (message) => {
    throw new StsError('ValidationError', message);
  });
  if (requestedSourceIdentity?.toLowerCase().startsWith('aws:'))
    throw new StsError('ValidationError', 'SourceIdentity must not begin with aws:');
  const callerSourceIdentity = caller.kind === 'session' ? caller.session.sourceIdentity : undefined;
  if (callerSourceIdentity !== undefined && requestedSourceIdentity !== undefined && requestedSourceIdentity !== callerSourceIdentity)
    throw new StsError('AccessDenied', `The source identity ${callerSourceIdentity} of this session cannot be changed`);
  const sourceIdentity = callerSourceIdentity ?? requestedSourceIdentity;

  const principal: RequestPrincipal =
    caller.kind === 'user'
      ? { type: 'AWS', ids: [caller.user.arn, services.world.rootArn(caller.user.account)] }
      : { type: 'AWS', ids: [caller.session.assumedRoleArn, caller.session.role.arn, services.world.rootArn(caller.session.role.account)] };
  const principalTags = caller.kind === 'user' ? caller.user.tags : caller.session.tags;
  const principalAccount = caller.kind === 'user' ? caller.user.account.id : caller.session.role.account.id;
  const context = new Map<string, string[]>([
    ['aws:principalarn', [caller.kind === 'user' ? caller.user.arn : caller.session.role.arn]],
    ['aws:principalaccount', [principalAccount]],
    ['aws:principaltype', [caller.kind === 'user' ? 'User' : 'AssumedRole']],
    ['sts:rolesessionname', [sessionName]],
    ...Object.entries(principalTags).map(([k, v]): [string, string[]] => [`aws:principaltag/${k.toLowerCase()}`, [v]]),
    ...(externalId !== undefined ? ([['sts:externalid', [externalId]]] as [string, string[]][]) : []),
    ...(callerSourceIdentity !== undefined ? ([['aws:sourceidentity', [callerSourceIdentity]]] as [string, string[]][]) : []),
    ...(requestedSourceIdentity !== undefined ? ([['sts:sourceidentity', [requestedSourceIdentity]]] as [string, string[]][]) : []),
    ...tagContext(tags),
  ]);
  const actions = ['sts:AssumeRole'];
  if (requestTags.length > 0) actions.push('sts:TagSession');
  if (requestedSourceIdentity !== undefined) actions.push('sts:SetSourceIdentity');
  authorizeTrust(role, principal, context, actions, denied);
  // Role chaining: the calling session's own permissions must allow each action too (an explicit Deny wins).
  for (const action of actions) {
    const decision = evaluateIdentity(services.world, caller, { action, resource: role.arn });
    if (decision !== 'allow') throw new StsError('AccessDenied', identityDenialMessage(callerArn, action, role.arn, decision));
  }

  const sessionPolicy = checkSessionPolicies(sessionPolicies, role.account.partition);
  const packed = packedPolicySize(tags, sessionPolicies.policy, sessionPolicies.policyArns);
  assertPackedSize(packed);
  const chained = caller.kind === 'session';
  const duration = resolveDuration(durationSeconds, role.maxSessionDuration, chained);
  const session = issueSession(services.registry, services.now(), {
    ...(sessionPolicy ? { sessionPolicy } : {}),
    role,
    sessionName,
    durationSeconds: duration,
    issuedBy: 'AssumeRole',
    sessionPolicies,
    chained,
    ...(sourceIdentity !== undefined ? { sourceIdentity } : {}),
    tags: { ...inherited, ...tags },
    transitiveTagKeys: [...Object.keys(inherited), ...transitiveKeys],
  });
  return { ...sessionResultXml(session), PackedPolicySize: packed, SourceIdentity: sourceIdentity };
}

/** Transitive session tags carry into a chained session (IAM User Guide, "Chaining roles with session tags"). */
function inheritedTransitiveTags(caller: Extract<Caller, { kind: 'session' }>): Record<string, string> {
  const { tags, transitiveTagKeys } = caller.session;
  const inherited: Record<string, string> = {};
  for (const key of transitiveTagKeys) {
    const actual = Object.keys(tags).find((k) => k.toLowerCase() === key.toLowerCase());
    if (actual !== undefined) inherited[actual] = tags[actual] ?? '';
  }
  return inherited;
}
