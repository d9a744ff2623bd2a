import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createSign } from 'node:crypto';
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { DOMParser } from '@xmldom/xmldom';
import { SignedXml } from 'xml-crypto';

const fixture = (name: string) => readFileSync(new URL(`../fixtures/${name}`, import.meta.url), 'utf8');

/** Test keys committed under test/fixtures (generated with openssl; they protect nothing). */
export const KEYS = {
  idp: { key: fixture('saml-idp-test-key.pem'), cert: fixture('saml-idp-test-cert.pem') },
  rotated: { key: fixture('saml-idp-rotated-test-key.pem'), cert: fixture('saml-idp-rotated-test-cert.pem') },
  attacker: { key: fixture('saml-attacker-test-key.pem'), cert: fixture('saml-attacker-test-cert.pem') },
  sp: { key: fixture('saml-sp-test-key.pem'), cert: fixture('saml-sp-test-cert.pem') },
};

const esc = (v: string) => v.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const id = () => `_${randomBytes(16).toString('hex')}`;
const SIG_ALGS = { sha256: 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256', sha1: 'http://www.w3.org/2000/09/xmldsig#rsa-sha1' };
const STATUS = 'urn:oasis:names:tc:SAML:2.0:status:';

/** Everything one IdP logout message says; tests override single fields to break one rule at a time. */
export interface LogoutSpec {
  issuer: string;
  /** Destination attribute (null: none). */
  destination: string | null;
  id?: string;
  /** IssueInstant (null: none). */
  issueInstant?: Date | null;
  notOnOrAfter?: Date;
}

/** An IdP-initiated LogoutRequest (test peer only: string-built, escaped). */
export function logoutRequestXml(spec: LogoutSpec & { nameId: string; sessionIndex?: string }): string {
  return (
    `<samlp:LogoutRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="${spec.id ?? id()}" Version="2.0"${logoutAttributes(spec)}>` +
    `<saml:Issuer>${esc(spec.issuer)}</saml:Issuer><saml:NameID>${esc(spec.nameId)}</saml:NameID>` +
    (spec.sessionIndex ? `<samlp:SessionIndex>${esc(spec.sessionIndex)}</samlp:SessionIndex>` : '') +
    `</samlp:LogoutRequest>`
  );
}

/** The IdP's LogoutResponse to our LogoutRequest `inResponseTo`; Success unless `statusCodes` say otherwise. */
export function logoutResponseXml(spec: LogoutSpec & { inResponseTo: string | null; statusCodes?: string[] }): string {
  const inResponseTo = spec.inResponseTo === null ? '' : ` InResponseTo="${esc(spec.inResponseTo)}"`;
  return (
    `<samlp:LogoutResponse xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="${spec.id ?? id()}" Version="2.0"${logoutAttributes(spec)}${inResponseTo}>` +
    `<saml:Issuer>${esc(spec.issuer)}</saml:Issuer>${statusXml(spec.statusCodes ?? [`${STATUS}Success`])}</samlp:LogoutResponse>`
  );
}

const logoutAttributes = (spec: LogoutSpec) =>
  (spec.issueInstant === null ? '' : ` IssueInstant="${(spec.issueInstant ?? new Date()).toISOString()}"`) +
  (spec.destination === null ? '' : ` Destination="${esc(spec.destination)}"`) +
  (spec.notOnOrAfter ? ` NotOnOrAfter="${spec.notOnOrAfter.toISOString()}"` : '');

/** `<samlp:Status>` with nested StatusCodes, top-level first. */
function statusXml(codes: string[], message?: string): string {
  const nested = codes.reduceRight((inner, code) => `<samlp:StatusCode Value="${esc(code)}">${inner}</samlp:StatusCode>`, '');
  return `<samlp:Status>${nested}${message === undefined ? '' : `<samlp:StatusMessage>${esc(message)}</samlp:StatusMessage>`}</samlp:Status>`;
}

/**
 * A logout message as an HTTP-Redirect query string, signed over
 * `SAMLRequest=…&RelayState=…&SigAlg=…` as the binding specifies (unsigned
 * when `keys` is null).
 */
export function redirectQuery(
  parameter: 'SAMLRequest' | 'SAMLResponse',
  xml: string,
  keys: { key: string } | null,
  relayState?: string,
  algorithm: 'sha256' | 'sha1' = 'sha256',
): string {
  let query = `${parameter}=${encodeURIComponent(deflateRawSync(Buffer.from(xml)).toString('base64'))}`;
  if (relayState) query += `&RelayState=${encodeURIComponent(relayState)}`;
  if (!keys) return query;
  query += `&SigAlg=${encodeURIComponent(SIG_ALGS[algorithm])}`;
  const signature = createSign(algorithm === 'sha1' ? 'RSA-SHA1' : 'RSA-SHA256')
    .update(query)
    .sign(keys.key, 'base64');
  return `${query}&Signature=${encodeURIComponent(signature)}`;
}

/** An IdP-initiated LogoutRequest, HTTP-Redirect binding: the query string for `sloUrl`. */
export function logoutRequestQuery(
  spec: Omit<LogoutSpec, 'destination'> & {
    destination: string | null;
    nameId: string;
    sessionIndex?: string;
    keys: { key: string } | null;
    relayState?: string;
  },
): string {
  return redirectQuery('SAMLRequest', logoutRequestXml(spec), spec.keys, spec.relayState);
}

/** Signs the root element of a message (enveloped, exc-c14n, RSA-SHA256): the POST binding's signature. */
export function signRoot(xml: string, keys: { key: string; cert: string }): string {
  const sig = new SignedXml({
    privateKey: keys.key,
    publicCert: keys.cert,
    signatureAlgorithm: SIG_ALGS.sha256,
    canonicalizationAlgorithm: 'http://www.w3.org/2001/10/xml-exc-c14n#',
  });
  sig.addReference({
    xpath: '/*',
    transforms: ['http://www.w3.org/2000/09/xmldsig#enveloped-signature', 'http://www.w3.org/2001/10/xml-exc-c14n#'],
    digestAlgorithm: 'http://www.w3.org/2001/04/xmlenc#sha256',
  });
  sig.computeSignature(xml, { location: { reference: "/*/*[local-name(.)='Issuer']", action: 'after' } });
  return sig.getSignedXml();
}

export interface SamlUser {
  nameId: string;
  attributes: Record<string, string[]>;
  authnContextClassRef?: string;
}

export const GROUPS_ATTRIBUTE = 'http://schemas.xmlsoap.org/claims/Group';

export const SAML_USERS: Record<string, SamlUser> = {
  alice: {
    nameId: 'alice@corp.example',
    attributes: { [GROUPS_ATTRIBUTE]: ['aws-admins', 'aws-dev'], email: ['alice@corp.example'], displayName: ['Alice Admin'] },
    authnContextClassRef: 'urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport',
  },
  bob: { nameId: 'bob@corp.example', attributes: { email: ['bob@corp.example'] } },
  carol: {
    nameId: 'carol@corp.example',
    attributes: { [GROUPS_ATTRIBUTE]: ['aws-breakglass'], email: ['carol@corp.example'] },
    authnContextClassRef: 'urn:oasis:names:tc:SAML:2.0:ac:classes:TimeSyncToken',
  },
};

/** Everything one Response says; tests override single fields to break one rule at a time. */
export interface ResponseSpec {
  issuer: string;
  nameId: string;
  attributes?: Record<string, string[]>;
  acsUrl: string;
  audience: string;
  inResponseTo?: string | undefined;
  destination?: string | null;
  recipient?: string;
  responseId?: string;
  assertionId?: string;
  issueInstant?: Date;
  notBefore?: Date;
  notOnOrAfter?: Date;
  sessionNotOnOrAfter?: Date;
  authnContextClassRef?: string;
  sessionIndex?: string;
  /** Top-level StatusCode, then nested ones; default Success alone. */
  statusCodes?: string[];
  statusMessage?: string;
}

/** An unsigned SAML 2.0 Response with one assertion (test peer only: string-built, escaped). */
export function buildResponse(spec: ResponseSpec): string {
  const now = new Date();
  const issueInstant = (spec.issueInstant ?? now).toISOString();
  const notBefore = (spec.notBefore ?? new Date(now.getTime() - 60_000)).toISOString();
  const notOnOrAfter = (spec.notOnOrAfter ?? new Date(now.getTime() + 300_000)).toISOString();
  const inResponseTo = spec.inResponseTo ? ` InResponseTo="${esc(spec.inResponseTo)}"` : '';
  const destination = spec.destination === null ? '' : ` Destination="${esc(spec.destination ?? spec.acsUrl)}"`;
  const attributes = Object.entries(spec.attributes ?? {})
    .map(
      ([name, values]) =>
        `<saml:Attribute Name="${esc(name)}">${values.map((v) => `<saml:AttributeValue>${esc(v)}</saml:AttributeValue>`).join('')}</saml:Attribute>`,
    )
    .join('');
  const session = spec.sessionNotOnOrAfter ? ` SessionNotOnOrAfter="${spec.sessionNotOnOrAfter.toISOString()}"` : '';
  return (
    `<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="${spec.responseId ?? id()}" Version="2.0" IssueInstant="${issueInstant}"${destination}${inResponseTo}>` +
    `<saml:Issuer>${esc(spec.issuer)}</saml:Issuer>` +
    statusXml(spec.statusCodes ?? [`${STATUS}Success`], spec.statusMessage) +
    `<saml:Assertion ID="${spec.assertionId ?? id()}" Version="2.0" IssueInstant="${issueInstant}">` +
    `<saml:Issuer>${esc(spec.issuer)}</saml:Issuer>` +
    `<saml:Subject><saml:NameID Format="urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress">${esc(spec.nameId)}</saml:NameID>` +
    `<saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer"><saml:SubjectConfirmationData NotOnOrAfter="${notOnOrAfter}" Recipient="${esc(spec.recipient ?? spec.acsUrl)}"${inResponseTo}/></saml:SubjectConfirmation></saml:Subject>` +
    `<saml:Conditions NotBefore="${notBefore}" NotOnOrAfter="${notOnOrAfter}"><saml:AudienceRestriction><saml:Audience>${esc(spec.audience)}</saml:Audience></saml:AudienceRestriction></saml:Conditions>` +
    `<saml:AuthnStatement AuthnInstant="${issueInstant}" SessionIndex="${esc(spec.sessionIndex ?? id())}"${session}><saml:AuthnContext><saml:AuthnContextClassRef>${esc(spec.authnContextClassRef ?? 'urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport')}</saml:AuthnContextClassRef></saml:AuthnContext></saml:AuthnStatement>` +
    (attributes ? `<saml:AttributeStatement>${attributes}</saml:AttributeStatement>` : '') +
    `</saml:Assertion></samlp:Response>`
  );
}

/** Signs the Assertion (or the whole Response) enveloped, exc-c14n, RSA-SHA256 (or SHA-1), KeyInfo carrying `cert`. */
export function sign(
  xml: string,
  what: 'Assertion' | 'Response',
  keys: { key: string; cert: string },
  algorithm: 'sha256' | 'sha1' = 'sha256',
): string {
  const sig = new SignedXml({
    privateKey: keys.key,
    publicCert: keys.cert,
    signatureAlgorithm:
      algorithm === 'sha1' ? 'http://www.w3.org/2000/09/xmldsig#rsa-sha1' : 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256',
    canonicalizationAlgorithm: 'http://www.w3.org/2001/10/xml-exc-c14n#',
  });
  const element = what === 'Assertion' ? "//*[local-name(.)='Assertion']" : "/*[local-name(.)='Response']";
  sig.addReference({
    xpath: element,
    transforms: ['http://www.w3.org/2000/09/xmldsig#enveloped-signature', 'http://www.w3.org/2001/10/xml-exc-c14n#'],
    digestAlgorithm: algorithm === 'sha1' ? 'http://www.w3.org/2000/09/xmldsig#sha1' : 'http://www.w3.org/2001/04/xmlenc#sha256',
  });
  sig.computeSignature(xml, { location: { reference: `${element}/*[local-name(.)='Issuer']`, action: 'after' } });
  return sig.getSignedXml();
}

export const encode = (xml: string) => Buffer.from(xml, 'utf8').toString('base64');

export interface AuthnRequestSeen {
  id: string;
  acsUrl: string;
  issuer: string;
  relayState: string | null;
}

export interface SamlIdpPeer {
  url: string;
  entityId: string;
  ssoUrl: string;
  requests: AuthnRequestSeen[];
  /** Signs with this key pair (switch to KEYS.rotated to test certificate rotation). */
  signingKeys: { key: string; cert: string };
  /** The IdP's metadata XML (also served at /metadata). */
  metadata(): string;
  /** A signed, unsolicited (IdP-initiated) response for `user`. */
  idpInitiated(user: string, acsUrl: string, audience: string): string;
  close(): Promise<void>;
}

/**
 * A SAML IdP on loopback built from xml-crypto: GET /sso receives an
 * HTTP-Redirect AuthnRequest and shows a login form; POST /sso/login answers
 * with an auto-post form carrying a signed Response to the requested ACS.
 */
export async function startSamlIdp(): Promise<SamlIdpPeer> {
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${String((server.address() as AddressInfo).port)}`;
  const peer: SamlIdpPeer = {
    url,
    entityId: `${url}/metadata`,
    ssoUrl: `${url}/sso`,
    requests: [],
    signingKeys: KEYS.idp,
    metadata: () => metadataXml(peer.entityId, peer.ssoUrl, [KEYS.idp.cert, KEYS.rotated.cert]),
    idpInitiated: (user, acsUrl, audience) => {
      const u = SAML_USERS[user];
      if (!u) throw new Error(`no user ${user}`);
      return encode(sign(buildResponse({ issuer: peer.entityId, acsUrl, audience, ...u }), 'Assertion', peer.signingKeys));
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  server.on('request', (req, res) => {
    void (async () => {
      const target = new URL(req.url ?? '/', url);
      const html = (body: string) => {
        res.writeHead(200, { 'content-type': 'text/html' });
        res.end(`<!DOCTYPE html><html><body>${body}</body></html>`);
      };
      if (target.pathname === '/metadata') {
        res.writeHead(200, { 'content-type': 'application/samlmetadata+xml' });
        res.end(peer.metadata());
      } else if (target.pathname === '/sso' && req.method === 'GET') {
        const xml = inflateRawSync(Buffer.from(target.searchParams.get('SAMLRequest') ?? '', 'base64')).toString('utf8');
        const root = new DOMParser().parseFromString(xml, 'text/xml').documentElement as Element | null;
        const issuer = root?.getElementsByTagNameNS('urn:oasis:names:tc:SAML:2.0:assertion', 'Issuer').item(0)?.textContent ?? '';
        const seen = {
          id: root?.getAttribute('ID') ?? '',
          acsUrl: root?.getAttribute('AssertionConsumerServiceURL') ?? '',
          issuer,
          relayState: target.searchParams.get('RelayState'),
        };
        peer.requests.push(seen);
        html(
          `<form method="post" action="/sso/login"><input type="hidden" name="requestId" value="${esc(seen.id)}"><input type="hidden" name="acs" value="${esc(seen.acsUrl)}"><input type="hidden" name="audience" value="${esc(seen.issuer)}"><input name="user"></form>`,
        );
      } else if (target.pathname === '/sso/login' && req.method === 'POST') {
        const form = new URLSearchParams(await readBody(req));
        const user = SAML_USERS[form.get('user') ?? ''];
        if (!user) {
          res.writeHead(401);
          res.end('unknown user');
          return;
        }
        const acsUrl = form.get('acs') ?? '';
        const xml = buildResponse({
          issuer: peer.entityId,
          acsUrl,
          audience: form.get('audience') ?? '',
          inResponseTo: form.get('requestId') ?? '',
          ...user,
        });
        html(
          `<form method="post" action="${esc(acsUrl)}"><input type="hidden" name="SAMLResponse" value="${encode(sign(xml, 'Assertion', peer.signingKeys))}"><button>Continue</button></form>`,
        );
      } else {
        res.writeHead(404);
        res.end();
      }
    })();
  });
  return peer;
}

function metadataXml(entityId: string, ssoUrl: string, certs: string[]): string {
  const keys = certs
    .map(
      (cert) =>
        `<md:KeyDescriptor use="signing"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>${cert.replace(/-----[^-]+-----|\s/g, '')}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>`,
    )
    .join('');
  return `<?xml version="1.0"?><md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" xmlns:ds="http://www.w3.org/2000/09/xmldsig#" entityID="${esc(entityId)}"><md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">${keys}<md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="${esc(ssoUrl)}"/></md:IDPSSODescriptor></md:EntityDescriptor>`;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
