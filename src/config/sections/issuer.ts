import { z } from 'zod';
import { integer, nonEmptyString, stringList, url } from '../fields.js';

export const issuer = z
  .strictObject({
    entityId: nonEmptyString('a URI')
      .optional()
      .meta({
        env: ['ROLEGATE_SAML_ENTITY_ID'],
        description:
          'The SAML entity id (Issuer) rolegate uses toward AWS, as registered in the IAM SAML provider. Default: <publicUrl>/saml/metadata. Changing it breaks every registered IAM SAML provider.',
      }),
    signingKeyFile: nonEmptyString('a file path')
      .optional()
      .meta({
        env: ['ROLEGATE_SIGNING_KEY_FILE'],
        description:
          'PEM file with an RSA private key (2048 bits or more) that signs SAML responses and web-identity JWTs. When neither this nor signingKey is set, rolegate generates its keys on first start and keeps them encrypted in PostgreSQL.',
      }),
    signingKey: nonEmptyString('a PEM private key')
      .optional()
      .meta({
        env: ['ROLEGATE_SIGNING_KEY'],
        secret: true,
        description: 'The same as signingKeyFile, as PEM text (for secret managers that inject environment variables).',
      }),
    publishedKeyFiles: stringList('a comma-separated list of PEM file paths')
      .default([])
      .meta({
        env: ['ROLEGATE_PUBLISHED_KEY_FILES'],
        description:
          'With a file or environment signing key: further PEM files (certificates, public or private keys) published in the SAML metadata and JWKS without signing: the next key before a rotation, or the previous one until its last assertion expired.',
      }),
    keyBits: integer(2048, 4096)
      .refine((bits) => bits % 1024 === 0, { error: 'expected 2048, 3072 or 4096' })
      .default(2048)
      .meta({ env: ['ROLEGATE_SIGNING_KEY_BITS'], description: 'RSA modulus length of generated signing keys (2048, 3072 or 4096).' }),
    assertionLifetimeSeconds: integer(30, 300)
      .default(300)
      .meta({
        env: ['ROLEGATE_ASSERTION_LIFETIME_SECONDS'],
        description:
          'How long a minted SAML assertion or web-identity JWT is valid (NotOnOrAfter, exp). At most 5 minutes: it is only carried from rolegate to STS.',
      }),
    webIdentityIssuer: url(['https', 'http'])
      .optional()
      .meta({
        env: ['ROLEGATE_WEB_IDENTITY_ISSUER'],
        description:
          'The OIDC issuer URL rolegate uses toward AWS for web-identity roles (the `iss` of minted JWTs; discovery at <issuer>/.well-known/openid-configuration). Default: the public URL. AWS must reach it over https.',
      }),
    webIdentityAudience: nonEmptyString()
      .default('sts.amazonaws.com')
      .meta({
        env: ['ROLEGATE_WEB_IDENTITY_AUDIENCE'],
        description: 'The `aud` of minted JWTs; register it as the client id (audience) of the IAM OIDC provider.',
      }),
    sessionNameIdp: nonEmptyString('an IdP slug')
      .optional()
      .meta({
        env: ['ROLEGATE_SESSION_NAME_IDP'],
        description:
          'The IdP whose user subjects become RoleSessionName and SourceIdentity unchanged when valid (alice@corp.com). Subjects of other IdPs, and ones that need sanitising, get a hash suffix so names never collide between users.',
      }),
  })
  .prefault({});
