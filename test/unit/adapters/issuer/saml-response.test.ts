import { DOMParser } from '@xmldom/xmldom';
import { SignedXml } from 'xml-crypto';
import { describe, expect, it } from 'vitest';
import { RolegateError } from '../../../../src/domain/errors.js';
import type { SamlAssertionRequest } from '../../../../src/ports/assertion-issuer.js';
import { publishedKeyFromPem } from '../../../../src/adapters/issuer/key-material.js';
import { samlRequest, testIssuer, testRsaPem } from '../../../support/issuer.js';

const SAML = 'urn:oasis:names:tc:SAML:2.0:assertion';
const DS = 'http://www.w3.org/2000/09/xmldsig#';
const MD = 'urn:oasis:names:tc:SAML:2.0:metadata';
const NOW = Date.UTC(2026, 10, 23, 10, 0, 0);

function request(overrides: Partial<SamlAssertionRequest> = {}): SamlAssertionRequest {
  return samlRequest({ authenticatedAt: NOW - 60_000, ...overrides });
}

function decode(minted: { samlAssertion: { reveal(): string } }): string {
  return Buffer.from(minted.samlAssertion.reveal(), 'base64').toString('utf8');
}

function parse(xml: string): Document {
  return new DOMParser().parseFromString(xml, 'text/xml');
}

function attribute(doc: Document, name: string): string[] {
  const attributes = Array.from(doc.getElementsByTagNameNS(SAML, 'Attribute')).filter(
    (a) => a.getAttribute('Name') === `https://aws.amazon.com/SAML/Attributes/${name}`,
  );
  return attributes.flatMap((a) => Array.from(a.getElementsByTagNameNS(SAML, 'AttributeValue')).map((v) => v.textContent));
}

/** Verifies like a relying party: only against the certificate rolegate publishes in its metadata. */
async function verify(xml: string, metadata: string): Promise<{ valid: boolean; references: string[] }> {
  const certificate = parse(metadata).getElementsByTagNameNS(DS, 'X509Certificate')[0]?.textContent ?? '';
  const pem = `-----BEGIN CERTIFICATE-----\n${certificate}\n-----END CERTIFICATE-----\n`;
  const signatures = parse(xml).getElementsByTagNameNS(DS, 'Signature');
  expect(signatures).toHaveLength(1);
  const verifier = new SignedXml({ publicCert: pem, getCertFromKeyInfo: () => null });
  verifier.loadSignature(signatures[0] as Node);
  let valid: boolean;
  try {
    valid = verifier.checkSignature(xml);
  } catch {
    valid = false;
  }
  return Promise.resolve({ valid, references: valid ? verifier.getSignedReferences() : [] });
}

describe('RolegateIssuer.mintSamlResponse', () => {
  it('when minted, then the assertion signature verifies against the certificate in /saml/metadata and covers the assertion', async () => {
    const { issuer } = testIssuer({ now: NOW });
    const minted = await issuer.mintSamlResponse(request());
    const xml = decode(minted);
    const { valid, references } = await verify(xml, await issuer.samlMetadata());
    expect(valid).toBe(true);
    expect(references).toHaveLength(1);
    expect(references[0]).toContain(`ID="${minted.assertionId}"`);
    const signature = parse(xml).getElementsByTagNameNS(DS, 'Signature')[0];
    expect((signature?.parentNode as Element | null)?.localName).toBe('Assertion');
    expect((signature?.previousSibling as Element | null)?.localName).toBe('Issuer');
    expect(xml).toContain('http://www.w3.org/2001/04/xmldsig-more#rsa-sha256');
    expect(xml).toContain('http://www.w3.org/2001/10/xml-exc-c14n#');
  });

  it('when a signed value is altered (the role), then the signature no longer verifies', async () => {
    const { issuer } = testIssuer({ now: NOW });
    const xml = decode(await issuer.mintSamlResponse(request()));
    const forged = xml.replace('role/Developer', 'role/Admin');
    expect(forged).not.toBe(xml);
    expect((await verify(forged, await issuer.samlMetadata())).valid).toBe(false);
  });

  it('when signed by another key, then the published certificate does not verify it', async () => {
    const a = testIssuer({ now: NOW });
    const b = testIssuer({ now: NOW, pem: testRsaPem() });
    const xml = decode(await a.issuer.mintSamlResponse(request()));
    expect((await verify(xml, await b.issuer.samlMetadata())).valid).toBe(false);
  });

  it('when minted, then it carries exactly one Role value and the AWS attributes', async () => {
    const { issuer } = testIssuer({ now: NOW });
    const doc = parse(
      decode(
        await issuer.mintSamlResponse(
          request({
            tags: [
              { key: 'Email', value: 'alice@corp.com' },
              { key: 'group:aws-dev', value: 'true' },
            ],
            transitiveTagKeys: ['Email'],
          }),
        ),
      ),
    );
    expect(attribute(doc, 'Role')).toEqual(['arn:aws:iam::111122223333:role/Developer,arn:aws:iam::111122223333:saml-provider/rolegate']);
    expect(attribute(doc, 'RoleSessionName')).toEqual(['alice@corp.com']);
    expect(attribute(doc, 'SourceIdentity')).toEqual(['alice@corp.com']);
    expect(attribute(doc, 'SessionDuration')).toEqual(['3600']);
    expect(attribute(doc, 'PrincipalTag:Email')).toEqual(['alice@corp.com']);
    expect(attribute(doc, 'PrincipalTag:group:aws-dev')).toEqual(['true']);
    expect(attribute(doc, 'TransitiveTagKeys')).toEqual(['Email']);
    expect(doc.getElementsByTagNameNS(SAML, 'NameID')[0]?.getAttribute('Format')).toBe(
      'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent',
    );
    expect(doc.getElementsByTagNameNS(SAML, 'NameID')[0]?.textContent).toBe('corp:alice@corp.com');
    expect(doc.getElementsByTagNameNS(SAML, 'Issuer')[1]?.textContent).toBe('https://rolegate.corp.example/saml/metadata');
    expect(doc.getElementsByTagNameNS(SAML, 'AuthnStatement')[0]?.getAttribute('AuthnInstant')).toBe(new Date(NOW - 60_000).toISOString());
  });

  it.each([
    ['aws', undefined, 'https://signin.aws.amazon.com/saml', 'urn:amazon:webservices'],
    ['aws', 'eu-west-1', 'https://eu-west-1.signin.aws.amazon.com/saml', 'urn:amazon:webservices'],
    ['aws-us-gov', undefined, 'https://signin.amazonaws-us-gov.com/saml', 'urn:amazon:webservices:govcloud'],
    ['aws-cn', 'cn-north-1', 'https://signin.amazonaws.cn/saml', 'urn:amazon:webservices:cn-north-1'],
  ] as const)(
    'when the role is in %s (region %s), then Recipient is %s and Audience %s',
    async (partition, region, recipient, audience) => {
      const { issuer } = testIssuer({ now: NOW });
      const minted = await issuer.mintSamlResponse(
        request({
          partition,
          ...(region ? { region } : {}),
          roleArn: `arn:${partition}:iam::111122223333:role/Developer`,
          providerArn: `arn:${partition}:iam::111122223333:saml-provider/rolegate`,
        }),
      );
      expect(minted).toMatchObject({ recipient, audience });
      const doc = parse(decode(minted));
      const confirmations = doc.getElementsByTagNameNS(SAML, 'SubjectConfirmation');
      expect(confirmations).toHaveLength(1);
      expect(confirmations[0]?.getAttribute('Method')).toBe('urn:oasis:names:tc:SAML:2.0:cm:bearer');
      const data = doc.getElementsByTagNameNS(SAML, 'SubjectConfirmationData')[0];
      expect(data?.getAttribute('Recipient')).toBe(recipient);
      expect(doc.documentElement.getAttribute('Destination')).toBe(recipient);
      expect(Array.from(doc.getElementsByTagNameNS(SAML, 'Audience')).map((a) => a.textContent)).toEqual([audience]);
    },
  );

  it('when minted, then NotOnOrAfter is five minutes after issuance and NotBefore allows a minute of skew', async () => {
    const { issuer } = testIssuer({ now: NOW });
    const minted = await issuer.mintSamlResponse(request());
    expect(minted.issuedAt.getTime()).toBe(NOW);
    expect(minted.notOnOrAfter.getTime()).toBe(NOW + 300_000);
    const doc = parse(decode(minted));
    expect(doc.getElementsByTagNameNS(SAML, 'SubjectConfirmationData')[0]?.getAttribute('NotOnOrAfter')).toBe('2026-11-23T10:05:00.000Z');
    const conditions = doc.getElementsByTagNameNS(SAML, 'Conditions')[0];
    expect(conditions?.getAttribute('NotOnOrAfter')).toBe('2026-11-23T10:05:00.000Z');
    expect(conditions?.getAttribute('NotBefore')).toBe('2026-11-23T09:59:00.000Z');
    expect(doc.getElementsByTagNameNS(SAML, 'Assertion')[0]?.getAttribute('IssueInstant')).toBe('2026-11-23T10:00:00.000Z');
  });

  it('when minted twice, then response and assertion ids are unique NCNames', async () => {
    const { issuer } = testIssuer({ now: NOW });
    const ids = new Set<string>();
    for (let i = 0; i < 20; i++) {
      const minted = await issuer.mintSamlResponse(request());
      ids.add(minted.responseId).add(minted.assertionId);
      expect(minted.assertionId).toMatch(/^_[0-9a-f]{40}$/);
    }
    expect(ids.size).toBe(40);
  });

  it('when the user id holds markup, quotes and a comment, then it is escaped text and the NameID reads back whole', async () => {
    const { issuer } = testIssuer({ now: NOW });
    const userId = `corp:a<b>&c"d'e<!-- admin -->@corp.com]]>`;
    const xml = decode(await issuer.mintSamlResponse(request({ userId, authnContextClass: 'x"><saml:Attribute Name="evil' })));
    expect(xml).not.toContain('<!-- admin -->');
    expect(xml).not.toContain('<b>');
    const doc = parse(xml);
    expect(doc.getElementsByTagNameNS(SAML, 'NameID')[0]?.textContent).toBe(userId);
    expect(doc.getElementsByTagNameNS(SAML, 'AuthnContextClassRef')[0]?.textContent).toBe('x"><saml:Attribute Name="evil');
    expect(doc.getElementsByTagNameNS(SAML, 'Attribute')).toHaveLength(4);
    const comments: Node[] = [];
    const walk = (node: Node) => {
      if (node.nodeType === 8) comments.push(node);
      for (let c = node.firstChild; c; c = c.nextSibling) walk(c);
    };
    walk(doc);
    expect(comments).toEqual([]);
    expect((await verify(xml, await issuer.samlMetadata())).valid).toBe(true);
  });

  it('when 50 tags are sent, then the base64 assertion stays far below the 100,000 characters AWS accepts', async () => {
    const { issuer } = testIssuer({ now: NOW });
    const tags = Array.from({ length: 50 }, (_, i) => ({
      key: `k${String(i).padStart(3, '0')}${'x'.repeat(120)}`,
      value: 'v'.repeat(256),
    }));
    const minted = await issuer.mintSamlResponse(request({ tags }));
    expect(minted.samlAssertion.reveal().length).toBeLessThan(100_000);
  });

  it.each([
    ['a provider of another account', { providerArn: 'arn:aws:iam::999988887777:saml-provider/rolegate' }],
    ['an OIDC provider', { providerArn: 'arn:aws:iam::111122223333:oidc-provider/x.example' }],
    ['a partition other than the role', { partition: 'aws-cn' as const }],
    ['an invalid session name', { sessionName: 'alice smith' }],
    ['an invalid source identity', { sourceIdentity: 'x' }],
    ['a duration below 900 s', { sessionDurationSeconds: 600 }],
    ['a control character in the user id', { userId: 'corp:alice\u0001' }],
    ['51 tags', { tags: Array.from({ length: 51 }, (_, i) => ({ key: `k${String(i)}`, value: 'v' })) }],
    ['a transitive key without its tag', { transitiveTagKeys: ['Team'] }],
    ['a reserved tag key', { tags: [{ key: 'aws:x', value: 'v' }] }],
  ])('when asked to mint with %s, then it refuses with server_error', async (_what, overrides) => {
    const { issuer } = testIssuer({ now: NOW });
    const error = await issuer.mintSamlResponse(request(overrides)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RolegateError);
    expect((error as RolegateError).code).toBe('server_error');
    expect((error as RolegateError).expose).toBe(false);
  });

  it('when the minted result is serialised as JSON or logged, then the assertion is redacted', async () => {
    const { issuer } = testIssuer({ now: NOW });
    const minted = await issuer.mintSamlResponse(request());
    expect(JSON.stringify(minted)).toContain('"samlAssertion":"[redacted]"');
  });
});

describe('RolegateIssuer.samlMetadata', () => {
  it('when extra keys are published, then there is one signing KeyDescriptor per certificate', async () => {
    const nextKey = publishedKeyFromPem(testRsaPem());
    const { issuer, key } = testIssuer({ extra: [nextKey] });
    const doc = parse(await issuer.samlMetadata());
    expect(doc.documentElement.localName).toBe('EntityDescriptor');
    expect(doc.documentElement.getAttribute('entityID')).toBe('https://rolegate.corp.example/saml/metadata');
    const descriptors = Array.from(doc.getElementsByTagNameNS(MD, 'KeyDescriptor'));
    expect(descriptors.map((d) => d.getAttribute('use'))).toEqual(['signing', 'signing']);
    expect(Array.from(doc.getElementsByTagNameNS(DS, 'KeyName')).map((k) => k.textContent)).toEqual([key.kid, nextKey.kid]);
    expect(doc.getElementsByTagNameNS(MD, 'IDPSSODescriptor')[0]?.getAttribute('protocolSupportEnumeration')).toBe(
      'urn:oasis:names:tc:SAML:2.0:protocol',
    );
  });
});
