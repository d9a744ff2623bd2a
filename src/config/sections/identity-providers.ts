import { z } from 'zod';
import { identityProviderSeedSchema } from '../../domain/identity-provider.js';

export const identityProviders = z
  .preprocess(
    (v) => {
      if (typeof v !== 'string') return v;
      try {
        return JSON.parse(v) as unknown;
      } catch {
        return v;
      }
    },
    z.array(identityProviderSeedSchema, { error: 'expected a list of identity providers (YAML list, or JSON in the environment)' }),
  )
  .default([])
  .meta({
    env: ['ROLEGATE_IDENTITY_PROVIDERS'],
    secret: true,
    description:
      'Identity providers upserted by slug into the database at start-up (see docs/authentication.md). Each: slug, displayName, kind (oidc|saml), enabled, groupsFrom, settings, and for OIDC confidential clients clientSecret (kept in memory, never stored).',
  });
