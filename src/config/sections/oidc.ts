import { z } from 'zod';
import { integer } from '../fields.js';

export const oidc = z
  .strictObject({
    discoveryTtlMs: integer(60_000, 86_400_000)
      .default(3_600_000)
      .meta({
        env: ['ROLEGATE_OIDC_DISCOVERY_TTL_MS'],
        description:
          'How long OIDC discovery documents are cached before they are fetched again (JWKS refresh on unknown key ids regardless).',
      }),
    httpTimeoutMs: integer(500, 60_000)
      .default(5000)
      .meta({
        env: ['ROLEGATE_OIDC_HTTP_TIMEOUT_MS'],
        description: 'Timeout of each call to an OIDC provider (discovery, JWKS, token, userinfo).',
      }),
  })
  .prefault({});
