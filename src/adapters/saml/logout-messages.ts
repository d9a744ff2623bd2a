import { inflateRawSync } from 'node:zlib';
import { SAML } from '@node-saml/node-saml';
import { RolegateError } from '../../domain/errors.js';
import type { SamlIdentityProvider, SamlLogoutMessage, SamlLogoutRequest, SamlLogoutResponse } from '../../ports/saml-gateway.js';
import { nodeSamlConfig, spUrls, toPem, type SpSettings } from './node-saml-config.js';
import { redirectSignatureValid } from './redirect-signature.js';
import {
  ASSERTION_NS,
  childElements,
  decodePostField,
  DSIG_NS,
  parseSamlMessage,
  requireDestination,
  timeAttribute,
} from './saml-document.js';
import { isPlainSuccess, readStatus } from './saml-status.js';
import { checkXmlSignatureAlgorithms, redirectSignatureHash } from './signature-algorithms.js';
import type { XmlLimits } from './xml-prescan.js';

export interface LogoutContext {
  sp: SpSettings;
  limits: XmlLimits;
  /** Largest HTTP-POST message accepted (decoded). */
  maxPostBytes: number;
  now: number;
}

type Kind = 'LogoutRequest' | 'LogoutResponse';

const MAX_INFLATED_BYTES = 65_536;
const reject = (detail: string) => new RolegateError('assertion_invalid', { detail });

/** The IdP's LogoutRequest, either binding: verified, then read from the one parsed document. */
export async function verifyLogoutRequest(
  idp: SamlIdentityProvider,
  message: SamlLogoutMessage,
  context: LogoutContext,
): Promise<SamlLogoutRequest> {
  const { root, relayState } = await verifiedLogoutMessage(idp, message, 'LogoutRequest', context);
  const what = 'SAML LogoutRequest';
  const requestId = root.getAttribute('ID');
  if (!requestId) throw reject(`The ${what} has no ID`);
  const issuer = requireIssuer(root, idp, what);
  const nameId = childElements(root, ASSERTION_NS, 'NameID')[0]?.textContent ?? '';
  if (nameId === '') throw reject(`The ${what} names no NameID`);
  const sessionIndex = childElements(root, 'urn:oasis:names:tc:SAML:2.0:protocol', 'SessionIndex')[0]?.textContent ?? '';
  // SAML Core §3.7.1 gives a LogoutRequest only NotOnOrAfter, and it is optional: without an age
  // limit a signed request would be good forever. It must be fresh (issued within the clock skew).
  const skew = context.sp.clockSkewMs;
  const issued = timeAttribute(root, 'IssueInstant', what);
  if (issued === undefined) throw reject(`The ${what} has no IssueInstant`);
  if (Math.abs(context.now - issued) > skew) {
    throw reject(
      `The ${what} was issued at ${new Date(issued).toISOString()}, more than saml.clockSkewMs (${String(skew)} ms) from now: it is stale or replayed, or a clock is wrong`,
    );
  }
  const notOnOrAfter = timeAttribute(root, 'NotOnOrAfter', what);
  if (notOnOrAfter !== undefined && context.now - skew >= notOnOrAfter)
    throw reject(`The ${what} has expired (NotOnOrAfter is in the past)`);
  return {
    requestId,
    issuer,
    nameId,
    ...(sessionIndex ? { sessionIndex } : {}),
    validUntil: Math.min(issued + skew, notOnOrAfter ?? Infinity),
    ...(relayState !== undefined ? { relayState } : {}),
  };
}

/** The IdP's LogoutResponse to our LogoutRequest `expectedRequestId`, either binding. */
export async function verifyLogoutResponse(
  idp: SamlIdentityProvider,
  message: SamlLogoutMessage,
  expectedRequestId: string,
  context: LogoutContext,
): Promise<SamlLogoutResponse> {
  const { root } = await verifiedLogoutMessage(idp, message, 'LogoutResponse', context);
  const what = 'SAML LogoutResponse';
  requireIssuer(root, idp, what);
  if (root.getAttribute('InResponseTo') !== expectedRequestId) {
    throw reject(`The ${what} does not answer the sign-out this browser started (InResponseTo)`);
  }
  const status = readStatus(root, what);
  return { statusCodes: status.codes, success: isPlainSuccess(status) };
}

/**
 * Checks the signature of a logout message (the Redirect binding's query
 * signature, or the POST binding's enveloped XML signature on the root) and
 * its Destination; returns the parsed root. Everything read from it afterwards
 * is covered by that signature.
 */
async function verifiedLogoutMessage(
  idp: SamlIdentityProvider,
  message: SamlLogoutMessage,
  kind: Kind,
  context: LogoutContext,
): Promise<{ root: Element; relayState: string | undefined }> {
  const what = `SAML ${kind}`;
  const parameter = kind === 'LogoutRequest' ? 'SAMLRequest' : 'SAMLResponse';
  const slo = spUrls(context.sp.publicUrl, idp.slug).slo;
  if (message.binding === 'redirect') {
    const query = new URLSearchParams(message.rawQuery);
    for (const name of [parameter, 'RelayState', 'SigAlg', 'Signature']) {
      if (query.getAll(name).length > 1) throw reject(`The ${what} query carries ${name} more than once`);
    }
    const encoded = query.get(parameter);
    if (!encoded) throw reject(`Expected an HTTP-Redirect ${parameter}`);
    const signature = query.get('Signature');
    const sigAlg = query.get('SigAlg');
    // node-saml processes unsigned redirect-binding logout messages (node-saml #419): we do not.
    if (!signature || !sigAlg) throw reject(`The ${what} is not signed (Signature and SigAlg are required)`);
    const hash = redirectSignatureHash(sigAlg, idp.settings.allowSha1);
    if (!hash) throw reject(`The ${what} uses SigAlg ${sigAlg.slice(0, 100)}, which is not accepted (SHA-256 or stronger required)`);
    let xml: string;
    try {
      xml = inflateRawSync(Buffer.from(encoded, 'base64'), { maxOutputLength: MAX_INFLATED_BYTES }).toString('utf8');
    } catch {
      throw reject(`The ${what} is not a deflated message of at most 64 KiB`);
    }
    const root = parseSamlMessage(xml, context.limits, what, kind);
    requireDestination(root, slo, what);
    if (!redirectSignatureValid(message.rawQuery, parameter, hash, signature, idp.settings.certificates.map(toPem))) {
      throw reject(`The ${what} is not signed by a registered certificate of ${idp.slug}`);
    }
    return { root, relayState: query.get('RelayState') ?? undefined };
  }
  const encoded = message.form[parameter];
  if (!encoded) throw reject(`Expected an HTTP-POST ${parameter}`);
  const root = parseSamlMessage(decodePostField(encoded, context.maxPostBytes, what), context.limits, what, kind);
  if (childElements(root, DSIG_NS, 'Signature').length === 0)
    throw reject(`The ${what} is not signed (an enveloped signature is required)`);
  checkXmlSignatureAlgorithms(root, idp.settings.allowSha1, what);
  requireDestination(root, slo, what);
  const saml = new SAML(nodeSamlConfig(idp, context.sp, null));
  try {
    // node-saml checks that exactly one signature by a pinned certificate covers the root element.
    if (kind === 'LogoutRequest') await saml.validatePostRequestAsync({ SAMLRequest: encoded });
    else if (!(await saml.validatePostResponseAsync({ SAMLResponse: encoded })).loggedOut) throw new Error('not a LogoutResponse');
  } catch (error) {
    const text = error instanceof Error ? error.message : String(error);
    throw new RolegateError('assertion_invalid', {
      detail: /signature/i.test(text)
        ? `The ${what} is not signed by a registered certificate of ${idp.slug}`
        : /issuer/i.test(text)
          ? `The ${what} does not come from the entityID of ${idp.slug}`
          : /expired/i.test(text)
            ? `The ${what} has expired (NotOnOrAfter is in the past)`
            : /not yet valid/i.test(text)
              ? `The ${what} is not yet valid (NotBefore is in the future)`
              : `The ${what} is malformed`,
      cause: error,
    });
  }
  return { root, relayState: message.form.RelayState };
}

function requireIssuer(root: Element, idp: SamlIdentityProvider, what: string): string {
  const issuer = childElements(root, ASSERTION_NS, 'Issuer')[0]?.textContent ?? '';
  if (issuer !== idp.settings.entityId) throw reject(`The ${what} does not come from the entityID of ${idp.slug}`);
  return issuer;
}
