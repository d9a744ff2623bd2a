import { childElements, NS, onlyChild, textOf } from './safe-xml.js';

/** What AssumeRoleWithSAML reads from a verified Assertion (SAML core 2.0 §2.3-2.7). */
export interface SamlAssertionFacts {
  issuer?: string;
  nameId?: string;
  nameIdFormat?: string;
  /** Bearer SubjectConfirmationData of the one bearer confirmation, if exactly one exists. */
  bearer: { count: number; recipient?: string; notOnOrAfter?: string; notBefore?: string };
  conditions: { notBefore?: string; notOnOrAfter?: string; audiences: string[] };
  sessionNotOnOrAfter?: string;
  /** Attribute Name → values. */
  attributes: Map<string, string[]>;
}

const BEARER = 'urn:oasis:names:tc:SAML:2.0:cm:bearer';

export function readSamlAssertion(assertion: Element): SamlAssertionFacts {
  const subject = onlyChild(assertion, NS.saml, 'Subject');
  const nameIdElement = subject ? onlyChild(subject, NS.saml, 'NameID') : undefined;
  const bearers = subject ? childElements(subject, NS.saml, 'SubjectConfirmation').filter((c) => c.getAttribute('Method') === BEARER) : [];
  const bearerData = bearers.length === 1 && bearers[0] ? onlyChild(bearers[0], NS.saml, 'SubjectConfirmationData') : undefined;
  const conditions = onlyChild(assertion, NS.saml, 'Conditions');
  const audiences = conditions
    ? childElements(conditions, NS.saml, 'AudienceRestriction').flatMap((r) =>
        childElements(r, NS.saml, 'Audience').map((a) => textOf(a) ?? ''),
      )
    : [];
  const authn = childElements(assertion, NS.saml, 'AuthnStatement');
  const attributes = new Map<string, string[]>();
  for (const statement of childElements(assertion, NS.saml, 'AttributeStatement')) {
    for (const attribute of childElements(statement, NS.saml, 'Attribute')) {
      const name = attribute.getAttribute('Name') ?? '';
      const values = childElements(attribute, NS.saml, 'AttributeValue').map((v) => textOf(v) ?? '');
      attributes.set(name, [...(attributes.get(name) ?? []), ...values]);
    }
  }
  const sessionNotOnOrAfter = authn.map((a) => a.getAttribute('SessionNotOnOrAfter')).find((v) => v);
  return {
    ...optional('issuer', textOf(onlyChild(assertion, NS.saml, 'Issuer'))),
    ...optional('nameId', textOf(nameIdElement)),
    ...optional('nameIdFormat', nameIdElement?.getAttribute('Format') ?? undefined),
    bearer: {
      count: bearers.length,
      ...optional('recipient', bearerData?.getAttribute('Recipient') ?? undefined),
      ...optional('notOnOrAfter', bearerData?.getAttribute('NotOnOrAfter') ?? undefined),
      ...optional('notBefore', bearerData?.getAttribute('NotBefore') ?? undefined),
    },
    conditions: {
      ...optional('notBefore', conditions?.getAttribute('NotBefore') ?? undefined),
      ...optional('notOnOrAfter', conditions?.getAttribute('NotOnOrAfter') ?? undefined),
      audiences,
    },
    ...optional('sessionNotOnOrAfter', sessionNotOnOrAfter ?? undefined),
    attributes,
  };
}

function optional<K extends string>(key: K, value: string | undefined): Partial<Record<K, string>> {
  return value ? ({ [key]: value } as Record<K, string>) : {};
}
