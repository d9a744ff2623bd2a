import { DOMParser, XMLSerializer } from '@xmldom/xmldom';

// XML Signature Wrapping: a signed assertion is kept somewhere the verifier
// will find it, while an unsigned, forged assertion sits where the identity
// is read. Each variant below must be refused.

const ASSERTION_NS = 'urn:oasis:names:tc:SAML:2.0:assertion';
const DSIG_NS = 'http://www.w3.org/2000/09/xmldsig#';

function parse(xml: string): { doc: Document; response: Element; signed: Element } {
  const doc = new DOMParser().parseFromString(xml, 'text/xml');
  const response = doc.documentElement as Element | null;
  const signed = doc.getElementsByTagNameNS(ASSERTION_NS, 'Assertion').item(0);
  if (!response || !signed) throw new Error('not a response with an assertion');
  return { doc, response, signed };
}

/** A copy of the signed assertion without its signature, claiming to be `nameId`, with a fresh ID unless `keepId`. */
function forge(signed: Element, nameId: string, keepId: boolean): Element {
  const forged = signed.cloneNode(true) as Element;
  const signature = forged.getElementsByTagNameNS(DSIG_NS, 'Signature').item(0);
  if (signature) forged.removeChild(signature);
  if (!keepId) forged.setAttribute('ID', '_forged0000000000000000000000000000');
  const nameIdNode = forged.getElementsByTagNameNS(ASSERTION_NS, 'NameID').item(0);
  if (nameIdNode) nameIdNode.textContent = nameId;
  return forged;
}

const serialize = (doc: Document) => new XMLSerializer().serializeToString(doc);

export const XSW_VARIANTS: Record<string, (signedXml: string, nameId: string) => string> = {
  /** A forged assertion inserted before the untouched signed one. */
  'forged assertion before the signed one': (xml, nameId) => {
    const { doc, response, signed } = parse(xml);
    response.insertBefore(forge(signed, nameId, false), signed);
    return serialize(doc);
  },
  /** The signed assertion moved inside the forged one (the verifier may find it nested). */
  'signed assertion wrapped inside the forged one': (xml, nameId) => {
    const { doc, response, signed } = parse(xml);
    const forged = forge(signed, nameId, false);
    response.replaceChild(forged, signed);
    forged.appendChild(signed);
    return serialize(doc);
  },
  /** The signed assertion hidden in samlp:Extensions; a forged one with the same ID carries its signature. */
  'signed assertion moved to Extensions, forged one takes its ID and signature': (xml, nameId) => {
    const { doc, response, signed } = parse(xml);
    const forged = forge(signed, nameId, true);
    const signature = signed.getElementsByTagNameNS(DSIG_NS, 'Signature').item(0);
    if (signature) forged.insertBefore(signature.cloneNode(true), forged.getElementsByTagNameNS(ASSERTION_NS, 'Subject').item(0));
    const extensions = doc.createElementNS('urn:oasis:names:tc:SAML:2.0:protocol', 'samlp:Extensions');
    response.replaceChild(forged, signed);
    extensions.appendChild(signed);
    response.insertBefore(extensions, forged);
    return serialize(doc);
  },
  /** The signed assertion tucked into the forged one's ds:Object (XSW7/8 style). */
  'signed assertion inside the forged signature Object': (xml, nameId) => {
    const { doc, response, signed } = parse(xml);
    const forged = forge(signed, nameId, true);
    const signature = signed.getElementsByTagNameNS(DSIG_NS, 'Signature').item(0)?.cloneNode(true) as Element | undefined;
    if (!signature) throw new Error('unsigned');
    const object = doc.createElementNS(DSIG_NS, 'ds:Object');
    const original = signed.cloneNode(true) as Element;
    const inner = original.getElementsByTagNameNS(DSIG_NS, 'Signature').item(0);
    if (inner) original.removeChild(inner);
    object.appendChild(original);
    signature.appendChild(object);
    forged.insertBefore(signature, forged.getElementsByTagNameNS(ASSERTION_NS, 'Subject').item(0));
    response.replaceChild(forged, signed);
    return serialize(doc);
  },
};

/** XSW1/2 style on a signed Response: a forged, unsigned Response wraps the signed one (in Extensions). */
export function wrapSignedResponse(signedXml: string, nameId: string): string {
  const { doc, response: signedResponse } = parse(signedXml);
  const forged = signedResponse.cloneNode(true) as Element;
  const signature = forged.getElementsByTagNameNS(DSIG_NS, 'Signature').item(0);
  if (signature) forged.removeChild(signature);
  forged.setAttribute('ID', '_forgedresponse00000000000000000000');
  const nameIdNode = forged.getElementsByTagNameNS(ASSERTION_NS, 'NameID').item(0);
  if (nameIdNode) nameIdNode.textContent = nameId;
  const extensions = doc.createElementNS('urn:oasis:names:tc:SAML:2.0:protocol', 'samlp:Extensions');
  extensions.appendChild(signedResponse.cloneNode(true));
  forged.insertBefore(extensions, forged.getElementsByTagNameNS('urn:oasis:names:tc:SAML:2.0:protocol', 'Status').item(0));
  doc.replaceChild(forged, signedResponse);
  return serialize(doc);
}
