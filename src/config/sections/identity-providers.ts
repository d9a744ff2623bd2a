import { jsonList } from '../fields.js';
import { identityProviderSeedSchema } from '../../domain/identity-provider.js';

export const identityProviders = jsonList(identityProviderSeedSchema, 'identity providers')
  .default([])
  .meta({
    env: ['ROLEGATE_IDENTITY_PROVIDERS'],
    secret: true,
    description:
      'Identity providers upserted by slug into the database at start-up (see docs/authentication.md). Each: slug, displayName, kind (oidc|saml), enabled, groupsFrom, settings, and for OIDC confidential clients clientSecret (kept in memory, never stored).',
  });
