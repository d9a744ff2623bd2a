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
  })
  .prefault({});
