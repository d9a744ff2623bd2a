import { z } from 'zod';
import { integer } from '../fields.js';

export const identityProviderChecks = z
  .strictObject({
    retryInitialMs: integer(100, 600_000)
      .default(2000)
      .meta({
        env: ['ROLEGATE_IDP_RETRY_INITIAL_MS'],
        description:
          'An IdP whose SAML metadata or OIDC discovery cannot be fetched (at start-up or later) stays configured, shows as temporarily unavailable, and is checked again after this long, the wait doubling with each failure (jittered between half and all of it).',
      }),
    retryMaxMs: integer(1000, 3_600_000)
      .default(60_000)
      .meta({
        env: ['ROLEGATE_IDP_RETRY_MAX_MS'],
        description:
          'The longest wait between two checks of an unreachable IdP: it is usable again at most about this long after it comes back.',
      }),
  })
  .prefault({});
