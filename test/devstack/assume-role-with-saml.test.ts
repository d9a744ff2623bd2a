import {
  AssumeRoleCommand,
  AssumeRoleWithSAMLCommand,
  GetCallerIdentityCommand,
  type AssumeRoleWithSAMLCommandInput,
} from '@aws-sdk/client-sts';
import { DOMParser, XMLSerializer } from '@xmldom/xmldom';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { failure, startTestSts, stsClient } from '../support/devstack.js';
import { mintSamlResponse, testSigner, toBase64, type MintOptions } from '../support/saml/mint-saml-response.js';
import { DISABLED, OTHER, pair, PROVIDER, role, samlWorld, SANDBOX } from './saml-world.js';

const idp = testSigner('idp');
let sts: Awaited<ReturnType<typeof startTestSts>>;
beforeAll(async () => {
  sts = await startTestSts(samlWorld());
});
afterAll(() => sts.close());

const client = () => stsClient(sts.url);
const assume = (xml: string, input: Partial<AssumeRoleWithSAMLCommandInput> = {}) =>
  client().send(
    new AssumeRoleWithSAMLCommand({ RoleArn: role('Developer'), PrincipalArn: PROVIDER, SAMLAssertion: toBase64(xml), ...input }),
  );
const mint = (options: Partial<MintOptions> = {}) => mintSamlResponse({ signer: idp, roles: [pair('Developer')], ...options });

describe('AssumeRoleWithSAML with a valid response', () => {
  it('when the assertion is signed by the registered key, then the SDK gets AWS-shaped temporary credentials', async () => {
    const started = Date.now();
    const result = await assume(mint({ sourceIdentity: 'alice', principalTags: { department: 'engineering' } }));
    expect(result.Credentials?.AccessKeyId).toMatch(/^ASIA[A-Z0-9]{16}$/);
    expect(result.Credentials?.SecretAccessKey).toHaveLength(40);
    expect(result.Credentials?.SessionToken?.length).toBeGreaterThan(100);
    const expiration = result.Credentials?.Expiration?.getTime() ?? 0;
    expect(expiration).toBeGreaterThanOrEqual(started - 1000 + 3600_000);
    expect(expiration).toBeLessThanOrEqual(Date.now() + 3600_000);
    expect(result.AssumedRoleUser?.Arn).toBe(`arn:aws:sts::${SANDBOX}:assumed-role/Developer/alice@example.com`);
    expect(result.AssumedRoleUser?.AssumedRoleId).toMatch(/^AROA[A-Z2-7]{17}:alice@example\.com$/);
    expect(result).toMatchObject({
      Audience: 'https://signin.aws.amazon.com/saml',
      Issuer: 'https://rolegate.test/saml/metadata',
      Subject: 'alice@example.com',
      SubjectType: 'persistent',
      SourceIdentity: 'alice',
    });
    expect(result.NameQualifier).toMatch(/^[A-Za-z0-9+/]{27}=$/);
    expect(result.SessionTokenSize).toBe(result.Credentials?.SessionToken?.length);
    expect(result.SessionTokenUtilization).toBeGreaterThan(0);
  });

  it('when the whole Response is signed instead of the assertion, then it is accepted', async () => {
    const result = await assume(mint({ sign: 'response' }));
    expect(result.AssumedRoleUser?.Arn).toBe(`arn:aws:sts::${SANDBOX}:assumed-role/Developer/alice@example.com`);
  });

  it('when the Role attribute lists several pairs in either order, then the requested pair is used', async () => {
    const xml = mint({ roles: [pair('OneHour'), `${PROVIDER},${role('Developer')}`] });
    const result = await assume(xml);
    expect(result.AssumedRoleUser?.Arn).toContain(':assumed-role/Developer/');
  });

  it('when the issued credentials sign GetCallerIdentity, then STS answers with the assumed-role ARN', async () => {
    const { Credentials } = await assume(mint());
    const identity = await stsClient(sts.url, {
      accessKeyId: Credentials?.AccessKeyId ?? '',
      secretAccessKey: Credentials?.SecretAccessKey ?? '',
      sessionToken: Credentials?.SessionToken ?? '',
    }).send(new GetCallerIdentityCommand({}));
    expect(identity).toMatchObject({ Account: SANDBOX, Arn: `arn:aws:sts::${SANDBOX}:assumed-role/Developer/alice@example.com` });
    expect(identity.UserId).toMatch(/^AROA[A-Z2-7]{17}:alice@example\.com$/);
  });

  it('when a regional sign-in endpoint is the Recipient, then SAML:aud is that URL for the trust policy', async () => {
    const regional = mint({ roles: [pair('RegionalOnly'), pair('Developer')], recipient: 'https://eu-west-1.signin.aws.amazon.com/saml' });
    const result = await assume(regional, { RoleArn: role('RegionalOnly') });
    expect(result.Audience).toBe('https://eu-west-1.signin.aws.amazon.com/saml');
    const refused = await failure(assume(regional, { RoleArn: role('Developer') }));
    expect(refused).toMatchObject({ name: 'AccessDenied', status: 403, message: 'Not authorized to perform sts:AssumeRoleWithSAML' });
  });
});

describe('AssumeRoleWithSAML refuses what AWS refuses', () => {
  const invalid = { name: 'InvalidIdentityTokenException', status: 400 };

  it('when the audience is wrong, then InvalidIdentityToken', async () => {
    expect(await failure(assume(mint({ audience: 'urn:example:not-aws' })))).toMatchObject({
      ...invalid,
      message: 'Response does not contain the required audience urn:amazon:webservices',
    });
  });

  it('when the audience is missing, then InvalidIdentityToken', async () => {
    expect(await failure(assume(mint({ audience: null })))).toMatchObject(invalid);
  });

  it('when the response is expired, then ExpiredTokenException', async () => {
    const past = new Date(Date.now() - 10 * 60_000);
    expect(await failure(assume(mint({ now: new Date(Date.now() - 20 * 60_000), notOnOrAfter: past })))).toMatchObject({
      name: 'ExpiredTokenException',
      status: 400,
    });
  });

  it('when the response is not valid yet, then InvalidIdentityToken', async () => {
    expect(await failure(assume(mint({ notBefore: new Date(Date.now() + 10 * 60_000) })))).toMatchObject(invalid);
  });

  it('when the response is signed by another key, then "Response signature invalid"', async () => {
    const refused = await failure(assume(mintSamlResponse({ signer: testSigner('other-idp'), roles: [pair('Developer')] })));
    expect(refused).toMatchObject(invalid);
    expect(refused.message).toMatch(/^Response signature invalid/);
  });

  it('when the response is not signed at all, then InvalidIdentityToken', async () => {
    expect(await failure(assume(mint({ sign: 'none' })))).toMatchObject({
      ...invalid,
      message: expect.stringMatching(/^Response signature invalid/) as string,
    });
  });

  it('when the signed assertion was altered after signing, then InvalidIdentityToken', async () => {
    const tampered = mint().replace('alice@example.com</saml:AttributeValue>', 'mallory</saml:AttributeValue>');
    expect(tampered).toContain('mallory');
    expect(await failure(assume(tampered))).toMatchObject(invalid);
  });

  it('when the signature uses SHA-1, then the devstack refuses it', async () => {
    expect(await failure(assume(mint({ signatureAlgorithm: 'sha1' })))).toMatchObject({
      ...invalid,
      message: expect.stringContaining('refused') as string,
    });
  });

  it('when a forged assertion wraps the signed one (new ID), then the forgery is refused', async () => {
    expect(await failure(assume(wrap(mint(), 'new-id')))).toMatchObject(invalid);
  });

  it('when a forged assertion wraps the signed one (same ID), then the forgery is refused', async () => {
    expect(await failure(assume(wrap(mint(), 'same-id')))).toMatchObject(invalid);
  });

  it('when the response has a DOCTYPE, then it is refused before parsing', async () => {
    const xml = `<?xml version="1.0"?><!DOCTYPE r [<!ENTITY e "x">]>${mint()}`;
    expect(await failure(assume(xml))).toMatchObject({ ...invalid, message: expect.stringContaining('DOCTYPE') as string });
  });

  it('when the bearer SubjectConfirmation has no Recipient, then InvalidIdentityToken', async () => {
    expect(await failure(assume(mint({ recipient: null })))).toMatchObject({
      ...invalid,
      message: 'SubjectConfirmationData has no Recipient',
    });
  });

  it('when the Recipient is not an AWS sign-in endpoint, then InvalidIdentityToken', async () => {
    expect(await failure(assume(mint({ recipient: 'https://rolegate.test/acs', destination: null })))).toMatchObject(invalid);
  });

  it('when the IdP reports a failed status, then IDPRejectedClaim (403)', async () => {
    expect(await failure(assume(mint({ statusCode: 'urn:oasis:names:tc:SAML:2.0:status:Responder' })))).toMatchObject({
      name: 'IDPRejectedClaimException',
      status: 403,
    });
  });

  it('when the Issuer is not the provider entity id, then InvalidIdentityToken', async () => {
    expect(await failure(assume(mint({ issuer: 'https://evil.test/idp' })))).toMatchObject({
      ...invalid,
      message: 'Issuer not present in specified provider',
    });
  });

  it('when the role trusts another provider, then AccessDenied', async () => {
    const xml = mint({ roles: [pair('TrustsAnotherProvider')] });
    expect(await failure(assume(xml, { RoleArn: role('TrustsAnotherProvider') }))).toMatchObject({
      name: 'AccessDenied',
      status: 403,
      message: 'Not authorized to perform sts:AssumeRoleWithSAML',
    });
  });

  it('when the role does not exist, then AccessDenied (existence is not revealed)', async () => {
    const xml = mint({ roles: [pair('NoSuchRole')] });
    expect(await failure(assume(xml, { RoleArn: role('NoSuchRole') }))).toMatchObject({ name: 'AccessDenied', status: 403 });
  });

  it('when the role is in another account than the provider, then AccessDenied', async () => {
    const xml = mint({ roles: [`${role('Developer', OTHER)},${PROVIDER}`] });
    expect(await failure(assume(xml, { RoleArn: role('Developer', OTHER) }))).toMatchObject({ name: 'AccessDenied', status: 403 });
  });

  it('when the requested role is not in the Role attribute, then InvalidIdentityToken', async () => {
    expect(await failure(assume(mint(), { RoleArn: role('OneHour') }))).toMatchObject(invalid);
  });

  it('when the provider ARN is not registered, then InvalidIdentityToken', async () => {
    const ghost = `arn:aws:iam::${SANDBOX}:saml-provider/ghost`;
    const xml = mint({ roles: [`${role('Developer')},${ghost}`] });
    expect(await failure(assume(xml, { PrincipalArn: ghost }))).toMatchObject({ ...invalid, message: "Specified provider doesn't exist" });
  });

  it('when STS is disabled in the Region for the account, then RegionDisabledException (403)', async () => {
    const provider = `arn:aws:iam::${DISABLED}:saml-provider/test-idp`;
    const xml = mint({ roles: [`${role('Developer', DISABLED)},${provider}`] });
    expect(await failure(assume(xml, { RoleArn: role('Developer', DISABLED), PrincipalArn: provider }))).toMatchObject({
      name: 'RegionDisabledException',
      status: 403,
    });
  });

  it('when the SAMLAssertion is longer than 100,000 characters, then ValidationError', async () => {
    const refused = await failure(
      client().send(
        new AssumeRoleWithSAMLCommand({ RoleArn: role('Developer'), PrincipalArn: PROVIDER, SAMLAssertion: 'A'.repeat(100_004) }),
      ),
    );
    expect(refused).toMatchObject({ name: 'ValidationError', status: 400 });
  });

  it('when the session policy is not a policy, then MalformedPolicyDocument', async () => {
    expect(await failure(assume(mint(), { Policy: '{"Statement": "nope"' }))).toMatchObject({
      name: 'MalformedPolicyDocumentException',
      status: 400,
    });
  });
});

describe('RoleSessionName rules', () => {
  it.each([
    ['missing', null, 'RoleSessionName is required in AuthnResponse'],
    ['one character', 'a', 'RoleSessionName in AuthnResponse must match [a-zA-Z_0-9+=,.@-]{2,64}'],
    ['65 characters', 'a'.repeat(65), 'RoleSessionName in AuthnResponse must match [a-zA-Z_0-9+=,.@-]{2,64}'],
    ['a space', 'alice smith', 'RoleSessionName in AuthnResponse must match [a-zA-Z_0-9+=,.@-]{2,64}'],
    ['a slash', 'alice/admin', 'RoleSessionName in AuthnResponse must match [a-zA-Z_0-9+=,.@-]{2,64}'],
  ])('when the RoleSessionName is %s, then InvalidIdentityToken', async (_what, sessionName, message) => {
    expect(await failure(assume(mint({ sessionName })))).toMatchObject({ name: 'InvalidIdentityTokenException', message });
  });

  it('when the RoleSessionName is 64 characters of every allowed kind, then it names the session', async () => {
    const name = `a+=,.@-_9${'x'.repeat(55)}`;
    const result = await assume(mint({ sessionName: name }));
    expect(result.AssumedRoleUser?.Arn).toBe(`arn:aws:sts::${SANDBOX}:assumed-role/Developer/${name}`);
  });
});

describe('duration limits', () => {
  it('when DurationSeconds exceeds the role MaxSessionDuration, then ValidationError', async () => {
    const xml = mint({ roles: [pair('OneHour')] });
    expect(await failure(assume(xml, { RoleArn: role('OneHour'), DurationSeconds: 7200 }))).toMatchObject({
      name: 'ValidationError',
      status: 400,
      message: 'The requested DurationSeconds exceeds the MaxSessionDuration set for this role.',
    });
  });

  it('when DurationSeconds is below 900, then ValidationError', async () => {
    expect(await failure(assume(mint(), { DurationSeconds: 899 }))).toMatchObject({
      name: 'ValidationError',
      message: expect.stringContaining('greater than or equal to 900') as string,
    });
  });

  it('when DurationSeconds is within the role maximum, then the credentials live that long', async () => {
    const result = await assume(mint(), { DurationSeconds: 43200 });
    expect((result.Credentials?.Expiration?.getTime() ?? 0) - Date.now()).toBeGreaterThan(43_100_000);
  });

  it('when the SessionDuration attribute is shorter, then it shortens the session', async () => {
    const result = await assume(mint({ sessionDuration: '1800' }), { DurationSeconds: 7200 });
    const lifetime = (result.Credentials?.Expiration?.getTime() ?? 0) - Date.now();
    expect(lifetime).toBeLessThanOrEqual(1800_000);
    expect(lifetime).toBeGreaterThan(1790_000);
  });

  it('when the SessionDuration attribute exceeds the role maximum, then InvalidIdentityToken', async () => {
    const xml = mint({ roles: [pair('OneHour')], sessionDuration: '7200' });
    expect(await failure(assume(xml, { RoleArn: role('OneHour') }))).toMatchObject({ name: 'InvalidIdentityTokenException' });
  });

  it('when SessionNotOnOrAfter comes first, then it caps the session', async () => {
    const result = await assume(mint({ sessionNotOnOrAfter: new Date(Date.now() + 1200_000) }));
    expect((result.Credentials?.Expiration?.getTime() ?? 0) - Date.now()).toBeLessThanOrEqual(1200_000);
  });
});

describe('session tags and source identity', () => {
  it('when PrincipalTag attributes are sent to a role that does not allow sts:TagSession, then AccessDenied', async () => {
    const xml = mint({ roles: [pair('NoTagsNoSourceIdentity')], principalTags: { team: 'a' } });
    expect(await failure(assume(xml, { RoleArn: role('NoTagsNoSourceIdentity') }))).toMatchObject({
      name: 'AccessDenied',
      message: 'Not authorized to perform sts:TagSession',
    });
  });

  it('when a SourceIdentity is sent to a role that does not allow sts:SetSourceIdentity, then AccessDenied', async () => {
    const xml = mint({ roles: [pair('NoTagsNoSourceIdentity')], sourceIdentity: 'alice' });
    expect(await failure(assume(xml, { RoleArn: role('NoTagsNoSourceIdentity') }))).toMatchObject({
      name: 'AccessDenied',
      message: 'Not authorized to perform sts:SetSourceIdentity',
    });
  });

  it('when the SourceIdentity begins with aws:, then InvalidIdentityToken', async () => {
    expect(await failure(assume(mint({ sourceIdentity: 'aws:alice' })))).toMatchObject({ name: 'InvalidIdentityTokenException' });
  });

  it('when the trust policy conditions on a request tag, then the PrincipalTag value decides', async () => {
    const ok = mint({ roles: [pair('EngineersOnly')], principalTags: { department: 'engineering' } });
    await expect(assume(ok, { RoleArn: role('EngineersOnly') })).resolves.toBeDefined();
    const no = mint({ roles: [pair('EngineersOnly')], principalTags: { department: 'sales' } });
    expect(await failure(assume(no, { RoleArn: role('EngineersOnly') }))).toMatchObject({ name: 'AccessDenied' });
  });

  it('when an explicit Deny matches a tag, then it wins over the Allow', async () => {
    const xml = mint({ roles: [pair('DenyContractors')], principalTags: { employment: 'contractor' } });
    expect(await failure(assume(xml, { RoleArn: role('DenyContractors') }))).toMatchObject({ name: 'AccessDenied' });
  });

  it('when the SAML session chains into AssumeRole, then its SourceIdentity and transitive tags are carried into the new session', async () => {
    const chainWorld = samlWorld();
    chainWorld.accounts[0]?.roles?.push({
      name: 'ChainedEngineers',
      trustPolicy: {
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Principal: { AWS: role('Developer') },
            Action: 'sts:AssumeRole',
            Condition: { StringEquals: { 'aws:PrincipalTag/department': 'engineering', 'aws:SourceIdentity': 'alice' } },
          },
        ],
      },
    });
    const chainSts = await startTestSts(chainWorld);
    try {
      const samlClient = stsClient(chainSts.url);
      const assumeWithTags = async (department: string) => {
        const xml = mint({ principalTags: { department }, transitiveTagKeys: ['department'], sourceIdentity: 'alice' });
        const { Credentials } = await samlClient.send(
          new AssumeRoleWithSAMLCommand({ RoleArn: role('Developer'), PrincipalArn: PROVIDER, SAMLAssertion: toBase64(xml) }),
        );
        return stsClient(chainSts.url, {
          accessKeyId: Credentials?.AccessKeyId ?? '',
          secretAccessKey: Credentials?.SecretAccessKey ?? '',
          sessionToken: Credentials?.SessionToken ?? '',
        });
      };
      const engineer = await assumeWithTags('engineering');
      const chained = await engineer.send(new AssumeRoleCommand({ RoleArn: role('ChainedEngineers'), RoleSessionName: 'alice-chained' }));
      expect(chained.SourceIdentity).toBe('alice');
      expect(chained.AssumedRoleUser?.Arn).toBe(`arn:aws:sts::${SANDBOX}:assumed-role/ChainedEngineers/alice-chained`);
      const sales = await assumeWithTags('sales');
      expect(await failure(sales.send(new AssumeRoleCommand({ RoleArn: role('ChainedEngineers'), RoleSessionName: 'x1' })))).toMatchObject({
        name: 'AccessDenied',
      });
    } finally {
      await chainSts.close();
    }
  });
});

/**
 * XML signature wrapping: the signed assertion is moved into samlp:Extensions and
 * a forged one (with the original Signature copied in) takes its place.
 */
function wrap(signedXml: string, variant: 'new-id' | 'same-id'): string {
  const doc = new DOMParser().parseFromString(signedXml, 'text/xml');
  const response = doc.documentElement;
  const original = response.getElementsByTagNameNS('urn:oasis:names:tc:SAML:2.0:assertion', 'Assertion')[0];
  if (!original) throw new Error('no assertion to wrap');
  const forged = original.cloneNode(true) as typeof original;
  if (variant === 'new-id') forged.setAttribute('ID', '_forged');
  const values = forged.getElementsByTagNameNS('urn:oasis:names:tc:SAML:2.0:assertion', 'AttributeValue');
  for (let i = 0; i < values.length; i++) {
    const value = values.item(i);
    if (value?.textContent === 'alice@example.com') value.textContent = 'mallory';
  }
  const extensions = doc.createElementNS('urn:oasis:names:tc:SAML:2.0:protocol', 'samlp:Extensions');
  response.replaceChild(forged, original);
  extensions.appendChild(original);
  response.insertBefore(extensions, response.getElementsByTagNameNS('urn:oasis:names:tc:SAML:2.0:protocol', 'Status')[0] ?? null);
  return new XMLSerializer().serializeToString(doc);
}
