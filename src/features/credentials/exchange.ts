import type { AwsAccount, AwsRole } from '../../domain/access-model.js';
import { RolegateError } from '../../domain/errors.js';
import type { Principal } from '../../domain/principal.js';
import { sessionNameForUse, sourceIdentityFor, type SessionUse } from '../../domain/session-name.js';
import { sessionTagsFor, type DroppedTag, type SessionTagConfig } from '../../domain/session-tags.js';
import type { AssertionIssuer } from '../../ports/assertion-issuer.js';
import type { AssumedRole, SessionPolicyInput, StsEndpoint, StsGateway } from '../../ports/sts-gateway.js';
import type { SessionPolicy } from '../../domain/session-policy.js';

export interface ExchangeDeps {
  issuer: AssertionIssuer;
  sts: StsGateway;
  /** Where to call STS for an account. */
  endpointFor(account: AwsAccount): StsEndpoint;
  sessionTags: SessionTagConfig;
  /** The IdP whose subjects become session names unchanged (see sessionNameFor). */
  sessionNameIdp?: string;
}

export interface ExchangeRequest {
  principal: Principal;
  account: AwsAccount;
  role: AwsRole;
  durationSeconds: number;
  /** A grant or a break-glass use: its own session, named after it (sessionNameForUse). */
  use?: SessionUse;
  /** The entitlement's session policies, sent as `Policy`/`PolicyArns` whatever the exchange mode. */
  sessionPolicy?: SessionPolicy;
}

export interface ExchangeResult {
  assumed: AssumedRole;
  sessionName: string;
  sourceIdentity: string;
  /** Session tags left out (over AWS limits, no value…), for a warn log. */
  droppedTags: DroppedTag[];
  /** What identifies the exchange in the audit trail (assertion id, JWT id, signing key). */
  evidence: Record<string, string>;
}

/**
 * Gets credentials for one entitled role from STS, the way the role is
 * configured: rolegate mints a SAML Response (saml) or a JWT (web-identity)
 * naming exactly this role and user, or calls AssumeRole with its own
 * credentials (assume-role). The caller has already decided the entitlement
 * and clamped the duration.
 *
 * STS is called only once `committed` has resolved (the write-ahead audit row):
 * the assertion or token is minted meanwhile, while PostgreSQL commits. When
 * `committed` rejects, nothing is sent and this rejects with its reason.
 */
export async function exchange(
  deps: ExchangeDeps,
  request: ExchangeRequest,
  committed: Promise<void> = Promise.resolve(),
): Promise<ExchangeResult> {
  const { principal, account, role, durationSeconds } = request;
  const naming = { bareIdp: deps.sessionNameIdp };
  const sessionName = sessionNameForUse(principal, naming, request.use);
  const sourceIdentity = sourceIdentityFor(principal, naming);
  const { tags, transitiveKeys, dropped } = sessionTagsFor(principal, deps.sessionTags);
  const endpoint = deps.endpointFor(account);
  const policies = policyInput(request.sessionPolicy);

  switch (role.exchangeMode) {
    case 'saml': {
      const providerArn = requireProvider(role);
      const minted = await deps.issuer.mintSamlResponse({
        userId: principal.id,
        sessionName,
        sourceIdentity,
        roleArn: role.arn,
        providerArn,
        partition: account.partition,
        sessionDurationSeconds: durationSeconds,
        tags,
        transitiveTagKeys: transitiveKeys,
        authenticatedAt: principal.authn.authenticatedAt,
        ...(principal.authn.contextClass ? { authnContextClass: principal.authn.contextClass } : {}),
      });
      await committed;
      const assumed = await deps.sts.assumeRoleWithSaml({
        endpoint,
        roleArn: role.arn,
        principalArn: providerArn,
        samlAssertion: minted.samlAssertion.reveal(),
        durationSeconds,
        ...policies,
      });
      return {
        assumed,
        sessionName,
        sourceIdentity,
        droppedTags: dropped,
        evidence: { assertionId: minted.assertionId, signingKey: minted.kid },
      };
    }
    case 'web-identity': {
      requireProvider(role);
      const minted = await deps.issuer.mintWebIdentityToken({
        userId: principal.id,
        sourceIdentity,
        tags,
        transitiveTagKeys: transitiveKeys,
      });
      await committed;
      const assumed = await deps.sts.assumeRoleWithWebIdentity({
        endpoint,
        roleArn: role.arn,
        webIdentityToken: minted.token.reveal(),
        roleSessionName: sessionName,
        durationSeconds,
        ...policies,
      });
      return { assumed, sessionName, sourceIdentity, droppedTags: dropped, evidence: { tokenId: minted.jti, signingKey: minted.kid } };
    }
    case 'assume-role': {
      await committed;
      const assumed = await deps.sts.assumeRole({
        endpoint,
        roleArn: role.arn,
        roleSessionName: sessionName,
        durationSeconds,
        ...(role.externalId ? { externalId: role.externalId } : {}),
        sourceIdentity,
        tags,
        transitiveTagKeys: transitiveKeys,
        ...policies,
      });
      return { assumed, sessionName, sourceIdentity, droppedTags: dropped, evidence: {} };
    }
  }
}

function policyInput(policy: SessionPolicy | undefined): SessionPolicyInput {
  if (policy === undefined) return {};
  return {
    ...(policy.document === undefined ? {} : { policy: policy.document }),
    ...(policy.arns.length === 0 ? {} : { policyArns: policy.arns }),
  };
}

function requireProvider(role: AwsRole): string {
  if (role.providerArn) return role.providerArn;
  throw new RolegateError('role_not_entitled', {
    detail: `${role.name} is configured for ${role.exchangeMode} but names no provider ARN; ask an administrator to fix the role`,
    extras: { reason: 'role_misconfigured' },
  });
}
