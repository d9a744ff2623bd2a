import { createHash } from 'node:crypto';
import { parseProviderArn, parseRoleArn } from '../model/arns.js';
import { StsError } from '../protocol/sts-error.js';
import { isSamlRecipient, SAML_AUDIENCE } from '../saml/aws-saml-endpoints.js';
import { readSamlAssertion, type SamlAssertionFacts } from '../saml/read-saml-assertion.js';
import { NS, onlyChild } from '../saml/safe-xml.js';
import { SignatureInvalid, verifySamlSignature, type VerifiedSamlResponse } from '../saml/verify-saml-signature.js';
import { issueSession, sessionResultXml } from '../session/issue-session.js';
import {
  assertPackedSize,
  MIN_DURATION,
  packedPolicySize,
  resolveDuration,
  SESSION_NAME,
  validateSessionTags,
} from '../session/session-rules.js';
import { assertRegionEnabled, authorizeTrust, tagContext, type ActionCall, type StsServices } from './action-context.js';
import { checkSessionPolicies, readSessionPolicies } from './session-policy.js';
import type { SamlProviderEntry } from '../model/iam-world.js';
import type { XmlTree } from '../protocol/xml.js';

const ATTR = 'https://aws.amazon.com/SAML/Attributes/';
const SUCCESS = 'urn:oasis:names:tc:SAML:2.0:status:Success';
const NOT_BEFORE_SKEW_MS = 60_000;

const invalid = (message: string) => new StsError('InvalidIdentityToken', message);

/**
 * AssumeRoleWithSAML: https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRoleWithSAML.html
 * Every check below refuses with the code AWS uses; see docs/devstack.md for the list.
 */
export async function assumeRoleWithSaml({ params, services, region }: ActionCall): Promise<XmlTree> {
  const roleArn = params.required('RoleArn', 'roleArn', { min: 20, max: 2048 });
  const principalArn = params.required('PrincipalArn', 'principalArn', { min: 20, max: 2048 });
  const assertionBase64 = params.required('SAMLAssertion', 'sAMLAssertion', { min: 4, max: 100_000 });
  const durationSeconds = params.integer('DurationSeconds', 'durationSeconds', MIN_DURATION, 43_200);
  const sessionPolicies = readSessionPolicies(params);
  params.assertValid();

  const provider = services.world.samlProviders.get(principalArn);
  if (!provider)
    throw invalid(parseProviderArn(principalArn) ? "Specified provider doesn't exist" : `Invalid principal ARN: ${principalArn}`);
  const xml = decodeBase64(assertionBase64);
  const verified = await verifyWithProvider(services, provider, xml);
  const metadata = await services.samlMetadata.get(provider.metadata);

  const statusCode = onlyChild(onlyChild(verified.response, NS.samlp, 'Status') ?? verified.response, NS.samlp, 'StatusCode')?.getAttribute(
    'Value',
  );
  if (statusCode !== SUCCESS)
    throw new StsError('IDPRejectedClaim', `The identity provider did not report success (status ${statusCode ?? 'missing'})`);

  const facts = readSamlAssertion(verified.assertion);
  if (facts.issuer !== metadata.entityId) throw invalid('Issuer not present in specified provider');
  const partition = provider.account.partition;
  const recipient = checkSubjectConfirmation(facts, partition, services.now());
  const destination = verified.response.getAttribute('Destination');
  if (destination && !isSamlRecipient(partition, destination))
    throw invalid(`Response Destination ${destination} is not an AWS sign-in SAML endpoint`);
  checkConditions(facts, SAML_AUDIENCE[partition], services.now());

  const roles = (facts.attributes.get(`${ATTR}Role`) ?? []).map(parseRolePair);
  if (roles.length === 0) throw invalid('The SAML assertion has no https://aws.amazon.com/SAML/Attributes/Role attribute');
  if (!roles.some((pair) => pair?.role === roleArn && pair.provider === principalArn))
    throw invalid('The requested RoleArn and PrincipalArn are not a pair in the SAML Role attribute');

  const sessionName = single(facts, 'RoleSessionName');
  if (sessionName === undefined) throw invalid('RoleSessionName is required in AuthnResponse');
  if (!SESSION_NAME.test(sessionName)) throw invalid('RoleSessionName in AuthnResponse must match [a-zA-Z_0-9+=,.@-]{2,64}');
  const sourceIdentity = single(facts, 'SourceIdentity');
  if (sourceIdentity !== undefined && (!SESSION_NAME.test(sourceIdentity) || sourceIdentity.toLowerCase().startsWith('aws:')))
    throw invalid('Source Identity must match [a-zA-Z_0-9+=,.@-]{2,64} and not begin with "aws:"');
  const sessionDurationAttr = single(facts, 'SessionDuration');
  const tags = principalTags(facts);
  const transitiveTagKeys = facts.attributes.get(`${ATTR}TransitiveTagKeys`) ?? [];
  validateSessionTags(tags, transitiveTagKeys, (message) => {
    throw invalid(message);
  });

  const role = services.world.roles.get(roleArn);
  const notAuthorized = (action: string) => `Not authorized to perform ${action}`;
  if (!role || role.account !== provider.account || parseRoleArn(roleArn) === undefined)
    throw new StsError('AccessDenied', notAuthorized('sts:AssumeRoleWithSAML'));
  assertRegionEnabled(role, region);
  const nameQualifier = createHash('sha1').update(`${metadata.entityId}${provider.account.id}/${provider.name}`).digest('base64');
  const subjectType = subjectTypeOf(facts.nameIdFormat);
  const context = new Map<string, string[]>([
    ['saml:aud', [recipient]],
    ['saml:iss', [metadata.entityId]],
    ['saml:sub', facts.nameId ? [facts.nameId] : []],
    ['saml:sub_type', [subjectType]],
    ['saml:namequalifier', [nameQualifier]],
    ['sts:rolesessionname', [sessionName]],
    ...(sourceIdentity ? ([['sts:sourceidentity', [sourceIdentity]]] as [string, string[]][]) : []),
    ...tagContext(tags),
  ]);
  const actions = ['sts:AssumeRoleWithSAML'];
  if (Object.keys(tags).length > 0) actions.push('sts:TagSession');
  if (sourceIdentity !== undefined) actions.push('sts:SetSourceIdentity');
  authorizeTrust(role, { type: 'Federated', ids: [principalArn] }, context, actions, notAuthorized);

  const sessionPolicy = checkSessionPolicies(sessionPolicies, role.account.partition);
  const packed = packedPolicySize(tags, sessionPolicies.policy, sessionPolicies.policyArns);
  assertPackedSize(packed);
  let duration = resolveDuration(durationSeconds, role.maxSessionDuration, false);
  if (sessionDurationAttr !== undefined) {
    const seconds = /^\d{1,6}$/.test(sessionDurationAttr) ? Number(sessionDurationAttr) : NaN;
    if (!(seconds >= 900 && seconds <= 43_200)) throw invalid('SessionDuration in AuthnResponse must be an integer from 900 to 43200');
    if (seconds > role.maxSessionDuration)
      throw invalid('SessionDuration in AuthnResponse exceeds the MaxSessionDuration set for this role');
    duration = Math.min(duration, seconds);
  }
  if (facts.sessionNotOnOrAfter) {
    const remaining = Math.floor((Date.parse(facts.sessionNotOnOrAfter) - services.now().getTime()) / 1000);
    if (remaining < MIN_DURATION) throw new StsError('ExpiredTokenException', 'SessionNotOnOrAfter leaves less than 15 minutes');
    duration = Math.min(duration, remaining);
  }

  const session = issueSession(services.registry, services.now(), {
    ...(sessionPolicy ? { sessionPolicy } : {}),
    role,
    sessionName,
    durationSeconds: duration,
    issuedBy: 'AssumeRoleWithSAML',
    sessionPolicies,
    chained: false,
    ...(sourceIdentity !== undefined ? { sourceIdentity } : {}),
    tags,
    transitiveTagKeys,
  });
  return {
    ...sessionResultXml(session),
    PackedPolicySize: packed,
    Subject: facts.nameId,
    SubjectType: subjectType,
    Issuer: metadata.entityId,
    Audience: recipient,
    NameQualifier: nameQualifier,
    SourceIdentity: sourceIdentity,
  };
}

async function verifyWithProvider(services: StsServices, provider: SamlProviderEntry, xml: string): Promise<VerifiedSamlResponse> {
  let metadata;
  try {
    metadata = await services.samlMetadata.get(provider.metadata);
  } catch (error) {
    throw new StsError('IDPCommunicationError', `Could not load the metadata of ${provider.arn}: ${(error as Error).message}`);
  }
  try {
    return verifySamlSignature(xml, metadata.certificates);
  } catch (error) {
    if (!(error instanceof SignatureInvalid)) throw invalid(`Unable to parse the SAML response: ${(error as Error).message}`);
    // A key rotated at the IdP: look at the metadata again before refusing.
    const refreshed = await services.samlMetadata.refresh(provider.metadata).catch(() => undefined);
    if (refreshed) {
      try {
        return verifySamlSignature(xml, refreshed.certificates);
      } catch {
        // fall through to the original reason
      }
    }
    throw invalid(`Response signature invalid (${error.message})`);
  }
}

function checkSubjectConfirmation(facts: SamlAssertionFacts, partition: Parameters<typeof isSamlRecipient>[0], now: Date): string {
  if (facts.bearer.count !== 1) throw invalid('The assertion must have exactly one bearer SubjectConfirmation');
  const { recipient, notOnOrAfter, notBefore } = facts.bearer;
  if (!recipient) throw invalid('SubjectConfirmationData has no Recipient');
  if (!isSamlRecipient(partition, recipient)) throw invalid(`Recipient ${recipient} is not an AWS sign-in SAML endpoint`);
  if (!notOnOrAfter) throw invalid('SubjectConfirmationData has no NotOnOrAfter');
  checkWindow(notBefore, notOnOrAfter, now);
  return recipient;
}

function checkConditions(facts: SamlAssertionFacts, audience: string, now: Date): void {
  checkWindow(facts.conditions.notBefore, facts.conditions.notOnOrAfter, now);
  if (!facts.conditions.audiences.includes(audience)) throw invalid(`Response does not contain the required audience ${audience}`);
}

function checkWindow(notBefore: string | undefined, notOnOrAfter: string | undefined, now: Date): void {
  if (notOnOrAfter !== undefined) {
    const end = Date.parse(notOnOrAfter);
    if (Number.isNaN(end)) throw invalid(`NotOnOrAfter ${notOnOrAfter} is not a valid time`);
    if (now.getTime() >= end) throw new StsError('ExpiredTokenException', `Response is expired: NotOnOrAfter ${notOnOrAfter} has passed`);
  }
  if (notBefore !== undefined) {
    const start = Date.parse(notBefore);
    if (Number.isNaN(start)) throw invalid(`NotBefore ${notBefore} is not a valid time`);
    if (now.getTime() + NOT_BEFORE_SKEW_MS < start) throw invalid(`Response is not yet valid: NotBefore ${notBefore}`);
  }
}

/** `roleArn,providerArn` in either order (IdPs emit both). */
function parseRolePair(value: string): { role: string; provider: string } | undefined {
  const parts = value.split(',').map((p) => p.trim());
  if (parts.length !== 2) return undefined;
  const role = parts.find((p) => p.includes(':role/'));
  const provider = parts.find((p) => p.includes(':saml-provider/'));
  return role && provider ? { role, provider } : undefined;
}

function single(facts: SamlAssertionFacts, name: string): string | undefined {
  const values = facts.attributes.get(`${ATTR}${name}`);
  if (values === undefined) return undefined;
  if (values.length !== 1) throw invalid(`${name} in AuthnResponse must have exactly one value`);
  return values[0];
}

function principalTags(facts: SamlAssertionFacts): Record<string, string> {
  const tags: Record<string, string> = {};
  for (const [name, values] of facts.attributes) {
    if (!name.startsWith(`${ATTR}PrincipalTag:`)) continue;
    if (values.length !== 1) throw invalid(`${name} must have exactly one value`);
    tags[name.slice(`${ATTR}PrincipalTag:`.length)] = values[0] ?? '';
  }
  return tags;
}

function subjectTypeOf(format: string | undefined): string {
  if (format === 'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent') return 'persistent';
  if (format === 'urn:oasis:names:tc:SAML:2.0:nameid-format:transient') return 'transient';
  return format ?? 'urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified';
}

function decodeBase64(value: string): string {
  const compact = value.replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(compact)) throw invalid('The SAML assertion is not valid base64');
  return Buffer.from(compact, 'base64').toString('utf8');
}
