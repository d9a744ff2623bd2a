import type { JWTPayload } from 'jose';
import { verifyWebIdentityToken, unverifiedIssuer } from '../oidc/verify-web-identity-token.js';
import { StsError } from '../protocol/sts-error.js';
import type { XmlTree } from '../protocol/xml.js';
import { issueSession, sessionResultXml } from '../session/issue-session.js';
import {
  assertPackedSize,
  MIN_DURATION,
  packedPolicySize,
  resolveDuration,
  SESSION_NAME,
  SESSION_NAME_TEXT,
  validateSessionTags,
} from '../session/session-rules.js';
import { assertRegionEnabled, authorizeTrust, tagContext, type ActionCall } from './action-context.js';
import { checkSessionPolicies, readSessionPolicies } from './session-policy.js';

const TAGS_CLAIM = 'https://aws.amazon.com/tags';
const SOURCE_IDENTITY_CLAIM = 'https://aws.amazon.com/source_identity';

/** AssumeRoleWithWebIdentity: https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRoleWithWebIdentity.html */
export async function assumeRoleWithWebIdentity({ params, services, region }: ActionCall): Promise<XmlTree> {
  const roleArn = params.required('RoleArn', 'roleArn', { min: 20, max: 2048 });
  const sessionName = params.required('RoleSessionName', 'roleSessionName', {
    min: 2,
    max: 64,
    pattern: /^[\w+=,.@-]*$/,
    patternText: SESSION_NAME_TEXT,
  });
  const token = params.required('WebIdentityToken', 'webIdentityToken', { min: 4, max: 20_000 });
  const durationSeconds = params.integer('DurationSeconds', 'durationSeconds', MIN_DURATION, 43_200);
  const sessionPolicies = readSessionPolicies(params);
  params.assertValid();

  const notAuthorized = (action: string) => `Not authorized to perform ${action}`;
  const role = services.world.roles.get(roleArn);
  if (!role) throw new StsError('AccessDenied', notAuthorized('sts:AssumeRoleWithWebIdentity'));
  const issuer = unverifiedIssuer(token);
  const provider = [...services.world.oidcProviders.values()].find((p) => p.account === role.account && p.url === issuer);
  if (!provider) throw new StsError('InvalidIdentityToken', `No OpenIDConnect provider found in your account for ${issuer}`);
  const { payload, audience } = await verifyWebIdentityToken(token, provider, services.oidcKeys, services.now());
  assertRegionEnabled(role, region);

  const { tags, transitiveTagKeys } = sessionTagsClaim(payload);
  validateSessionTags(tags, transitiveTagKeys, (message) => {
    throw new StsError('InvalidIdentityToken', message);
  });
  const sourceIdentity = payload[SOURCE_IDENTITY_CLAIM];
  if (
    sourceIdentity !== undefined &&
    (typeof sourceIdentity !== 'string' || !SESSION_NAME.test(sourceIdentity) || sourceIdentity.startsWith('aws:'))
  )
    throw new StsError('InvalidIdentityToken', 'Source Identity must match [a-zA-Z_0-9+=,.@-]{2,64} and not begin with "aws:"');

  const prefix = provider.issuerId.toLowerCase();
  const amr = Array.isArray(payload.amr)
    ? payload.amr.filter((v): v is string => typeof v === 'string')
    : typeof payload.amr === 'string'
      ? [payload.amr]
      : [];
  const context = new Map<string, string[]>([
    [`${prefix}:aud`, [audience]],
    [`${prefix}:sub`, [payload.sub ?? '']],
    ...(amr.length > 0 ? ([[`${prefix}:amr`, amr]] as [string, string[]][]) : []),
    ['sts:rolesessionname', [sessionName]],
    ...(typeof sourceIdentity === 'string' ? ([['sts:sourceidentity', [sourceIdentity]]] as [string, string[]][]) : []),
    ...tagContext(tags),
  ]);
  const actions = ['sts:AssumeRoleWithWebIdentity'];
  if (Object.keys(tags).length > 0) actions.push('sts:TagSession');
  if (typeof sourceIdentity === 'string') actions.push('sts:SetSourceIdentity');
  authorizeTrust(role, { type: 'Federated', ids: [provider.arn] }, context, actions, notAuthorized);

  const sessionPolicy = checkSessionPolicies(sessionPolicies, role.account.partition);
  const packed = packedPolicySize(tags, sessionPolicies.policy, sessionPolicies.policyArns);
  assertPackedSize(packed);
  const duration = resolveDuration(durationSeconds, role.maxSessionDuration, false);
  const session = issueSession(services.registry, services.now(), {
    ...(sessionPolicy ? { sessionPolicy } : {}),
    role,
    sessionName,
    durationSeconds: duration,
    issuedBy: 'AssumeRoleWithWebIdentity',
    sessionPolicies,
    chained: false,
    ...(typeof sourceIdentity === 'string' ? { sourceIdentity } : {}),
    tags,
    transitiveTagKeys,
  });
  return {
    ...sessionResultXml(session),
    SubjectFromWebIdentityToken: payload.sub,
    PackedPolicySize: packed,
    Provider: provider.url,
    Audience: audience,
    SourceIdentity: typeof sourceIdentity === 'string' ? sourceIdentity : undefined,
  };
}

/** `https://aws.amazon.com/tags`: `{ principal_tags: { key: [value] }, transitive_tag_keys: [key] }`. */
function sessionTagsClaim(payload: JWTPayload): { tags: Record<string, string>; transitiveTagKeys: string[] } {
  const claim = payload[TAGS_CLAIM];
  if (claim === undefined) return { tags: {}, transitiveTagKeys: [] };
  const bad = () => new StsError('InvalidIdentityToken', `The ${TAGS_CLAIM} claim is malformed`);
  if (typeof claim !== 'object' || claim === null || Array.isArray(claim)) throw bad();
  const { principal_tags: principalTags, transitive_tag_keys: transitive } = claim as Record<string, unknown>;
  const tags: Record<string, string> = {};
  if (principalTags !== undefined) {
    if (typeof principalTags !== 'object' || principalTags === null || Array.isArray(principalTags)) throw bad();
    for (const [key, value] of Object.entries(principalTags as Record<string, unknown>)) {
      if (!Array.isArray(value) || value.length !== 1 || typeof value[0] !== 'string') throw bad();
      tags[key] = value[0];
    }
  }
  if (transitive === undefined) return { tags, transitiveTagKeys: [] };
  if (!Array.isArray(transitive) || !transitive.every((k): k is string => typeof k === 'string')) throw bad();
  return { tags, transitiveTagKeys: transitive };
}
