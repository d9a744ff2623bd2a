import { z } from 'zod';
import { integer, nonEmptyString } from '../fields.js';

export const saml = z
  .strictObject({
    clockSkewMs: integer(0, 60_000)
      .default(30_000)
      .meta({
        env: ['ROLEGATE_SAML_CLOCK_SKEW_MS'],
        description: 'Clock skew tolerated on SAML NotBefore/NotOnOrAfter (at most 60 s; time checks cannot be disabled).',
      }),
    maxAssertionAgeMs: integer(10_000, 3_600_000)
      .default(300_000)
      .meta({
        env: ['ROLEGATE_SAML_MAX_ASSERTION_AGE_MS'],
        description: 'Oldest SAML assertion accepted, counted from its IssueInstant, whatever its NotOnOrAfter says.',
      }),
    spPrivateKey: nonEmptyString('a PEM private key')
      .optional()
      .meta({
        env: ['ROLEGATE_SAML_SP_PRIVATE_KEY'],
        secret: true,
        description:
          'PEM private key rolegate signs its SAML AuthnRequests and logout messages with (RSA-SHA256). Most IdPs require signed logout requests. Give saml.spCertificate with it.',
      }),
    spCertificate: nonEmptyString('a PEM certificate')
      .optional()
      .meta({
        env: ['ROLEGATE_SAML_SP_CERTIFICATE'],
        description: 'PEM certificate of saml.spPrivateKey, published in the SP metadata so IdPs can verify our signatures.',
      }),
    maxBodyBytes: integer(16_384, 2_097_152)
      .default(524_288)
      .meta({ env: ['ROLEGATE_SAML_MAX_BODY_BYTES'], description: 'Largest request body the SAML endpoints accept.' }),
    // The parser limits below are checked by a linear pre-scan before any XML parser sees a SAML
    // message; IdP responses seen in practice (Entra ID, Okta, AD FS, Keycloak, Shibboleth) stay
    // far below each. Every message costs the verifier time in proportion to them.
    maxXmlDepth: integer(16, 256)
      .default(32)
      .meta({
        env: ['ROLEGATE_SAML_MAX_XML_DEPTH'],
        description: 'Deepest element nesting accepted in a SAML message (IdPs send less than 15).',
      }),
    maxXmlElements: integer(200, 50_000)
      .default(2000)
      .meta({
        env: ['ROLEGATE_SAML_MAX_XML_ELEMENTS'],
        description:
          'Most elements in a SAML message; comments, processing instructions and CDATA sections count as elements. A 30 KB response has about 500; each group value is one.',
      }),
    maxXmlAttributes: integer(400, 100_000)
      .default(4000)
      .meta({
        env: ['ROLEGATE_SAML_MAX_XML_ATTRIBUTES'],
        description: 'Most attributes in a SAML message, namespace declarations included (some IdPs put three on every group value).',
      }),
    maxXmlAttributesPerElement: integer(8, 1000)
      .default(32)
      .meta({
        env: ['ROLEGATE_SAML_MAX_XML_ATTRIBUTES_PER_ELEMENT'],
        description: 'Most attributes on one element of a SAML message, namespace declarations included (IdPs send at most about 10).',
      }),
    maxXmlNamespacesInScope: integer(8, 1000)
      .default(24)
      .meta({
        env: ['ROLEGATE_SAML_MAX_XML_NAMESPACES_IN_SCOPE'],
        description:
          'Most namespace declarations in scope at one element of a SAML message, counting those on its ancestors (IdPs send at most about 8).',
      }),
  })
  .prefault({});
