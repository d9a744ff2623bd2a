import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { SignedXml } from 'xml-crypto';

const FIXTURES = new URL('../../fixtures/saml/', import.meta.url);

/** A test signing identity from test/fixtures/saml (`<name>-test-key.pem` / `<name>-test-cert.pem`). */
export interface TestSigner {
  key: string;
  cert: string;
}

export function testSigner(name: 'idp' | 'other-idp' | 'rotated-idp'): TestSigner {
  return {
    key: readFileSync(new URL(`${name}-test-key.pem`, FIXTURES), 'utf8'),
    cert: readFileSync(new URL(`${name}-test-cert.pem`, FIXTURES), 'utf8'),
  };
}

export const TEST_IDP_ENTITY_ID = 'https://rolegate.test/saml/metadata';
const ATTR = 'https://aws.amazon.com/SAML/Attributes/';

/** What a minted SAML Response says; `null` leaves an element out. Defaults make a valid response. */
export interface MintOptions {
  signer: TestSigner;
  /** `roleArn,providerArn` values of the Role attribute. */
  roles: string[];
  issuer?: string;
  sessionName?: string | null;
  audience?: string | null;
  recipient?: string | null;
  destination?: string | null;
  nameId?: string;
  nameIdFormat?: string;
  /** SubjectConfirmationData and Conditions NotOnOrAfter (default: now + 5 min). */
  notOnOrAfter?: Date;
  notBefore?: Date;
  sessionNotOnOrAfter?: Date;
  sessionDuration?: string;
  sourceIdentity?: string;
  principalTags?: Record<string, string>;
  transitiveTagKeys?: string[];
  statusCode?: string;
  /** Which element carries the signature (default: the assertion). */
  sign?: 'assertion' | 'response' | 'none';
  signatureAlgorithm?: 'sha256' | 'sha1';
  now?: Date;
}

/** Mints a SAML 2.0 Response like an IdP (or rolegate) sends to AWS, signed with xml-crypto. */
export function mintSamlResponse(options: MintOptions): string {
  const now = options.now ?? new Date();
  const notOnOrAfter = (options.notOnOrAfter ?? new Date(now.getTime() + 5 * 60_000)).toISOString();
  const notBefore = (options.notBefore ?? new Date(now.getTime() - 60_000)).toISOString();
  const recipient = options.recipient === undefined ? 'https://signin.aws.amazon.com/saml' : options.recipient;
  const audience = options.audience === undefined ? 'urn:amazon:webservices' : options.audience;
  const destination = options.destination === undefined ? recipient : options.destination;
  const issuer = options.issuer ?? TEST_IDP_ENTITY_ID;
  const sessionName = options.sessionName === undefined ? 'alice@example.com' : options.sessionName;
  const attributes: [string, string[]][] = [[`${ATTR}Role`, options.roles]];
  if (sessionName !== null) attributes.push([`${ATTR}RoleSessionName`, [sessionName]]);
  if (options.sessionDuration !== undefined) attributes.push([`${ATTR}SessionDuration`, [options.sessionDuration]]);
  if (options.sourceIdentity !== undefined) attributes.push([`${ATTR}SourceIdentity`, [options.sourceIdentity]]);
  for (const [key, value] of Object.entries(options.principalTags ?? {})) attributes.push([`${ATTR}PrincipalTag:${key}`, [value]]);
  if (options.transitiveTagKeys) attributes.push([`${ATTR}TransitiveTagKeys`, options.transitiveTagKeys]);
  const responseId = `_r${randomUUID()}`;
  const assertionId = `_a${randomUUID()}`;
  const xml = [
    `<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="${responseId}" Version="2.0" IssueInstant="${now.toISOString()}"${destination === null ? '' : ` Destination="${esc(destination)}"`}>`,
    `<saml:Issuer>${esc(issuer)}</saml:Issuer>`,
    `<samlp:Status><samlp:StatusCode Value="${esc(options.statusCode ?? 'urn:oasis:names:tc:SAML:2.0:status:Success')}"/></samlp:Status>`,
    `<saml:Assertion ID="${assertionId}" Version="2.0" IssueInstant="${now.toISOString()}">`,
    `<saml:Issuer>${esc(issuer)}</saml:Issuer>`,
    '<saml:Subject>',
    `<saml:NameID Format="${esc(options.nameIdFormat ?? 'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent')}">${esc(options.nameId ?? 'alice@example.com')}</saml:NameID>`,
    '<saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer">',
    `<saml:SubjectConfirmationData NotOnOrAfter="${notOnOrAfter}"${recipient === null ? '' : ` Recipient="${esc(recipient)}"`}/>`,
    '</saml:SubjectConfirmation>',
    '</saml:Subject>',
    `<saml:Conditions NotBefore="${notBefore}" NotOnOrAfter="${notOnOrAfter}">`,
    audience === null ? '' : `<saml:AudienceRestriction><saml:Audience>${esc(audience)}</saml:Audience></saml:AudienceRestriction>`,
    '</saml:Conditions>',
    `<saml:AuthnStatement AuthnInstant="${now.toISOString()}"${options.sessionNotOnOrAfter ? ` SessionNotOnOrAfter="${options.sessionNotOnOrAfter.toISOString()}"` : ''}>`,
    '<saml:AuthnContext><saml:AuthnContextClassRef>urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport</saml:AuthnContextClassRef></saml:AuthnContext>',
    '</saml:AuthnStatement>',
    '<saml:AttributeStatement>',
    ...attributes.map(
      ([name, values]) =>
        `<saml:Attribute Name="${esc(name)}">${values.map((v) => `<saml:AttributeValue>${esc(v)}</saml:AttributeValue>`).join('')}</saml:Attribute>`,
    ),
    '</saml:AttributeStatement>',
    '</saml:Assertion>',
    '</samlp:Response>',
  ].join('');
  const sign = options.sign ?? 'assertion';
  if (sign === 'none') return xml;
  return signXml(xml, sign === 'assertion' ? 'Assertion' : 'Response', options.signer, options.signatureAlgorithm ?? 'sha256');
}

/** Signs the element (`Assertion` or `Response`) with an enveloped signature placed after its Issuer. */
export function signXml(
  xml: string,
  element: 'Assertion' | 'Response',
  signer: TestSigner,
  algorithm: 'sha256' | 'sha1' = 'sha256',
): string {
  const sha1 = algorithm === 'sha1';
  const signature = new SignedXml({
    privateKey: signer.key,
    publicCert: signer.cert,
    signatureAlgorithm: sha1 ? 'http://www.w3.org/2000/09/xmldsig#rsa-sha1' : 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256',
    canonicalizationAlgorithm: 'http://www.w3.org/2001/10/xml-exc-c14n#',
  });
  const target = element === 'Assertion' ? "//*[local-name(.)='Assertion']" : "/*[local-name(.)='Response']";
  signature.addReference({
    xpath: target,
    transforms: ['http://www.w3.org/2000/09/xmldsig#enveloped-signature', 'http://www.w3.org/2001/10/xml-exc-c14n#'],
    digestAlgorithm: sha1 ? 'http://www.w3.org/2000/09/xmldsig#sha1' : 'http://www.w3.org/2001/04/xmlenc#sha256',
  });
  signature.computeSignature(xml, { prefix: 'ds', location: { reference: `${target}/*[local-name(.)='Issuer']`, action: 'after' } });
  return signature.getSignedXml();
}

/** SAML IdP metadata publishing `certs` for signing. */
export function idpMetadata(certs: string[], entityId = TEST_IDP_ENTITY_ID): string {
  const keys = certs
    .map((cert) => cert.replace(/-----(BEGIN|END) CERTIFICATE-----|\s+/g, ''))
    .map(
      (body) =>
        `<md:KeyDescriptor use="signing"><ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:X509Data><ds:X509Certificate>${body}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>`,
    )
    .join('');
  return `<?xml version="1.0"?><md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="${esc(entityId)}"><md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">${keys}<md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="https://rolegate.test/saml/sso"/></md:IDPSSODescriptor></md:EntityDescriptor>`;
}

export function toBase64(xml: string): string {
  return Buffer.from(xml, 'utf8').toString('base64');
}

function esc(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
