import type { Caller } from '../sts/actions/action-context.js';
import type { IamWorld } from '../sts/model/iam-world.js';
import { evaluatePolicy, type Decision, type PolicyRequest } from '../sts/policy/evaluate-policy.js';
import type { PolicyDocument } from '../sts/policy/policy-document.js';
import { isoSeconds } from '../sts/session/issue-session.js';

/**
 * Identity-based evaluation for a signed caller, in the subset the devstack
 * models: a role session is bound by its role's inline policies and attached
 * managed policies (their default versions), and by its session policies (the
 * inline `Policy` and the managed `PolicyArns` it was issued with); an explicit
 * Deny in any of them wins; session policies can only narrow (one of them must
 * allow the action too). A session policy ARN the devstack does not hold allows
 * nothing. Managed policies the devstack does not hold are stood in for by the
 * role's `managedPolicies: allow-all` ("they allow everything").
 * IAM users (long-term keys in the YAML) are not restricted.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies.html#policies_session
 */
export function evaluateIdentity(world: IamWorld, caller: Caller, request: { action: string; resource: string }): Decision {
  if (caller.kind === 'user') return 'allow';
  const { session } = caller;
  // A session of a role deleted since (or deleted and created again) has no permissions left.
  const role = world.roles.get(session.role.arn);
  if (role !== session.role) return 'implicit-deny';
  const policyRequest: PolicyRequest = { ...request, context: sessionContext(caller) };
  const identityPolicies: PolicyDocument[] = [...role.inlinePolicies.values()].map((p) => p.document);
  for (const arn of role.attachedPolicies) {
    const attached = world.defaultPolicyOf(arn);
    if (attached) identityPolicies.push(attached.document);
  }
  let roleAllows = role.managedPolicies === 'allow-all';
  for (const document of identityPolicies) {
    const decision = evaluatePolicy(document, policyRequest);
    if (decision === 'explicit-deny') return decision;
    if (decision === 'allow') roleAllows = true;
  }
  const sessionPolicies: PolicyDocument[] = session.sessionPolicy ? [session.sessionPolicy] : [];
  for (const arn of session.sessionPolicies.policyArns) {
    const managed = world.defaultPolicyOf(arn);
    sessionPolicies.push(managed ? managed.document : NOTHING);
  }
  if (sessionPolicies.length > 0) {
    let sessionAllows = false;
    for (const document of sessionPolicies) {
      const decision = evaluatePolicy(document, policyRequest);
      if (decision === 'explicit-deny') return decision;
      if (decision === 'allow') sessionAllows = true;
    }
    if (!sessionAllows) return 'implicit-deny';
  }
  return roleAllows ? 'allow' : 'implicit-deny';
}

/** What a session policy ARN the devstack does not hold grants. */
const NOTHING: PolicyDocument = { statements: [] };

/** The global condition keys a role session carries (lower-cased, as the evaluator looks them up). */
export function sessionContext(caller: Extract<Caller, { kind: 'session' }>): Map<string, string[]> {
  const { session } = caller;
  const context = new Map<string, string[]>([
    ['aws:tokenissuetime', [isoSeconds(session.issuedAt)]],
    ['aws:principalarn', [session.role.arn]],
    ['aws:principalaccount', [session.role.account.id]],
    ['aws:principaltype', ['AssumedRole']],
    ['aws:userid', [session.assumedRoleId]],
  ]);
  if (session.sourceIdentity !== undefined) context.set('aws:sourceidentity', [session.sourceIdentity]);
  for (const [key, value] of Object.entries(session.tags)) context.set(`aws:principaltag/${key.toLowerCase()}`, [value]);
  return context;
}

/** AWS's wording of an identity-policy refusal. */
export function identityDenialMessage(callerArn: string, action: string, resource: string, decision: Decision): string {
  const why =
    decision === 'explicit-deny'
      ? `with an explicit deny in an identity-based policy`
      : `because no identity-based policy allows the ${action} action`;
  return `User: ${callerArn} is not authorized to perform: ${action} on resource: ${resource} ${why}`;
}
