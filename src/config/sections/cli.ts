import { z } from 'zod';
import { integer } from '../fields.js';

export const cli = z
  .strictObject({
    accessTokenTtlMs: integer(60_000, 3_600_000)
      .default(900_000)
      .meta({
        env: ['ROLEGATE_CLI_ACCESS_TOKEN_TTL_MS'],
        description:
          'Lifetime of the CLI access tokens (opaque, checked in Redis). The CLI refreshes them with its refresh token, which lasts as long as the sign-in that approved it (at most sessions.maxTtlMs).',
      }),
    authorizationCodeTtlMs: integer(1_000, 600_000)
      .default(60_000)
      .meta({
        env: ['ROLEGATE_CLI_AUTHORIZATION_CODE_TTL_MS'],
        description: 'How long an authorization code of the CLI loopback sign-in may wait to be exchanged (once).',
      }),
    deviceCodeTtlMs: integer(1_000, 1_800_000)
      .default(600_000)
      .meta({
        env: ['ROLEGATE_CLI_DEVICE_CODE_TTL_MS'],
        description: 'How long a device code (`rolegate login --no-browser`) waits for the user to confirm it on the portal.',
      }),
    devicePollIntervalSeconds: integer(1, 60)
      .default(5)
      .meta({
        env: ['ROLEGATE_CLI_DEVICE_POLL_INTERVAL_S'],
        description: 'Seconds the CLI must wait between polls of a device code; a faster poll gets slow_down (RFC 8628).',
      }),
  })
  .prefault({});
